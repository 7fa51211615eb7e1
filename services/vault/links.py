"""Signed, expiring links to an asset's bytes served by the API itself (local storage): the
signature is the credential, so a link works in an <img> or <video> tag without a session.

signature = hex HMAC-SHA256(key, "<asset id>:<variant>:<expires>"); expires in Unix seconds.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode

from services.errors import PermissionDenied

LINK_REFUSED = "this link is not valid or has expired"


class LinkSigner:
    def __init__(self, key: bytes, *, base_url: str) -> None:
        self._key = key
        self._base_url = base_url.rstrip("/")

    def _signature(self, asset_id: str, variant: str, expires: int) -> str:
        message = f"{asset_id}:{variant}:{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def url(self, asset_id: str, variant: str, *, expires_at: datetime) -> str:
        expires = int(expires_at.timestamp())
        query = urlencode(
            {
                "variant": variant,
                "expires": expires,
                "signature": self._signature(asset_id, variant, expires),
            }
        )
        return f"{self._base_url}/api/content-creation/assets/{asset_id}/file?{query}"

    def check(
        self, asset_id: str, variant: str, *, expires: int, signature: str, now: datetime
    ) -> None:
        """PermissionDenied unless the signature is this link's and it has not expired."""
        expected = self._signature(asset_id, variant, expires)
        fresh = expires > now.timestamp()
        if not (hmac.compare_digest(expected.encode(), signature.encode()) and fresh):
            raise PermissionDenied(LINK_REFUSED)

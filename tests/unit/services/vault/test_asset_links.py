"""Signed asset links: what they accept and refuse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from services.errors import PermissionDenied
from services.vault.links import LinkSigner

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
SIGNER = LinkSigner(b"k" * 32, base_url="http://api.example/")


def parts(url: str) -> tuple[str, int, str]:
    query = parse_qs(urlsplit(url).query)
    return query["variant"][0], int(query["expires"][0]), query["signature"][0]


def test_a_link_is_accepted_until_it_expires() -> None:
    url = SIGNER.url("a1", "original", expires_at=NOW + timedelta(minutes=5))
    assert url.startswith("http://api.example/api/content-creation/assets/a1/file?")
    variant, expires, signature = parts(url)
    SIGNER.check("a1", variant, expires=expires, signature=signature, now=NOW)
    with pytest.raises(PermissionDenied):
        SIGNER.check(
            "a1", variant, expires=expires, signature=signature, now=NOW + timedelta(minutes=5)
        )


@pytest.mark.parametrize(
    ("asset_id", "variant", "expires_delta", "signature"),
    [
        ("a2", "original", 0, None),  # another asset
        ("a1", "thumbnail", 0, None),  # another variant
        ("a1", "original", 60, None),  # a later expiry
        ("a1", "original", 0, "00" * 32),
        ("a1", "original", 0, "\u00f1\u2603"),  # not even ASCII
        ("a1", "original", 0, ""),
    ],
)
def test_anything_changed_is_refused(
    asset_id: str, variant: str, expires_delta: int, signature: str | None
) -> None:
    _, expires, good = parts(SIGNER.url("a1", "original", expires_at=NOW + timedelta(hours=1)))
    with pytest.raises(PermissionDenied):
        SIGNER.check(
            asset_id,
            variant,
            expires=expires + expires_delta,
            signature=good if signature is None else signature,
            now=NOW,
        )


def test_another_key_signs_differently() -> None:
    other = LinkSigner(b"x" * 32, base_url="http://api.example")
    _, expires, signature = parts(other.url("a1", "original", expires_at=NOW + timedelta(hours=1)))
    with pytest.raises(PermissionDenied):
        SIGNER.check("a1", "original", expires=expires, signature=signature, now=NOW)

"""HTTP details a few servicers need: the refresh cookie and the cross-site (CSRF) check.

Envoy hands request headers over as gRPC metadata and turns initial metadata into response
headers, so cookies are read from `cookie` metadata and written as `set-cookie` metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie

import grpc

from services.errors import PermissionDenied

REFRESH_COOKIE = "refreshToken"
REFRESH_COOKIE_PATH = "/api/auth"


def metadata_values(context: grpc.aio.ServicerContext, name: str) -> list[str]:
    """Every value of one request metadata key (keys are lower case in gRPC)."""
    return [
        value
        for key, value in (context.invocation_metadata() or ())
        if key == name and isinstance(value, str)
    ]


def read_cookie(context: grpc.aio.ServicerContext, name: str) -> str | None:
    """The cookie's value from the `cookie` header(s), or None; malformed headers are ignored."""
    for header in metadata_values(context, "cookie"):
        jar = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue
        if name in jar and jar[name].value:
            return jar[name].value
    return None


def refresh_cookie(token: str, max_age_seconds: int | None) -> str:
    """`set-cookie` value for a refresh token; no Max-Age means a browser-session cookie."""
    parts = [
        f"{REFRESH_COOKIE}={token}",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        f"Path={REFRESH_COOKIE_PATH}",
    ]
    if max_age_seconds is not None:
        parts.append(f"Max-Age={max_age_seconds}")
    return "; ".join(parts)


def cleared_refresh_cookie() -> str:
    """`set-cookie` value that makes the browser drop the refresh cookie."""
    return refresh_cookie("", 0)


def refuse_cross_site(context: grpc.aio.ServicerContext, allowed_origins: Iterable[str]) -> None:
    """Raise PermissionDenied for a browser request sent from another site.

    SameSite=Strict already keeps the cookie off cross-site requests in current browsers; this
    is the second line: an `Origin` that is not one of ours, or `Sec-Fetch-Site: cross-site`.
    Non-browser clients (no Origin, no Sec-Fetch-Site) pass.
    """
    allowed = set(allowed_origins)
    for origin in metadata_values(context, "origin"):
        if origin not in allowed:
            raise PermissionDenied("cross-site request refused")
    if "cross-site" in (value.lower() for value in metadata_values(context, "sec-fetch-site")):
        raise PermissionDenied("cross-site request refused")

"""The refresh cookie as the auth and users servicers send it.

Envoy turns initial metadata into response headers, so cookies are written as `set-cookie`
metadata (and read from the request's `cookie` header: RequestContext.cookie).
"""

from __future__ import annotations

from interceptors.context import RequestContext
from services.auth.tokens import family_of

REFRESH_COOKIE = "refreshToken"
REFRESH_COOKIE_PATH = "/api/auth"


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


def session_of(request: RequestContext) -> str | None:
    """The browser session (refresh-token family) a request names in its cookie: the key of the
    refresh and logout rate limit."""
    token = request.cookie(REFRESH_COOKIE)
    return family_of(token) if token else None

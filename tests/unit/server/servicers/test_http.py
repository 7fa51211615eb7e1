"""The refresh cookie as servicers send it, and the session a request's cookie names."""

from __future__ import annotations

import uuid

from interceptors.context import RequestContext
from server.servicers.http import cleared_refresh_cookie, refresh_cookie, session_of


def test_session_cookie_has_no_max_age() -> None:
    assert refresh_cookie("abc", None) == (
        "refreshToken=abc; HttpOnly; Secure; SameSite=Strict; Path=/api/auth"
    )


def test_persistent_cookie_has_max_age() -> None:
    assert refresh_cookie("abc", 60).endswith("; Path=/api/auth; Max-Age=60")


def test_cleared_cookie_expires_now() -> None:
    cleared = cleared_refresh_cookie()
    assert cleared.startswith("refreshToken=;")
    assert cleared.endswith("Max-Age=0")
    assert "Path=/api/auth" in cleared


def request_with(*headers: tuple[str, str | bytes]) -> RequestContext:
    return RequestContext(request_id="r", method="/m", client_address="1.2.3.4", metadata=headers)


def test_the_cookie_is_found_among_others() -> None:
    request = request_with(("cookie", "theme=dark; refreshToken=tok-1; lang=fr"))
    assert request.cookie("refreshToken") == "tok-1"
    assert request_with(("cookie", "theme=dark")).cookie("refreshToken") is None
    assert request_with().cookie("refreshToken") is None
    assert request_with(("cookie", b"refreshToken=\xff")).cookie("refreshToken") is None


def test_the_session_is_the_refresh_token_family() -> None:
    family = str(uuid.uuid4())
    assert session_of(request_with(("cookie", f"refreshToken={family}.s3cret"))) == family
    assert session_of(request_with(("cookie", "refreshToken=legacy-opaque"))) is None
    assert session_of(request_with()) is None

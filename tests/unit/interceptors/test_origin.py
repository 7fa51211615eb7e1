"""The cross-site check of cookie-session methods (refresh, logout)."""

from __future__ import annotations

import grpc
import pytest
from huntaze.v1 import auth_pb2
from support.interceptor_harness import rpc_error, serve, settings_for

from interceptors.context import RequestContext
from interceptors.origin import is_cross_site

FRONTEND = "http://localhost:3000"
API = "https://api.huntaze.example"
ALLOWED = frozenset({FRONTEND, API})


def request_with(*headers: tuple[str, str]) -> RequestContext:
    return RequestContext(request_id="r", method="/m", client_address="1.2.3.4", metadata=headers)


@pytest.mark.parametrize(
    "headers",
    [
        (("origin", "https://evil.example"),),
        (("origin", "null"),),
        (("origin", "null"), ("sec-fetch-site", "same-origin")),
        (("sec-fetch-site", "cross-site"),),
        ((("origin", FRONTEND)), ("sec-fetch-site", "cross-site")),
        (("origin", "https://evil.example"), ("sec-fetch-site", "same-site")),
    ],
    ids=["foreign", "null", "null-same-origin", "cross-site", "allowed-but-cross-site", "sibling"],
)
def test_cross_site_requests_are_refused(headers: tuple[tuple[str, str], ...]) -> None:
    assert is_cross_site(request_with(*headers), ALLOWED)


@pytest.mark.parametrize(
    "headers",
    [
        (),
        (("origin", FRONTEND), ("sec-fetch-site", "same-site")),
        (("origin", API), ("sec-fetch-site", "same-origin")),
        (("origin", "https://app.example"), ("sec-fetch-site", "same-origin")),
        (("sec-fetch-site", "same-origin"),),
        (("sec-fetch-site", "none"),),
    ],
    ids=["no-browser", "frontend", "api-origin", "browser-says-same", "fetch-only", "typed-url"],
)
def test_our_origins_and_non_browsers_pass(headers: tuple[tuple[str, str], ...]) -> None:
    assert not is_cross_site(request_with(*headers), ALLOWED)


async def test_only_same_origin_methods_are_checked() -> None:
    foreign = (("origin", "https://evil.example"),)
    async with serve(settings_for(public_origin=API)) as stubs:
        error = await rpc_error(stubs.auth.Logout(auth_pb2.LogoutRequest(), metadata=foreign))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error.details() == "cross-site request refused"
        await stubs.auth.Logout(auth_pb2.LogoutRequest(), metadata=(("origin", API),))
        # Sign-in does not use the session cookie: a foreign page may call it (CORS decides).
        await stubs.auth.SignIn(
            auth_pb2.SignInRequest(email="a@b.co", password="x"), metadata=foreign
        )

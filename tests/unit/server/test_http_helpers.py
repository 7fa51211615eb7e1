"""Refresh cookie formatting, cookie parsing and the cross-site refusal."""

from __future__ import annotations

import pytest

from server.servicers.http import (
    cleared_refresh_cookie,
    read_cookie,
    refresh_cookie,
    refuse_cross_site,
)
from services.errors import PermissionDenied


class FakeContext:
    def __init__(self, *metadata: tuple[str, str]) -> None:
        self._metadata = metadata

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._metadata


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


def test_read_cookie_finds_the_value_among_others() -> None:
    context = FakeContext(("cookie", "theme=dark; refreshToken=tok-1; lang=fr"))
    assert read_cookie(context, "refreshToken") == "tok-1"  # type: ignore[arg-type]
    assert read_cookie(FakeContext(("cookie", "theme=dark")), "refreshToken") is None  # type: ignore[arg-type]
    assert read_cookie(FakeContext(), "refreshToken") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "metadata",
    [
        (("origin", "https://evil.example"),),
        (("sec-fetch-site", "cross-site"),),
        (("origin", "http://localhost:3000"), ("sec-fetch-site", "cross-site")),
    ],
)
def test_cross_site_requests_are_refused(metadata: tuple[tuple[str, str], ...]) -> None:
    with pytest.raises(PermissionDenied):
        refuse_cross_site(FakeContext(*metadata), ["http://localhost:3000"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "metadata",
    [
        (),
        (("origin", "http://localhost:3000"), ("sec-fetch-site", "same-origin")),
        (("sec-fetch-site", "same-site"),),
    ],
)
def test_same_site_and_non_browser_requests_pass(metadata: tuple[tuple[str, str], ...]) -> None:
    refuse_cross_site(FakeContext(*metadata), ["http://localhost:3000"])  # type: ignore[arg-type]

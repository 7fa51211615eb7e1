"""Rate limits through Envoy, as browsers and offices meet them: each test runs its own stack."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from support.databases import sqlite_url
from support.e2e_client import PASSWORD, new_email, refresh, refresh_cookie_of, sign_in, sign_up
from support.e2e_stack import running_stack
from support.silent_redis import silent_server

pytestmark = pytest.mark.e2e


def remaining(response: httpx.Response) -> int:
    match = re.search(r";r=(\d+);", response.headers["ratelimit"])
    assert match, response.headers["ratelimit"]
    return int(match.group(1))


def test_a_browser_session_and_an_office_fit_the_default_limits(tmp_path: Path) -> None:
    """A sign-up with a typo, sign-up, sign-in, two refreshes and a logout (one browser), then
    forty chatters of an agency signing in from the same office address."""
    with (
        running_stack(tmp_path, sqlite_url(tmp_path), workers=2) as stack,
        httpx.Client(base_url=stack.base_url, timeout=30) as client,
    ):
        email = new_email()
        typo = client.post(
            "/api/auth/signup",
            json={"name": "Ava", "email": "ava@", "password": PASSWORD, "acceptTerms": True},
        )
        assert typo.status_code == 400
        assert sign_up(client, email).status_code == 200
        signed = sign_in(client, email)
        assert signed.status_code == 200
        token, _ = refresh_cookie_of(signed)
        for _ in range(2):
            rotated = refresh(client, token)
            assert rotated.status_code == 200
            token, _ = refresh_cookie_of(rotated)
        logout = client.post(
            "/api/auth/logout", json={}, headers={"cookie": f"refreshToken={token}"}
        )
        assert logout.status_code == 200

        chatters = [new_email() for _ in range(40)]
        for chatter in chatters:
            assert sign_up(client, chatter).status_code == 200
        statuses = [sign_in(client, chatter).status_code for chatter in chatters]
        assert statuses == [200] * 40


def test_each_limit_is_exact_across_workers_with_consistent_headers(tmp_path: Path) -> None:
    """Two workers, the default (no Redis) backend: exactly the configured number of calls
    pass whichever worker serves them, and the RateLimit header counts down across workers."""
    env = {"RATE_LIMIT_AUTH": "6/3600"}
    with (
        running_stack(tmp_path, sqlite_url(tmp_path), workers=2, env=env) as stack,
        httpx.Client(base_url=stack.base_url, timeout=10) as client,
    ):
        # Another account each time: the per-account throttle stays out of the way.
        responses = [
            client.post("/api/auth/signin", json={"email": new_email(), "password": "pw-1"})
            for _ in range(10)
        ]
    assert [r.status_code for r in responses] == [401] * 6 + [429] * 4
    assert [remaining(r) for r in responses] == [5, 4, 3, 2, 1, 0, 0, 0, 0, 0]
    assert {r.headers["ratelimit-policy"] for r in responses} == {'"auth";q=6;w=3600'}


def test_refresh_is_limited_per_session_not_per_address(tmp_path: Path) -> None:
    env = {"RATE_LIMIT_SESSION": "3/3600"}
    with (
        running_stack(tmp_path, sqlite_url(tmp_path), workers=2, env=env) as stack,
        httpx.Client(base_url=stack.base_url, timeout=10) as client,
    ):
        sessions = []
        for _ in range(2):
            email = new_email()
            assert sign_up(client, email).status_code == 200
            sessions.append(refresh_cookie_of(sign_in(client, email))[0])
        busy, quiet = sessions
        for _ in range(3):
            rotated = refresh(client, busy)
            assert rotated.status_code == 200
            busy, _ = refresh_cookie_of(rotated)
        limited = refresh(client, busy)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        # Another session behind the same address is not affected.
        assert refresh(client, quiet).status_code == 200


def test_a_refused_cross_site_refresh_spends_no_token(tmp_path: Path) -> None:
    env = {"RATE_LIMIT_SESSION": "1/3600"}
    with (
        running_stack(tmp_path, sqlite_url(tmp_path), env=env) as stack,
        httpx.Client(base_url=stack.base_url, timeout=10) as client,
    ):
        email = new_email()
        assert sign_up(client, email).status_code == 200
        token, _ = refresh_cookie_of(sign_in(client, email))
        for _ in range(3):
            assert refresh(client, token, origin="https://evil.example").status_code == 403
        assert refresh(client, token).status_code == 200


def test_redis_backend_gives_two_workers_one_shared_limit(tmp_path: Path) -> None:
    env = {
        "RATE_LIMIT_AUTH": "4/3600",
        "RATE_LIMIT_BACKEND": "redis",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RATE_LIMIT_REDIS_PREFIX": f"huntaze-e2e-{uuid.uuid4().hex}:",
    }
    with running_stack(tmp_path, sqlite_url(tmp_path), workers=2, env=env) as stack:
        body = {"email": f"{uuid.uuid4().hex}@example.com", "password": "whatever-1"}
        with httpx.Client(base_url=stack.base_url, timeout=10) as client:
            statuses = [client.post("/api/auth/signin", json=body).status_code for _ in range(8)]
    assert statuses == [401] * 4 + [429] * 4


def test_a_redis_that_never_answers_degrades_health_but_keeps_the_limits(tmp_path: Path) -> None:
    with silent_server() as silent:
        env = {
            "RATE_LIMIT_AUTH": "3/3600",
            "RATE_LIMIT_BACKEND": "redis",
            "REDIS_URL": silent.url,
            "REDIS_RETRY_SECONDS": "60",
        }
        with (
            running_stack(tmp_path, sqlite_url(tmp_path), workers=1, env=env) as stack,
            httpx.Client(base_url=stack.base_url, timeout=10) as client,
        ):
            statuses = [
                client.post("/api/auth/signin", json={"email": new_email(), "password": "x1"})
                for _ in range(5)
            ]
            health = client.get("/api/health").json()
    assert [r.status_code for r in statuses] == [401, 401, 401, 429, 429]
    assert health["status"] == "degraded"
    assert health["checks"]["redis"]["status"] == "down"
    assert health["checks"]["database"]["status"] == "ok"

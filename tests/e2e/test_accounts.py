"""Accounts end to end: a deleted or deactivated account's access token stops working on every
route and every worker within the account status TTL, a running stream included; a partial
profile merges; the operator command changes plans and deactivates."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.databases import sqlite_url
from support.e2e_client import bearer, sign_in, signed_in, sse_events
from support.e2e_stack import Stack, running_stack, wait_for

pytestmark = pytest.mark.e2e

TTL_SECONDS = 1.0
REPO_ROOT = Path(__file__).resolve().parents[2]
# One call of every kind a signed-in user makes (the AI stream answers 401 before any event).
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/users/me", None),
    ("PATCH", "/api/users/me", {"name": "Still here?"}),
    ("POST", "/api/content-ideas/generate", {"creatorProfile": {"id": "x"}}),
    ("POST", "/api/ai-assistant/generate", {"prompt": "hello"}),
    ("GET", "/api/analytics/revenue", None),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("accounts")
    env = {
        "ACCOUNT_STATUS_TTL_SECONDS": str(TTL_SECONDS),
        "AI_OFFLINE_TOKEN_DELAY_MS": "40",  # streams long enough to be cut mid-way
        "RATE_LIMIT_STANDARD": "10000/60",
        "RATE_LIMIT_AI": "10000/60",
    }
    with running_stack(workdir, sqlite_url(workdir), workers=2, env=env) as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=15) as http:
        yield http


def statuses(client: httpx.Client, access: str) -> list[int]:
    """Every route, twice (the two workers take turns)."""
    return [
        client.request(method, path, json=body, headers=bearer(access)).status_code
        for method, path, body in ROUTES * 2
    ]


def refused_everywhere(client: httpx.Client, access: str) -> None:
    wait_for(
        lambda: set(statuses(client, access)) == {401},
        timeout=TTL_SECONDS + 5,
        what="every route refuses the token",
    )


def test_a_deleted_accounts_token_stops_working_everywhere(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    assert 401 not in statuses(client, access)
    deleted_at = time.monotonic()
    assert client.delete("/api/users/me", headers=bearer(access)).status_code == 200
    refused_everywhere(client, access)
    assert time.monotonic() - deleted_at < TTL_SECONDS + 5
    body = client.get("/api/users/me", headers=bearer(access)).json()
    assert body["message"] == "this account no longer exists or is disabled"


def test_a_running_stream_ends_when_the_account_is_deleted(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    events: list[dict[str, Any]] = []
    first = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(base_url=str(client.base_url), timeout=30) as own,
            own.stream(
                "POST",
                "/api/ai-assistant/generate",
                json={"prompt": "A long, detailed weekly plan for my fitness content " * 20},
                headers=bearer(access),
            ) as response,
        ):
            assert response.status_code == 200
            for _, event in sse_events(response):
                events.append(event)
                first.set()

    listener = threading.Thread(target=listen)
    listener.start()
    assert first.wait(15)
    assert client.delete("/api/users/me", headers=bearer(access)).status_code == 200
    listener.join(TTL_SECONDS + 10)
    assert not listener.is_alive()
    assert events
    assert not any(event.get("done") for event in events)  # cut, not finished


def admin(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.admin", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": stack.database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_the_operator_can_upgrade_and_deactivate(client: httpx.Client, stack: Stack) -> None:
    email, access, _ = signed_in(client)
    pricing = {"contentType": "photo", "history": [{"price": 10, "offers": 100, "purchases": 9}]}
    tool = "/api/ai-assistant/tools/pricing-optimizer"
    assert client.post(tool, json=pricing, headers=bearer(access)).status_code == 403
    admin(stack, "set-plan", email, "pro")
    upgraded = sign_in(client, email).json()["accessToken"]
    assert client.post(tool, json=pricing, headers=bearer(upgraded)).status_code == 200
    admin(stack, "deactivate", email)
    refused_everywhere(client, upgraded)
    assert sign_in(client, email).status_code == 401


def test_a_partial_profile_is_merged(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    first = {"profile": {"bio": "Yoga", "niches": ["yoga"], "timezone": "Europe/Paris"}}
    assert client.patch("/api/users/me", json=first, headers=bearer(access)).status_code == 200
    patched = client.patch(
        "/api/users/me", json={"profile": {"goals": ["grow"]}}, headers=bearer(access)
    )
    assert patched.status_code == 200
    profile = patched.json()["user"]["profile"]
    assert (profile["bio"], profile["niches"], profile["timezone"]) == (
        "Yoga",
        ["yoga"],
        "Europe/Paris",
    )
    assert profile["goals"] == ["grow"]
    cleared = client.patch(
        "/api/users/me",
        json={"profile": {"niches": []}, "updateMask": "profile.niches"},
        headers=bearer(access),
    )
    assert cleared.json()["user"]["profile"]["niches"] == []
    assert cleared.json()["user"]["profile"]["bio"] == "Yoga"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"profile": {"timezone": "Mars/Olympus"}}, "profile.timezone", "timezone.iana"),
        ({"updateMask": "profile.nope"}, "updateMask", "update_mask.paths"),
    ],
)
def test_profile_values_are_checked(
    client: httpx.Client, body: dict[str, Any], field: str, reason: str
) -> None:
    _, access, _ = signed_in(client)
    response = client.patch("/api/users/me", json=body, headers=bearer(access))
    assert response.status_code == 400
    (bad_request,) = [
        d for d in response.json()["details"] if d["@type"].endswith("google.rpc.BadRequest")
    ]
    assert [(v["field"], v["reason"]) for v in bad_request["fieldViolations"]] == [(field, reason)]


def test_an_email_needs_a_domain_with_a_dot(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/signup",
        json={"name": "A", "email": "ava@localhost", "password": "abcdefg12", "acceptTerms": True},
    )
    assert response.status_code == 400
    assert "string.email_domain" in response.text

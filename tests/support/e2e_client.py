"""REST helpers shared by the e2e tests: accounts, tokens and the refresh cookie."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx

PASSWORD = "correct-horse-42"


def new_email() -> str:
    return f"e2e-{uuid.uuid4().hex[:12]}@example.com"


def sign_up(client: httpx.Client, email: str, *, name: str = "Ada Creator") -> httpx.Response:
    return client.post(
        "/api/auth/signup",
        json={"name": name, "email": email, "password": PASSWORD, "acceptTerms": True},
    )


def sign_in(client: httpx.Client, email: str, *, remember_me: bool = False) -> httpx.Response:
    return client.post(
        "/api/auth/signin",
        json={"email": email, "password": PASSWORD, "rememberMe": remember_me},
    )


def refresh_cookie_of(response: httpx.Response) -> tuple[str, list[str]]:
    """The refresh token and the cookie's attributes from the response's set-cookie."""
    (header,) = [h for h in response.headers.get_list("set-cookie") if "refreshToken=" in h]
    first, *attributes = (part.strip() for part in header.split(";"))
    return first.split("=", 1)[1], attributes


def signed_in(client: httpx.Client, *, remember_me: bool = False) -> tuple[str, str, str]:
    """(email, access token, refresh token) of a fresh account."""
    email = new_email()
    assert sign_up(client, email).status_code == 200
    response = sign_in(client, email, remember_me=remember_me)
    assert response.status_code == 200
    token, _ = refresh_cookie_of(response)
    return email, response.json()["accessToken"], token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def refresh(client: httpx.Client, token: str, **headers: str) -> httpx.Response:
    return client.post(
        "/api/auth/refresh", json={}, headers={"cookie": f"refreshToken={token}", **headers}
    )


def sse_events(response: httpx.Response) -> Iterator[tuple[float, dict[str, Any]]]:
    """(seconds since the request, event) for each `data:` event as it arrives."""
    started = time.monotonic()
    for line in response.iter_lines():
        if line.startswith("data: "):
            yield time.monotonic() - started, json.loads(line.removeprefix("data: "))

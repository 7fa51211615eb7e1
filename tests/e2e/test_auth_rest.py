"""Every auth flow over REST through Envoy, with the spec's JSON shapes."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest
from support.e2e_client import (
    bearer,
    new_email,
    refresh,
    refresh_cookie_of,
    sign_in,
    sign_up,
    signed_in,
)
from support.e2e_stack import ALLOWED_ORIGIN, REUSE_INTERVAL_SECONDS

pytestmark = pytest.mark.e2e


def test_signup_returns_the_spec_shape(client: httpx.Client) -> None:
    email = new_email()
    response = sign_up(client, email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"message", "user"}
    user = body["user"]
    assert set(user) == {"id", "name", "email", "subscription", "createdAt"}
    assert user["email"] == email
    assert user["name"] == "Ada Creator"
    assert user["subscription"] == "free"
    assert datetime.fromisoformat(user["createdAt"].replace("Z", "+00:00")).tzinfo is not None
    assert "set-cookie" not in response.headers


def test_duplicate_email_is_409_and_keeps_the_first_account(client: httpx.Client) -> None:
    email = new_email()
    assert sign_up(client, email, name="First").status_code == 200
    duplicate = sign_up(client, email.upper(), name="Second")
    assert duplicate.status_code == 409
    assert duplicate.json()["message"] == "an account with this e-mail already exists"
    signed = sign_in(client, email)
    assert signed.status_code == 200
    assert signed.json()["user"]["name"] == "First"


def test_signin_returns_user_token_and_refresh_cookie(client: httpx.Client) -> None:
    email = new_email()
    sign_up(client, email)
    response = sign_in(client, email)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "accessToken"}
    assert set(body["user"]) == {"id", "email", "name", "subscription"}
    assert body["user"]["subscription"] == "free"
    assert body["accessToken"].count(".") == 2
    token, attributes = refresh_cookie_of(response)
    assert token and token not in response.text
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth"} <= set(attributes)
    assert not any(a.startswith("Max-Age") for a in attributes)  # browser-session cookie


def test_remember_me_makes_the_cookie_outlive_the_browser_session(client: httpx.Client) -> None:
    email = new_email()
    sign_up(client, email)
    _, attributes = refresh_cookie_of(sign_in(client, email, remember_me=True))
    (max_age,) = [a for a in attributes if a.startswith("Max-Age=")]
    assert int(max_age.split("=")[1]) >= 7 * 24 * 3600


def test_get_me_prints_every_field_including_zero_values(client: httpx.Client) -> None:
    email, access, _ = signed_in(client)
    response = client.get("/api/users/me", headers=bearer(access))
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["email"] == email
    assert user["subscription"] == "free"
    assert user["isActive"] is True
    assert user["profile"] == {
        "bio": "",
        "niches": [],
        "contentTypes": [],
        "audiencePreferences": [],
        "goals": [],
        "timezone": "",
        "restrictedWords": [],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", user["createdAt"])
    assert "updatedAt" in user


def test_refresh_rotates_the_cookie_and_reuse_revokes_the_family(client: httpx.Client) -> None:
    _, _, first = signed_in(client)
    rotated = refresh(client, first)
    assert rotated.status_code == 200
    assert rotated.json()["accessToken"].count(".") == 2
    assert set(rotated.json()["user"]) == {"id", "email", "name", "subscription"}
    second, attributes = refresh_cookie_of(rotated)
    assert second != first
    assert {"HttpOnly", "Secure", "SameSite=Strict", "Path=/api/auth"} <= set(attributes)

    time.sleep(REUSE_INTERVAL_SECONDS + 0.2)  # past the interval: a copy, not a second tab
    reused = refresh(client, first)
    assert reused.status_code == 401
    assert refresh(client, second).status_code == 401  # the whole family is revoked


def test_two_tabs_refreshing_at_once_both_stay_signed_in(client: httpx.Client) -> None:
    """Two refreshes of one cookie at the same moment (a second tab, React StrictMode)."""
    _, _, token = signed_in(client)
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda _: refresh(client, token), range(2)))
    assert [answer.status_code for answer in answers] == [200, 200]
    for answer in answers:
        rotated, _ = refresh_cookie_of(answer)
        assert refresh(client, rotated).status_code == 200


def test_refresh_without_cookie_is_401(client: httpx.Client) -> None:
    assert client.post("/api/auth/refresh", json={}).status_code == 401


def test_refresh_from_another_origin_is_refused(client: httpx.Client) -> None:
    _, _, token = signed_in(client)
    assert refresh(client, token, origin="https://evil.example").status_code == 403
    assert refresh(client, token, **{"sec-fetch-site": "cross-site"}).status_code == 403
    assert refresh(client, token, origin="null").status_code == 403
    # The refused attempts did not consume the token: a same-site refresh still works.
    assert refresh(client, token, origin=ALLOWED_ORIGIN).status_code == 200


def test_a_frontend_served_by_the_api_itself_can_refresh(client: httpx.Client) -> None:
    """The API's own origin (a page it serves) is accepted, as is what the browser itself
    declares same-origin."""
    own_origin = str(client.base_url).rstrip("/")
    _, _, token = signed_in(client)
    answer = refresh(client, token, origin=own_origin, **{"sec-fetch-site": "same-origin"})
    assert answer.status_code == 200, answer.text
    token, _ = refresh_cookie_of(answer)
    logout = client.post(
        "/api/auth/logout",
        json={},
        headers={"cookie": f"refreshToken={token}", "origin": own_origin},
    )
    assert logout.status_code == 200


def test_logout_clears_the_cookie_and_revokes_the_token(client: httpx.Client) -> None:
    _, _, token = signed_in(client)
    response = client.post("/api/auth/logout", json={}, headers={"cookie": f"refreshToken={token}"})
    assert response.status_code == 200
    cleared, attributes = refresh_cookie_of(response)
    assert cleared == ""
    assert "Max-Age=0" in attributes
    assert refresh(client, token).status_code == 401


def test_update_me_changes_name_and_profile_but_not_subscription(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    response = client.patch(
        "/api/users/me",
        headers=bearer(access),
        json={
            "name": "Renamed",
            "subscription": "enterprise",
            "profile": {"bio": "hello", "contentTypes": ["photo", "live"]},
        },
    )
    assert response.status_code == 200
    user = response.json()["user"]
    assert user["name"] == "Renamed"
    assert user["subscription"] == "free"
    assert user["profile"]["bio"] == "hello"
    assert user["profile"]["contentTypes"] == ["photo", "live"]
    again = client.get("/api/users/me", headers=bearer(access)).json()["user"]
    assert again["name"] == "Renamed"
    assert again["subscription"] == "free"


def test_delete_me_removes_the_account_and_its_sessions(client: httpx.Client) -> None:
    email, access, token = signed_in(client)
    response = client.delete("/api/users/me", headers=bearer(access))
    assert response.status_code == 200
    cleared, attributes = refresh_cookie_of(response)
    assert cleared == "" and "Max-Age=0" in attributes
    assert refresh(client, token).status_code == 401
    assert sign_in(client, email).status_code == 401


def test_wrong_password_and_unknown_email_answer_identically(client: httpx.Client) -> None:
    email = new_email()
    sign_up(client, email)
    wrong = client.post("/api/auth/signin", json={"email": email, "password": "wrong-pass-1"})
    unknown = client.post(
        "/api/auth/signin", json={"email": new_email(), "password": "wrong-pass-1"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()

"""AccessTokens: what it issues verifies; everything forged, stale or foreign is refused."""

from __future__ import annotations

import base64
import json
import uuid

import jwt
import pytest
from support.clock import FakeClock
from support.domain import AUDIENCE, ISSUER, SECRET, access_tokens

from services.auth.tokens import (
    AccessTokens,
    family_of,
    hash_refresh_token,
    new_refresh_token,
)
from services.common.principal import Principal
from services.errors import Unauthenticated


def claims(clock: FakeClock, **overrides: object) -> dict[str, object]:
    now = int(clock().timestamp())
    base: dict[str, object] = {
        "sub": "user-1",
        "plan": "pro",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 900,
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def test_issued_token_verifies_to_the_principal() -> None:
    tokens = access_tokens(FakeClock())
    assert tokens.verify(tokens.issue("user-1", "pro")) == Principal("user-1", "pro")


def test_token_expires_after_ttl_plus_leeway() -> None:
    clock = FakeClock()
    tokens = access_tokens(clock)
    token = tokens.issue("user-1", "free")
    clock.advance(900 + 30)  # exactly at the leeway's end: still accepted
    assert tokens.verify(token).user_id == "user-1"
    clock.advance(1)
    with pytest.raises(Unauthenticated):
        tokens.verify(token)


@pytest.mark.parametrize(
    "override",
    [
        {"iss": "someone-else"},
        {"aud": "another-api"},
        {"sub": None},
        {"exp": None},
        {"iat": None},
        {"iss": None},
        {"aud": None},
        {"sub": ""},
        {"plan": None},
    ],
    ids=lambda override: ",".join(f"{key}={value}" for key, value in override.items()),
)
def test_wrong_or_missing_claims_are_refused(override: dict[str, object]) -> None:
    clock = FakeClock()
    token = jwt.encode(claims(clock, **override), SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        access_tokens(clock).verify(token)


def test_token_issued_in_the_future_is_refused() -> None:
    clock = FakeClock()
    future = int(clock().timestamp()) + 120
    token = jwt.encode(claims(clock, iat=future, exp=future + 900), SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        access_tokens(clock).verify(token)


def test_time_claims_are_checked_on_every_use_of_a_verified_token() -> None:
    """Verified tokens are remembered (their signature is checked once); their time claims
    are not: a token refused for being early is accepted on time, then refused once stale."""
    clock = FakeClock()
    tokens = access_tokens(clock)
    start = int(clock().timestamp()) + 120
    token = jwt.encode(claims(clock, nbf=start, exp=start + 60), SECRET, algorithm="HS256")
    with pytest.raises(Unauthenticated):
        tokens.verify(token)
    clock.advance(120)
    assert tokens.verify(token) == Principal("user-1", "pro")
    clock.advance(60 + 30 + 1)  # past exp and the leeway
    with pytest.raises(Unauthenticated):
        tokens.verify(token)


def test_forged_signature_is_refused() -> None:
    clock = FakeClock()
    token = jwt.encode(claims(clock), "another-secret-of-sufficient-length!!", algorithm="HS256")
    with pytest.raises(Unauthenticated):
        access_tokens(clock).verify(token)


def test_other_hmac_algorithm_is_refused() -> None:
    clock = FakeClock()
    token = jwt.encode(claims(clock), SECRET, algorithm="HS512")
    with pytest.raises(Unauthenticated):
        access_tokens(clock).verify(token)


def test_alg_none_is_refused() -> None:
    clock = FakeClock()

    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims(clock))}."
    with pytest.raises(Unauthenticated):
        access_tokens(clock).verify(token)


def test_tampered_payload_is_refused() -> None:
    clock = FakeClock()
    tokens = access_tokens(clock)
    header, _, signature = tokens.issue("user-1", "free").split(".")
    payload = base64.urlsafe_b64encode(json.dumps(claims(clock, plan="enterprise")).encode())
    with pytest.raises(Unauthenticated):
        tokens.verify(f"{header}.{payload.rstrip(b'=').decode()}.{signature}")


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x", "é.é.é"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(Unauthenticated):
        access_tokens(FakeClock()).verify(garbage)


def test_leeway_above_sixty_seconds_is_rejected() -> None:
    with pytest.raises(ValueError, match="leeway"):
        AccessTokens(
            secret=SECRET, issuer=ISSUER, audience=AUDIENCE, ttl_seconds=60, leeway_seconds=61
        )


def test_refresh_tokens_are_random_and_stored_as_sha256() -> None:
    family = str(uuid.uuid4())
    first, second = new_refresh_token(family), new_refresh_token(family)
    assert first != second
    assert len(first.partition(".")[2]) >= 43  # 32 bytes, base64url
    assert hash_refresh_token(first) == hash_refresh_token(first)
    assert len(hash_refresh_token(first)) == 64
    assert first not in hash_refresh_token(first)


def test_a_refresh_token_names_its_family() -> None:
    family = str(uuid.uuid4())
    assert family_of(new_refresh_token(family)) == family


@pytest.mark.parametrize(
    "token",
    ["", "opaque-legacy-token", "not-a-uuid-at-all-but-36-characters.x", f"{uuid.uuid4()}.", "."],
)
def test_tokens_not_shaped_like_ours_have_no_family(token: str) -> None:
    assert family_of(token) is None

"""The auth use cases on the in-memory unit of work, with a fake clock and fast argon2 (the SQL
units of work run the same flows in tests/integration/auth)."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

import nacl.pwhash.argon2id as argon2id
import pytest
from support.domain import (
    ADDRESS,
    PASSWORD,
    POLICY,
    Services,
    build_services,
    fast_hasher,
    signed_up,
)

from services.auth.passwords import PasswordHasher
from services.auth.service import INVALID_CREDENTIALS, INVALID_REFRESH
from services.auth.tokens import hash_refresh_token
from services.errors import Conflict, QuotaExceeded, Unauthenticated

OTHER_ADDRESS = "198.51.100.9"


async def change_account(services: Services, user_id: str, **changes: object) -> None:
    """What billing or an operator does to an account behind the user's back."""
    async with services.uow() as uow:
        account = await uow.users.get(user_id)
        assert account is not None
        await uow.users.save(replace(account, **changes))  # type: ignore[arg-type]
        await uow.commit()


async def sign_in(
    services: Services,
    *,
    email: str = "ada@example.com",
    password: str = PASSWORD,
    remember_me: bool = False,
    address: str = ADDRESS,
):
    return await services.auth.sign_in(
        email=email, password=password, remember_me=remember_me, client_address=address
    )


async def test_sign_up_creates_a_free_active_account(services: Services) -> None:
    user = await services.auth.sign_up(
        name="Ada", email="  Ada@Example.COM ", password=PASSWORD, client_address=ADDRESS
    )
    assert user.email == "ada@example.com"
    assert (user.name, user.subscription, user.is_active) == ("Ada", "free", True)
    assert user.created_at == services.clock() == user.updated_at
    stored = await services.users.get(user.id)
    assert stored == user


async def test_password_is_stored_as_argon2id(services: Services) -> None:
    user_id = await signed_up(services)
    async with services.uow(write=False) as uow:  # the stored row, not a view
        user = await uow.users.get(user_id)
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


async def test_duplicate_email_is_a_conflict_in_any_case(services: Services) -> None:
    await signed_up(services, "ada@example.com")
    with pytest.raises(Conflict, match="already exists"):
        await signed_up(services, "ADA@example.com")


async def test_duplicate_sign_up_still_spends_the_hash(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    await signed_up(services)
    hashed: list[str] = []
    original = services.hasher.hash

    async def counting(password: str) -> str:
        hashed.append(password)
        return await original(password)

    monkeypatch.setattr(services.hasher, "hash", counting)
    with pytest.raises(Conflict):
        await signed_up(services)
    assert hashed == [PASSWORD]


async def test_sign_in_returns_user_and_tokens(services: Services) -> None:
    user_id = await signed_up(services)
    user, session = await sign_in(services, email="ADA@example.com")
    assert user.id == user_id
    principal = services.tokens.verify(session.access_token)
    assert (principal.user_id, principal.plan) == (user_id, "free")
    assert session.refresh_token and session.refresh_token != session.access_token


async def test_access_token_carries_the_plan_at_issue_time(services: Services) -> None:
    user_id = await signed_up(services)
    await change_account(services, user_id, subscription="pro")
    _, session = await sign_in(services)
    assert services.tokens.verify(session.access_token).plan == "pro"


async def test_wrong_password_and_unknown_email_answer_identically(services: Services) -> None:
    await signed_up(services)
    with pytest.raises(Unauthenticated) as wrong:
        await sign_in(services, password="not the password")
    with pytest.raises(Unauthenticated) as unknown:
        await sign_in(services, email="nobody@example.com")
    assert wrong.value.message == unknown.value.message == INVALID_CREDENTIALS


async def test_unknown_email_verifies_against_a_dummy_hash(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[bytes] = []
    original = argon2id.verify

    def spy(password_hash: bytes, password: bytes) -> bool:
        verified.append(password_hash)
        return original(password_hash, password)

    monkeypatch.setattr(argon2id, "verify", spy)
    with pytest.raises(Unauthenticated):
        await sign_in(services, email="nobody@example.com")
    assert len(verified) == 1 and verified[0].startswith(b"$argon2id$")


async def test_inactive_user_cannot_sign_in_or_refresh(services: Services) -> None:
    user_id = await signed_up(services)
    _, session = await sign_in(services)
    await change_account(services, user_id, is_active=False)
    with pytest.raises(Unauthenticated, match=INVALID_CREDENTIALS):
        await sign_in(services)
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token=session.refresh_token, client_address=ADDRESS)


async def test_failures_lock_one_address_for_that_account_only(services: Services) -> None:
    await signed_up(services)
    await signed_up(services, "grace@example.com")
    for _ in range(POLICY.signin_max_failures):
        with pytest.raises(Unauthenticated):
            await sign_in(services, password="wrong")
    with pytest.raises(QuotaExceeded) as locked:
        await sign_in(services)  # even the right password, from the attacker's address
    assert locked.value.retry_after == POLICY.signin_lockout_seconds
    # The owner elsewhere, and other accounts from the same address, are unaffected.
    await sign_in(services, address=OTHER_ADDRESS)
    await sign_in(services, email="grace@example.com")
    services.clock.advance(POLICY.signin_lockout_seconds - 60)
    with pytest.raises(QuotaExceeded) as still_locked:
        await sign_in(services)
    assert still_locked.value.retry_after == 60
    services.clock.advance(60)
    await sign_in(services)


async def test_unknown_emails_are_throttled_like_real_ones(services: Services) -> None:
    for _ in range(POLICY.signin_max_failures):
        with pytest.raises(Unauthenticated):
            await sign_in(services, email="nobody@example.com")
    with pytest.raises(QuotaExceeded):
        await sign_in(services, email="nobody@example.com")


async def test_success_resets_the_failure_count(services: Services) -> None:
    await signed_up(services)
    for _ in range(POLICY.signin_max_failures - 1):
        with pytest.raises(Unauthenticated):
            await sign_in(services, password="wrong")
    await sign_in(services)
    for _ in range(POLICY.signin_max_failures - 1):
        with pytest.raises(Unauthenticated):
            await sign_in(services, password="wrong")
    await sign_in(services)  # not locked: the success cleared the earlier failures


async def test_old_failures_fall_out_of_the_window(services: Services) -> None:
    await signed_up(services)
    for _ in range(POLICY.signin_max_failures - 1):
        with pytest.raises(Unauthenticated):
            await sign_in(services, password="wrong")
    services.clock.advance(POLICY.signin_lockout_seconds)
    with pytest.raises(Unauthenticated):
        await sign_in(services, password="wrong")
    await sign_in(services)


async def test_remember_me_chooses_cookie_lifetime(services: Services) -> None:
    await signed_up(services)
    _, session = await sign_in(services)
    assert session.refresh_max_age_seconds is None
    _, remembered = await sign_in(services, remember_me=True)
    assert remembered.refresh_max_age_seconds == POLICY.refresh_remember_ttl_seconds
    _, rotated = await services.auth.refresh(
        refresh_token=remembered.refresh_token, client_address=ADDRESS
    )
    assert rotated.refresh_max_age_seconds == POLICY.refresh_remember_ttl_seconds


async def test_refresh_rotates_the_token(services: Services) -> None:
    user_id = await signed_up(services)
    _, first = await sign_in(services)
    user, second = await services.auth.refresh(
        refresh_token=first.refresh_token, client_address=ADDRESS
    )
    assert user.id == user_id
    assert second.refresh_token != first.refresh_token
    assert services.tokens.verify(second.access_token).user_id == user_id
    _, third = await services.auth.refresh(
        refresh_token=second.refresh_token, client_address=ADDRESS
    )
    assert third.refresh_token not in (first.refresh_token, second.refresh_token)


async def test_reusing_a_rotated_token_revokes_the_family(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await signed_up(services)
    _, first = await sign_in(services)
    _, other_device = await sign_in(services)
    _, second = await services.auth.refresh(
        refresh_token=first.refresh_token, client_address=ADDRESS
    )
    services.clock.advance(POLICY.refresh_reuse_interval_seconds + 1)  # not a second tab
    with (
        caplog.at_level(logging.INFO, logger="huntaze.security"),
        pytest.raises(Unauthenticated, match=INVALID_REFRESH),
    ):
        await services.auth.refresh(refresh_token=first.refresh_token, client_address=ADDRESS)
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token=second.refresh_token, client_address=ADDRESS)
    # Another sign-in is another family: unaffected.
    await services.auth.refresh(refresh_token=other_device.refresh_token, client_address=ADDRESS)
    reused = [r for r in caplog.records if getattr(r, "event", None) == "refresh_token_reused"]
    assert len(reused) == 1
    assert reused[0].client_address == ADDRESS
    assert first.refresh_token not in caplog.text and second.refresh_token not in caplog.text


async def test_expired_refresh_token_is_refused(services: Services) -> None:
    await signed_up(services)
    _, session = await sign_in(services)
    services.clock.advance(POLICY.refresh_ttl_seconds)
    with pytest.raises(Unauthenticated, match=INVALID_REFRESH):
        await services.auth.refresh(refresh_token=session.refresh_token, client_address=ADDRESS)


async def test_remembered_refresh_token_lives_longer(services: Services) -> None:
    await signed_up(services)
    _, remembered = await sign_in(services, remember_me=True)
    _, browser_session = await sign_in(services, remember_me=False)
    services.clock.advance(POLICY.refresh_ttl_seconds + 3600)
    with pytest.raises(Unauthenticated, match=INVALID_REFRESH):
        await services.auth.refresh(
            refresh_token=browser_session.refresh_token, client_address=ADDRESS
        )
    _, rotated = await services.auth.refresh(
        refresh_token=remembered.refresh_token, client_address=ADDRESS
    )
    assert rotated.refresh_max_age_seconds == POLICY.refresh_remember_ttl_seconds


async def test_unknown_refresh_token_is_refused(services: Services) -> None:
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token="not-a-token", client_address=ADDRESS)


async def test_logout_revokes_the_family_and_is_idempotent(services: Services) -> None:
    await signed_up(services)
    _, first = await sign_in(services)
    _, second = await services.auth.refresh(
        refresh_token=first.refresh_token, client_address=ADDRESS
    )
    await services.auth.logout(refresh_token=second.refresh_token, client_address=ADDRESS)
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token=second.refresh_token, client_address=ADDRESS)
    await services.auth.logout(refresh_token=second.refresh_token, client_address=ADDRESS)
    await services.auth.logout(refresh_token="unknown", client_address=ADDRESS)
    await services.auth.logout(refresh_token=None, client_address=ADDRESS)


async def test_refresh_token_is_stored_only_as_its_hash(services: Services) -> None:
    await signed_up(services)
    _, session = await sign_in(services)
    async with services.uow(write=False) as uow:
        stored = await uow.refresh_tokens.get_by_hash(hash_refresh_token(session.refresh_token))
    assert stored is not None
    assert stored.token_hash != session.refresh_token


async def test_sign_in_rehashes_when_parameters_change(services: Services) -> None:
    user_id = await signed_up(services)
    stronger = PasswordHasher(time_cost=2, memory_cost_kib=128)
    upgraded = build_services(services.uow, clock=services.clock, hasher=stronger)
    await sign_in(upgraded)
    async with services.uow(write=False) as uow:
        user = await uow.users.get(user_id)
    assert user is not None
    assert not stronger.needs_rehash(user.password_hash)
    assert "t=2" in user.password_hash
    await sign_in(upgraded)  # the new hash verifies


async def test_argon2_runs_off_the_event_loop_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[threading.Thread] = []
    original_hash, original_verify = argon2id.str, argon2id.verify

    def hash_spy(password: bytes, **kwargs: int) -> bytes:
        threads.append(threading.current_thread())
        return original_hash(password, **kwargs)

    def verify_spy(password_hash: bytes, password: bytes) -> bool:
        threads.append(threading.current_thread())
        return original_verify(password_hash, password)

    monkeypatch.setattr(argon2id, "str", hash_spy)
    monkeypatch.setattr(argon2id, "verify", verify_spy)
    hasher = fast_hasher()
    stored = await hasher.hash(PASSWORD)
    assert await hasher.verify(stored, PASSWORD)
    assert not await hasher.verify(stored, "wrong")
    await hasher.verify_dummy(PASSWORD)
    assert len(threads) == 5  # hash, verify, verify, dummy's hash, dummy's verify
    assert threading.current_thread() not in threads


async def test_security_events_never_carry_secrets(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="huntaze.security"):
        user_id = await signed_up(services)
        with pytest.raises(Unauthenticated):
            await sign_in(services, password="wrong-password-123")
        _, session = await sign_in(services)
        await services.auth.logout(refresh_token=session.refresh_token, client_address=ADDRESS)
    events = [(r.event, r.user_id, r.client_address) for r in caplog.records]
    assert events == [
        ("sign_up", user_id, ADDRESS),
        ("sign_in_failed", user_id, ADDRESS),
        ("sign_in_succeeded", user_id, ADDRESS),
        ("logout", user_id, ADDRESS),
    ]
    for secret in (PASSWORD, "wrong-password-123", session.refresh_token, session.access_token):
        assert secret not in caplog.text
        assert all(secret not in str(vars(record).values()) for record in caplog.records)

"""Auth and user use cases end to end on SQLite and PostgreSQL (real argon2id, fake clock)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select
from support.domain import ADDRESS, PASSWORD, POLICY, Services, build_services, signed_up

from services.auth.passwords import PasswordHasher
from services.db import SqlUnitOfWorkFactory
from services.db.models import ContentRow, RefreshTokenRow, SignInThrottleRow
from services.errors import Conflict, NotFound, QuotaExceeded, Unauthenticated


@pytest.fixture
def services(uow_factory: SqlUnitOfWorkFactory) -> Services:
    # The production hasher parameters: these tests pay for real argon2id once or twice each.
    return build_services(uow_factory, hasher=PasswordHasher())


async def test_sign_up_sign_in_refresh_logout(services: Services) -> None:
    user_id = await signed_up(services)
    user, session = await services.auth.sign_in(
        email="Ada@Example.com", password=PASSWORD, remember_me=True, client_address=ADDRESS
    )
    assert user.id == user_id
    assert session.refresh_max_age_seconds == POLICY.refresh_remember_ttl_seconds
    _, rotated = await services.auth.refresh(
        refresh_token=session.refresh_token, client_address=ADDRESS
    )
    assert services.tokens.verify(rotated.access_token).user_id == user_id
    await services.auth.logout(refresh_token=rotated.refresh_token, client_address=ADDRESS)
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token=rotated.refresh_token, client_address=ADDRESS)


async def test_wrong_password_unknown_email_and_duplicates(services: Services) -> None:
    await signed_up(services)
    with pytest.raises(Conflict):
        await signed_up(services, "ADA@example.com")
    messages = []
    for email, password in (("ada@example.com", "wrong"), ("nobody@example.com", PASSWORD)):
        with pytest.raises(Unauthenticated) as error:
            await services.auth.sign_in(
                email=email, password=password, remember_me=False, client_address=ADDRESS
            )
        messages.append(error.value.message)
    assert messages[0] == messages[1]


async def test_concurrent_sign_ups_of_one_email_create_one_account(services: Services) -> None:
    results = await asyncio.gather(
        *(signed_up(services, "race@example.com") for _ in range(3)), return_exceptions=True
    )
    assert sum(isinstance(result, str) for result in results) == 1
    assert sum(isinstance(result, Conflict) for result in results) == 2


async def signed_in(services: Services) -> str:
    """A fresh account's first refresh token."""
    await signed_up(services)
    _, session = await services.auth.sign_in(
        email="ada@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
    )
    return session.refresh_token


async def refreshed(services: Services, token: str) -> str:
    _, session = await services.auth.refresh(refresh_token=token, client_address=ADDRESS)
    return session.refresh_token


async def test_concurrent_refreshes_of_one_token_both_succeed(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Two tabs (or React StrictMode) refreshing the same cookie at once: both get a session,
    nothing is revoked, and the browser's cookie (whichever answer came last) keeps working."""
    token = await signed_in(services)
    with caplog.at_level(logging.INFO, logger="huntaze.security"):
        first, second = await asyncio.gather(refreshed(services, token), refreshed(services, token))
    assert first != second
    assert [r.event for r in caplog.records] == ["refresh_token_concurrent_reuse"]
    services.clock.advance(60)
    assert await refreshed(services, second)


async def test_the_next_rotation_prunes_the_sibling_the_browser_dropped(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    token = await signed_in(services)
    kept = await refreshed(services, token)
    services.clock.advance(POLICY.refresh_reuse_interval_seconds / 2)
    dropped = await refreshed(services, token)  # a second tab, within the interval
    services.clock.advance(POLICY.refresh_reuse_interval_seconds)
    newest = await refreshed(services, kept)
    # The dropped sibling is dead; presenting it is treated as a stolen copy.
    with (
        caplog.at_level(logging.WARNING, logger="huntaze.security"),
        pytest.raises(Unauthenticated),
    ):
        await refreshed(services, dropped)
    assert [r.event for r in caplog.records] == ["refresh_token_reused"]
    with pytest.raises(Unauthenticated):
        await refreshed(services, newest)


async def test_reuse_after_the_interval_revokes_the_family(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    token = await signed_in(services)
    rotated = await refreshed(services, token)
    services.clock.advance(POLICY.refresh_reuse_interval_seconds + 1)
    with (
        caplog.at_level(logging.WARNING, logger="huntaze.security"),
        pytest.raises(Unauthenticated),
    ):
        await refreshed(services, token)
    assert [r.event for r in caplog.records] == ["refresh_token_reused"]
    with pytest.raises(Unauthenticated):
        await refreshed(services, rotated)
    async with services.uow(write=False) as uow:
        alive = await uow.session.scalar(
            select(func.count())
            .select_from(RefreshTokenRow)
            .where(RefreshTokenRow.revoked_at.is_(None))
        )
    assert alive == 0


async def test_a_logged_out_token_presented_again_is_refused_quietly(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    token = await signed_in(services)
    await services.auth.logout(refresh_token=token, client_address=ADDRESS)
    with (
        caplog.at_level(logging.WARNING, logger="huntaze.security"),
        pytest.raises(Unauthenticated),
    ):
        await refreshed(services, token)
    assert caplog.records == []


async def test_concurrent_failures_are_all_counted(services: Services) -> None:
    await signed_up(services)
    attempts = [
        services.auth.sign_in(
            email="ada@example.com", password="wrong", remember_me=False, client_address=ADDRESS
        )
        for _ in range(POLICY.signin_max_failures)
    ]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    assert all(isinstance(result, Unauthenticated) for result in results)
    with pytest.raises(QuotaExceeded):
        await services.auth.sign_in(
            email="ada@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
        )


async def test_expired_refresh_token(services: Services) -> None:
    await signed_up(services)
    _, session = await services.auth.sign_in(
        email="ada@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
    )
    services.clock.advance(POLICY.refresh_ttl_seconds + 1)
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token=session.refresh_token, client_address=ADDRESS)


async def test_delete_removes_the_account_and_everything_it_owns(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = await signed_up(services)
    other_id = await signed_up(services, "grace@example.com")
    _, session = await services.auth.sign_in(
        email="ada@example.com", password=PASSWORD, remember_me=True, client_address=ADDRESS
    )
    async with services.uow() as uow:
        now = services.clock()
        uow.session.add(
            ContentRow(user_id=user_id, title="t", type="photo", created_at=now, updated_at=now)
        )
        await uow.commit()
    with caplog.at_level(logging.INFO, logger="huntaze.security"):
        await services.users.delete(user_id, client_address=ADDRESS)
    assert [(r.event, r.user_id) for r in caplog.records] == [("account_deleted", user_id)]
    with pytest.raises(NotFound):
        await services.users.get(user_id)
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token=session.refresh_token, client_address=ADDRESS)
    with pytest.raises(Unauthenticated):
        await services.auth.sign_in(
            email="ada@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
        )
    with pytest.raises(NotFound):
        await services.users.delete(user_id, client_address=ADDRESS)
    async with services.uow(write=False) as uow:
        for model in (ContentRow, RefreshTokenRow):
            count = await uow.session.scalar(select(func.count()).select_from(model))
            assert count == 0, model.__tablename__
        # The failed sign-in after deletion is throttled like any unknown e-mail.
        assert await uow.session.scalar(select(func.count()).select_from(SignInThrottleRow)) == 1
    assert (await services.users.get(other_id)).email == "grace@example.com"

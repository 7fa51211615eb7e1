"""Auth and user use cases end to end on SQLite and PostgreSQL (real argon2id, fake clock)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import func, select
from support.auth import POLICY, Services, build_services

from services.auth.passwords import PasswordHasher
from services.db import UnitOfWorkFactory
from services.db.models import Content, RefreshToken, SignInThrottle
from services.errors import Conflict, NotFound, QuotaExceeded, Unauthenticated
from services.users.service import Profile

ADDRESS = "203.0.113.7"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def services(uow_factory: UnitOfWorkFactory) -> Services:
    # The production hasher parameters: these tests pay for real argon2id once or twice each.
    return build_services(uow_factory, hasher=PasswordHasher())


async def signed_up(services: Services, email: str = "ada@example.com") -> str:
    user = await services.auth.sign_up(
        name="Ada", email=email, password=PASSWORD, client_address=ADDRESS
    )
    return user.id


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


async def test_concurrent_refresh_of_one_token_has_one_winner(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    await signed_up(services)
    _, session = await services.auth.sign_in(
        email="ada@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
    )
    with caplog.at_level(logging.WARNING, logger="huntaze.security"):
        results = await asyncio.gather(
            *(
                services.auth.refresh(refresh_token=session.refresh_token, client_address=ADDRESS)
                for _ in range(2)
            ),
            return_exceptions=True,
        )
    winners = [result for result in results if isinstance(result, tuple)]
    losers = [result for result in results if isinstance(result, Unauthenticated)]
    assert (len(winners), len(losers)) == (1, 1), results
    # The loser presented an already rotated token: reuse, so the family (and the winner's new
    # token) is revoked.
    assert [r.event for r in caplog.records] == ["refresh_token_reused"]
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(
            refresh_token=winners[0][1].refresh_token, client_address=ADDRESS
        )
    async with services.auth._uow(write=False) as uow:
        children = await uow.session.scalar(
            select(func.count())
            .select_from(RefreshToken)
            .where(RefreshToken.parent_id.is_not(None))
        )
    assert children == 1


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


async def test_get_and_update_profile(services: Services) -> None:
    user_id = await signed_up(services)
    before = await services.users.get(user_id)
    services.clock.advance(60)
    profile = Profile(bio="Fitness creator", niches=("fitness", "yoga"), timezone="Europe/Paris")
    updated = await services.users.update(user_id, name="Ada L.", profile=profile)
    assert (updated.name, updated.profile) == ("Ada L.", profile)
    assert updated.updated_at == before.created_at.replace() + (
        services.clock() - before.created_at
    )
    assert updated.created_at == before.created_at
    assert (updated.subscription, updated.email) == ("free", "ada@example.com")
    renamed = await services.users.update(user_id, name="Ada", profile=None)
    assert renamed.profile == profile  # untouched when not given
    assert await services.users.get(user_id) == renamed
    with pytest.raises(NotFound):
        await services.users.get("missing")
    with pytest.raises(NotFound):
        await services.users.update("missing", name="x", profile=None)


async def test_delete_removes_the_account_and_everything_it_owns(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = await signed_up(services)
    other_id = await signed_up(services, "grace@example.com")
    _, session = await services.auth.sign_in(
        email="ada@example.com", password=PASSWORD, remember_me=True, client_address=ADDRESS
    )
    async with services.auth._uow() as uow:
        now = services.clock()
        uow.session.add(
            Content(user_id=user_id, title="t", type="photo", created_at=now, updated_at=now)
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
    async with services.auth._uow(write=False) as uow:
        for model in (Content, RefreshToken):
            count = await uow.session.scalar(select(func.count()).select_from(model))
            assert count == 0, model.__tablename__
        # The failed sign-in after deletion is throttled like any unknown e-mail.
        assert await uow.session.scalar(select(func.count()).select_from(SignInThrottle)) == 1
    assert (await services.users.get(other_id)).email == "grace@example.com"

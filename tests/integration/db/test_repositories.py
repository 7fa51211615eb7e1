"""The engine, unit of work and repositories on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.db import UnitOfWorkFactory, create_engine, ping
from services.db.models import Content, RefreshToken, SignInThrottle, Subscription, User, new_id

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def user(email: str = "ada@example.com") -> User:
    return User(
        id=new_id(),
        email=email,
        name="Ada",
        password_hash="$argon2id$fake",
        profile={"bio": "hi", "niches": ["fitness"]},
        created_at=NOW,
        updated_at=NOW,
    )


def refresh_token(user_id: str, family_id: str, token_hash: str) -> RefreshToken:
    return RefreshToken(
        user_id=user_id,
        family_id=family_id,
        token_hash=token_hash,
        remember_me=False,
        created_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )


async def test_ping(engine: AsyncEngine) -> None:
    await ping(engine)


async def test_ping_raises_when_the_database_is_unreachable() -> None:
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    try:
        with pytest.raises(Exception):  # noqa: B017 - the driver's own connection error
            await ping(engine)
    finally:
        await engine.dispose()


async def test_user_round_trip_with_defaults(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        created = await uow.users.add(user())
        await uow.commit()
    async with uow_factory(write=False) as uow:
        loaded = await uow.users.get(created.id)
        by_email = await uow.users.get_by_email("ada@example.com")
    assert loaded is not None and by_email is not None and loaded.id == by_email.id
    assert (loaded.subscription, loaded.is_active) == ("free", True)
    assert loaded.profile == {"bio": "hi", "niches": ["fitness"]}


async def test_datetimes_round_trip_as_aware_utc(uow_factory: UnitOfWorkFactory) -> None:
    paris = timezone(timedelta(hours=1))
    row = user()
    row.created_at = NOW.astimezone(paris)
    async with uow_factory() as uow:
        await uow.users.add(row)
        await uow.commit()
    async with uow_factory(write=False) as uow:
        loaded = await uow.users.get(row.id)
    assert loaded is not None
    assert loaded.created_at == NOW and loaded.created_at.tzinfo == UTC
    assert loaded.updated_at == NOW and loaded.updated_at.tzinfo == UTC


async def test_naive_datetimes_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    row = user()
    row.created_at = NOW.replace(tzinfo=None)
    async with uow_factory() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.users.add(row)


async def test_email_is_unique(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user())
        await uow.commit()
    async with uow_factory() as uow:
        with pytest.raises(IntegrityError):
            await uow.users.add(user())


async def test_uncommitted_work_is_rolled_back(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.users.add(user())
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.users.add(user("grace@example.com"))
            raise RuntimeError("use case failed")
    async with uow_factory(write=False) as uow:
        count = await uow.session.scalar(select(func.count()).select_from(User))
    assert count == 0


async def test_deleting_a_user_cascades(uow_factory: UnitOfWorkFactory) -> None:
    owner, other = user(), user("grace@example.com")
    async with uow_factory() as uow:
        for row in (owner, other):
            await uow.users.add(row)
            uow.session.add_all(
                [
                    Content(
                        user_id=row.id, title="t", type="photo", created_at=NOW, updated_at=NOW
                    ),
                    Subscription(
                        user_id=row.id,
                        stripe_subscription_id=f"sub_{row.id}",
                        status="active",
                        plan="pro",
                        created_at=NOW,
                    ),
                ]
            )
            await uow.refresh_tokens.add(refresh_token(row.id, new_id(), f"hash-{row.id}"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.delete(owner.id)
        assert not await uow.users.delete("missing")
        await uow.commit()
    async with uow_factory(write=False) as uow:
        for model in (Content, Subscription, RefreshToken):
            owners = (await uow.session.scalars(select(model.user_id))).all()
            assert owners == [other.id], model.__tablename__


async def test_mark_used_succeeds_once_and_revoke_family(uow_factory: UnitOfWorkFactory) -> None:
    owner = user()
    family = new_id()
    async with uow_factory() as uow:
        await uow.users.add(owner)
        first = await uow.refresh_tokens.add(refresh_token(owner.id, family, "h1"))
        await uow.refresh_tokens.add(refresh_token(owner.id, family, "h2"))
        await uow.refresh_tokens.add(refresh_token(owner.id, new_id(), "h3"))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.refresh_tokens.mark_used(first.id, replaced_by_id="x", now=NOW)
        assert not await uow.refresh_tokens.mark_used(first.id, replaced_by_id="y", now=NOW)
        assert await uow.refresh_tokens.revoke_family(family, now=NOW) == 2
        await uow.commit()
    async with uow_factory(write=False) as uow:
        revoked = {
            token.token_hash: token.revoked_at
            for token in (await uow.session.scalars(select(RefreshToken))).all()
        }
        used = await uow.refresh_tokens.get_by_hash("h1")
    assert revoked == {"h1": NOW, "h2": NOW, "h3": None}
    assert used is not None and (used.used_at, used.replaced_by_id) == (NOW, "x")


async def test_throttle_counts_locks_and_clears(uow_factory: UnitOfWorkFactory) -> None:
    window = timedelta(minutes=15)

    async def fail(at: datetime, address: str = "10.0.0.1"):
        async with uow_factory() as uow:
            state = await uow.signin_throttles.record_failure(
                "key", address, now=at, max_failures=3, window=window
            )
            await uow.commit()
            return state

    assert (await fail(NOW)).failures == 1
    assert (await fail(NOW)).failures == 2
    locked = await fail(NOW + timedelta(seconds=1))
    assert locked.locked_until == NOW + timedelta(seconds=1) + window
    assert (await fail(NOW, "10.0.0.2")).failures == 1  # another address: its own row
    async with uow_factory() as uow:
        row = await uow.signin_throttles.get("key", "10.0.0.1")
        assert row is not None and row.locked_until == locked.locked_until
        await uow.signin_throttles.clear("key", "10.0.0.1")
        await uow.commit()
    async with uow_factory(write=False) as uow:
        assert await uow.signin_throttles.get("key", "10.0.0.1") is None
        remaining = (await uow.session.scalars(select(SignInThrottle.client_address))).all()
    assert remaining == ["10.0.0.2"]

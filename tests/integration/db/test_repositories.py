"""What only the SQL side has to prove: the engine's health check, time zones through both
databases, and the schema's own cascades (the repository contract is in
test_repository_contract.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from support.fakes import an_account

from services.db import SqlUnitOfWorkFactory, create_engine, ping
from services.db.models import SubscriptionRow
from services.users.model import Account

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def account(email: str = "ada@example.com") -> Account:
    return an_account(email=email, created_at=NOW, updated_at=NOW)


async def test_ping(engine: AsyncEngine) -> None:
    await ping(engine)


async def test_ping_raises_when_the_database_is_unreachable() -> None:
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    try:
        with pytest.raises(Exception):  # noqa: B017 - the driver's own connection error
            await ping(engine)
    finally:
        await engine.dispose()


async def test_datetimes_round_trip_as_aware_utc(uow_factory: SqlUnitOfWorkFactory) -> None:
    paris = timezone(timedelta(hours=1))
    ada = replace(account(), created_at=NOW.astimezone(paris))
    async with uow_factory() as uow:
        await uow.users.add(ada)
        await uow.commit()
    async with uow_factory(write=False) as uow:
        loaded = await uow.users.get(ada.id)
    assert loaded is not None
    assert loaded.created_at == NOW and loaded.created_at.tzinfo == UTC
    assert loaded.updated_at == NOW and loaded.updated_at.tzinfo == UTC


async def test_naive_datetimes_are_refused(uow_factory: SqlUnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.users.add(replace(account(), created_at=NOW.replace(tzinfo=None)))


async def test_the_schema_cascades_subscriptions(uow_factory: SqlUnitOfWorkFactory) -> None:
    """Subscriptions have no repository yet (billing): the foreign key alone removes them."""
    owner, other = account(), account("grace@example.com")
    async with uow_factory() as uow:
        for one in (owner, other):
            await uow.users.add(one)
            uow.session.add(
                SubscriptionRow(
                    user_id=one.id,
                    stripe_subscription_id=f"sub_{one.id}",
                    status="active",
                    plan="pro",
                    created_at=NOW,
                )
            )
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.users.delete(owner.id)
        await uow.commit()
    async with uow_factory(write=False) as uow:
        owners = (await uow.session.scalars(select(SubscriptionRow.user_id))).all()
    assert owners == [other.id]

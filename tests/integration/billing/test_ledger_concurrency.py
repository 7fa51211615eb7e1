"""The credit ledger under concurrency, on SQLite and PostgreSQL: two engines stand for two
workers, each with its own pool, spending one user's credits at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from support.fakes import an_account

from services.billing.metering import MessageMeter
from services.billing.model import CreditAccount
from services.common.clock import utc_now
from services.common.ids import new_id
from services.db import create_engine, create_uow_factory
from services.db.models import CreditAccountRow, CreditEntryRow
from services.errors import PaymentRequired

SPENDS = 200
BALANCE = 10


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[list[AsyncEngine]]:
    pair = [create_engine(database_url, pool_size=10) for _ in range(2)]
    try:
        yield pair
    finally:
        for engine in pair:
            await engine.dispose()


async def a_user_with_credits(engine: AsyncEngine, balance: int) -> str:
    account = an_account(email=f"{new_id()}@example.com")
    async with create_uow_factory(engine)() as uow:
        await uow.users.add(account)
        await uow.credits.lock_account(account.id)
        await uow.credits.save_account(CreditAccount(account.id, balance=balance))
        await uow.commit()
    return account.id


async def test_concurrent_one_unit_spends_succeed_exactly_as_often_as_the_balance_allows(
    engines: list[AsyncEngine],
) -> None:
    user_id = await a_user_with_credits(engines[0], BALANCE)
    meters = [
        MessageMeter(create_uow_factory(engine), {"free": 0}, clock=utc_now, ids=new_id)
        for engine in engines
    ]

    async def spend(index: int) -> bool:
        try:
            await meters[index % 2].reserve(user_id, 1)
        except PaymentRequired:
            return False
        return True

    outcomes = await asyncio.gather(*(spend(i) for i in range(SPENDS)))

    assert sum(outcomes) == BALANCE
    async with engines[0].connect() as connection:
        balance = await connection.scalar(
            select(CreditAccountRow.balance).where(CreditAccountRow.user_id == user_id)
        )
        entries = await connection.scalar(
            select(func.count()).where(CreditEntryRow.user_id == user_id)
        )
    assert (balance, entries) == (0, BALANCE)


async def test_a_give_back_is_applied_once(engines: list[AsyncEngine]) -> None:
    user_id = await a_user_with_credits(engines[0], 3)
    meter = MessageMeter(create_uow_factory(engines[0]), {"free": 0}, clock=utc_now, ids=new_id)
    reservation = await meter.reserve(user_id, 3)
    await asyncio.gather(*(meter.give_back(reservation, 3) for _ in range(5)))
    async with engines[1].connect() as connection:
        balance = await connection.scalar(
            select(CreditAccountRow.balance).where(CreditAccountRow.user_id == user_id)
        )
    assert balance == 3

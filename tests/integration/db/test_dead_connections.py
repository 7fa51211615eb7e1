"""PostgreSQL connections terminated under load (a failover, an idle-killer, a restart): reads
never fail, and a write that cannot know its fate is a 503-style Unavailable, never a crash."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from support.databases import postgres_database, terminate_connections
from support.fakes import an_account

from services.db import create_engine, create_uow_factory
from services.db.key_reads import KeyReads
from services.errors import ConnectionLost
from services.users.model import Account
from services.users.service import UserService

pytestmark = pytest.mark.postgres

NOW = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    with postgres_database() as url:
        engine = create_engine(url, pool_size=5)
        try:
            yield engine
        finally:
            await engine.dispose()


async def add_user(engine: AsyncEngine) -> Account:
    user = an_account()
    async with create_uow_factory(engine)() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


async def under_terminations(
    engine: AsyncEngine, call: Callable[[], Awaitable[object]]
) -> tuple[int, list[BaseException]]:
    """20 concurrent loops of `call` while every connection is terminated five times; (calls
    that succeeded, exceptions)."""
    database = engine.url.database
    assert database
    failures: list[BaseException] = []
    succeeded = 0
    stop = asyncio.Event()

    async def loop() -> None:
        nonlocal succeeded
        while not stop.is_set():
            try:
                await call()
                succeeded += 1
            except Exception as error:
                failures.append(error)

    loops = [asyncio.create_task(loop()) for _ in range(20)]
    terminated = 0
    for _ in range(5):
        await asyncio.sleep(0.2)  # load pacing: let the pool fill and the loops run
        terminated += await asyncio.to_thread(terminate_connections, database)
    stop.set()
    await asyncio.gather(*loops)
    assert terminated >= 5
    return succeeded, failures


@pytest.mark.parametrize("reader", ["unit_of_work", "key_reads"])
async def test_reads_survive_connections_terminated_under_load(
    engine: AsyncEngine, reader: str
) -> None:
    accounts = KeyReads(engine) if reader == "key_reads" else None
    users = UserService(create_uow_factory(engine), accounts=accounts)
    user = await add_user(engine)

    async def read() -> None:
        assert (await users.get(user.id)).email == "ada@example.com"

    reads, failures = await under_terminations(engine, read)
    assert reads > 100
    assert failures == []


async def test_writes_on_a_lost_connection_fail_as_unavailable(engine: AsyncEngine) -> None:
    users = UserService(create_uow_factory(engine))
    user = await add_user(engine)
    writes, failures = await under_terminations(
        engine, lambda: users.update(user.id, name="Ada L.")
    )
    assert writes > 50
    assert all(isinstance(failure, ConnectionLost) for failure in failures), failures

"""The repository contract's unit of work: in memory, SQLite and PostgreSQL, one behaviour."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.databases import postgres_database, sqlite_url
from support.fakes import MemoryDatabase

from server.app import AppUnitOfWork
from services.common.uow import UnitOfWorkFactory
from services.db import create_engine, create_uow_factory

Factory = UnitOfWorkFactory[AppUnitOfWork]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def uow(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Factory]:
    if request.param == "memory":
        yield MemoryDatabase()
        return
    if request.param == "sqlite":
        engine = create_engine(sqlite_url(tmp_path))
        yield create_uow_factory(engine)
        await engine.dispose()
        return
    with postgres_database() as url:
        engine = create_engine(url, pool_size=2)
        yield create_uow_factory(engine)
        await engine.dispose()

"""The one-hop SQLite driver answers every statement as aiosqlite does (rows, row counts, the
last row id, errors), in one call to the connection's thread per statement."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from services.db import create_engine
from services.db.sqlite_driver import OneHopConnection

STATEMENTS = [
    ("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)", None),
    ("INSERT INTO t (name) VALUES (:name)", [{"name": "a"}, {"name": "b"}, {"name": "c"}]),
    ("UPDATE t SET name = name || '!' WHERE id > :id", {"id": 1}),
    ("INSERT INTO t (name) VALUES (:name)", {"name": "d"}),
    ("SELECT id, name FROM t ORDER BY id", None),
    ("DELETE FROM t WHERE name = :name", {"name": "nobody"}),
]


async def answers(connection: AsyncConnection) -> list[Any]:
    seen = []
    for sql, params in STATEMENTS:
        result = await connection.execute(text(sql), params)
        rows = result.all() if result.returns_rows else None
        lastrowid = None if isinstance(params, list) else result.lastrowid
        seen.append((rows, result.rowcount, lastrowid))
    with pytest.raises(IntegrityError):
        await connection.execute(text("INSERT INTO t (name) VALUES ('a')"))
    return seen


async def calls_to_the_thread(connection: AsyncConnection) -> list[object]:
    """From now on, each call the connection's driver makes to its thread."""
    driver = (await connection.get_raw_connection()).driver_connection
    assert isinstance(driver, OneHopConnection)
    calls: list[object] = []
    sends = driver._execute

    async def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await sends(fn, *args, **kwargs)

    driver._execute = counting  # type: ignore[method-assign]
    return calls


async def test_statements_answer_as_through_aiosqlite(tmp_path: Path) -> None:
    ours = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'ours.db'}")
    reference = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'reference.db'}")
    try:
        async with ours.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert isinstance(driver, OneHopConnection)
            seen = await answers(connection)
        async with reference.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert type(driver) is aiosqlite.Connection
            expected = await answers(connection)
    finally:
        await ours.dispose()
        await reference.dispose()
    assert seen == expected
    assert seen[4][0] == [(1, "a"), (2, "b!"), (3, "c!"), (4, "d")]


async def test_a_statement_is_one_call_on_the_connection_thread(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'hops.db'}")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 0"))  # the transaction has begun
            calls = await calls_to_the_thread(connection)
            rows = (await connection.execute(text("SELECT 1 UNION SELECT 2"))).all()
            assert rows == [(1,), (2,)]
            assert len(calls) == 1  # aiosqlite's own cursor: cursor(), execute(), fetchall()
    finally:
        await engine.dispose()


async def test_a_rollback_hops_only_when_a_transaction_is_open(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'rollback.db'}")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("CREATE TABLE t (x INTEGER)"))
            await connection.commit()
            calls = await calls_to_the_thread(connection)
            driver = (await connection.get_raw_connection()).driver_connection
            await driver.rollback()  # committed: nothing to undo, nothing sent
            assert calls == []
            await connection.execute(text("INSERT INTO t VALUES (1)"))
            await connection.rollback()
            assert len(calls) == 3  # BEGIN, INSERT, ROLLBACK
            rows = (await connection.execute(text("SELECT count(*) FROM t"))).scalar()
            assert rows == 0
    finally:
        await engine.dispose()

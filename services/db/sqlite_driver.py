"""aiosqlite with one hop to the connection's thread per statement instead of three.

Through SQLAlchemy, each aiosqlite statement went to the driver's thread and back three times:
to open a cursor, to execute, and to fetch the rows (or close the cursor). Each hop waits for
a turn of the event loop, and a busy loop makes that wait long: a write transaction (which
holds the host's one SQLite write lock, services.db.sqlite_writer) held it for most of a
content-ideas call's time at 32 clients. Here the cursor is a plain object on the loop side:
`execute` runs the statement, fetches every row and closes the driver's cursor in one call on
the thread, and the rows are then read from memory. Server-side cursors are not used here.
A rollback with no transaction open does not hop at all.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Self

import aiosqlite

_Outcome = tuple[list[Any], Any, int, int | None]  # rows, description, rowcount, lastrowid


class OneHopConnection(aiosqlite.Connection):
    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        """A cursor at once: nothing runs on the thread until it executes."""
        return OneHopCursor(self)

    async def rollback(self) -> None:
        """No hop when there is nothing to roll back: the pool rolls back every connection
        given back to it, and after a commit there is no transaction left. (The flag is read
        between statements: the connection runs one at a time.)"""
        if self._conn.in_transaction:
            await super().rollback()


class OneHopCursor:
    """The async cursor interface SQLAlchemy's aiosqlite adapter uses."""

    arraysize = 1

    def __init__(self, connection: OneHopConnection) -> None:
        self._connection = connection
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> Self:
        self._keep(await self._connection._execute(self._run, sql, parameters, many=False))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> Self:
        self._keep(await self._connection._execute(self._run, sql, parameters, many=True))
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    async def close(self) -> None:
        self._rows.clear()

    def _keep(self, outcome: _Outcome) -> None:
        rows, self.description, self.rowcount, self.lastrowid = outcome
        self._rows = deque(rows)

    def _run(self, sql: str, parameters: Any, *, many: bool) -> _Outcome:
        """On the connection's thread: execute, fetch everything, close."""
        cursor = self._connection._conn.cursor()
        try:
            if many:
                cursor.executemany(sql, parameters)
            elif parameters is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, parameters)
            rows = cursor.fetchall() if cursor.description else []
            return rows, cursor.description, cursor.rowcount, cursor.lastrowid
        finally:
            cursor.close()


def one_hop_creator(
    connect_args: Sequence[Any], connect_kwargs: dict[str, Any]
) -> Callable[[], Awaitable[OneHopConnection]]:
    """An `async_creator` for create_async_engine: what aiosqlite.connect would open."""

    async def create() -> OneHopConnection:
        connection = OneHopConnection(
            lambda: sqlite3.connect(*connect_args, **connect_kwargs), iter_chunk_size=64
        )
        connection._thread.daemon = True  # as SQLAlchemy sets it for aiosqlite.connect
        return await connection

    return create

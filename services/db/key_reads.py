"""One row by primary key, outside any unit of work: the reads every authenticated call makes
(GET /api/users/me, the auth interceptor's account check), kept off the ORM and, on SQLite,
off the driver's thread.

Why. Through a unit of work, one account read cost ~470 us of CPU on either database: an ORM
session, a transaction begun and rolled back, and on SQLite (aiosqlite) nine hops to the
driver's thread and back. The statement itself costs ~5 us on SQLite and one round trip on
PostgreSQL. One statement needs no transaction: it reads one committed snapshot by itself.

- SQLite: a stdlib sqlite3 connection of this process, used on the event loop. A primary-key
  read is microseconds, and WAL readers never wait for the writer. The connection has no busy
  handler (it never sleeps on the loop): in the rare case SQLite answers "busy" (a checkpoint
  resetting the WAL) the read goes through the engine, on its thread, instead.
- PostgreSQL: a few autocommit driver connections of this process (services.db.postgres_reads)
  with the statement prepared on the server: one round trip, no BEGIN and no ROLLBACK, and
  none of SQLAlchemy's per-execution work (which cost more than the read).

Values are converted by the columns' own SQLAlchemy types, so a record read here equals the
one the repositories read (tests/integration/db/test_key_reads.py compares them).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.db.engine import sqlite_file
from services.db.postgres_reads import PostgresReads
from services.db.repositories import USERS, account_of
from services.db.uow import database_failure
from services.users.model import Account


class _Statement(NamedTuple):
    sql: str
    positional: bool  # the driver's parameters: (key,) or {"key": key}
    convert: Sequence[Callable[[Any], Any] | None]
    record: Callable[..., Any]  # the converted values -> an object with the columns' names

    def params(self, key: str) -> tuple[str] | dict[str, str]:
        return (key,) if self.positional else {"key": key}


def _by_key(table: Table, dialect: Dialect) -> _Statement:
    """SELECT every column of `table` WHERE its one-column key = :key, compiled once for the
    dialect (PostgreSQL's with `$1`, as services.db.postgres_reads sends it), with each
    column's result conversion."""
    (key,) = table.primary_key.columns
    statement = select(*table.columns).where(key == bindparam("key"))
    convert = [
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in table.columns
    ]
    record = namedtuple(f"{table.name}_record", table.columns.keys())  # type: ignore[misc]
    compiler = dialect
    if dialect.name == "postgresql":
        compiler = type(dialect)(paramstyle="numeric_dollar")
    return _Statement(
        str(statement.compile(dialect=compiler)), compiler.positional, convert, record
    )


def _record(statement: _Statement, row: Sequence[Any]) -> Any:
    return statement.record(
        *(
            value if how is None else how(value)
            for value, how in zip(row, statement.convert, strict=True)
        )
    )


class KeyReads:
    def __init__(self, engine: AsyncEngine, *, postgres_connections: int = 10) -> None:
        """`postgres_connections`: at most this many reads in flight at once on PostgreSQL."""
        self._engine = engine
        self._users = _by_key(USERS, engine.dialect)
        self._sqlite_path = sqlite_file(engine.url)
        self._sqlite: sqlite3.Connection | None = None
        self._postgres = (
            PostgresReads(engine.url, max_connections=postgres_connections)
            if engine.dialect.name == "postgresql"
            else None
        )

    async def account(self, user_id: str) -> Account | None:
        try:
            row = await self._one(self._users, user_id)
        except DBAPIError as error:  # as a unit of work answers it
            failure = database_failure(error)
            if failure is None:
                raise
            raise failure from error
        return None if row is None else account_of(_record(self._users, row))

    async def aclose(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._postgres is not None:
            await self._postgres.aclose()

    async def _one(self, statement: _Statement, key: str) -> Sequence[Any] | None:
        params = statement.params(key)
        if self._sqlite_path is not None:
            try:
                return self._sqlite_connection().execute(statement.sql, params).fetchone()
            except sqlite3.OperationalError:
                pass  # busy: read through the engine below
        elif self._postgres is not None:
            return await self._postgres.one(statement.sql, (key,))  # compiled with $1
        async with self._engine.connect() as connection:
            return (await connection.exec_driver_sql(statement.sql, params)).first()

    def _sqlite_connection(self) -> sqlite3.Connection:
        if self._sqlite is None:
            # timeout=0: no busy handler, so nothing ever sleeps on the event loop.
            connection = sqlite3.connect(self._sqlite_path, timeout=0, isolation_level=None)
            connection.execute("PRAGMA query_only = ON")
            self._sqlite = connection
        return self._sqlite

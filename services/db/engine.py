"""Engine factory and the database health check. Nothing is created at import time."""

from __future__ import annotations

import select
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from services.db.sqlite_driver import one_hop_creator

SQLITE_BUSY_TIMEOUT_MS = 5000
# The connection option a unit of work sets to open a SQLite write transaction up front.
SQLITE_BEGIN_OPTION = "sqlite_begin"


def create_engine(database_url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An async engine for `sqlite+aiosqlite://` or `postgresql+psycopg://` URLs.

    SQLite: WAL, foreign keys on (the ON DELETE CASCADEs depend on it), a busy timeout, and
    transactions begun by us (see _sqlite_begin). PostgreSQL: a sized pool whose checkouts skip
    dead connections without a round trip (see _drop_dead_connection).
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    engine = create_async_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800
    )
    event.listen(engine.sync_engine, "checkout", _drop_dead_connection)
    return engine


async def ping(engine: AsyncEngine) -> None:
    """SELECT 1; raises when the database cannot answer."""
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def _drop_dead_connection(
    dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection
) -> None:
    """A pooled PostgreSQL connection whose server side went away (terminated backend,
    failover, idle timeout) has already been told so: the server sent a FATAL message and
    closed the socket, so the idle socket is readable. Checking that costs one poll() and no
    round trip (unlike a pre-ping's SELECT 1). DisconnectionError makes the pool discard the
    connection and check out another. One that dies mid-statement is the unit of work's
    business (ConnectionLost)."""
    connection = record.driver_connection
    if connection is None or postgres_connection_dead(connection):
        raise DisconnectionError("the server closed the connection while it was idle")


def postgres_connection_dead(connection: Any) -> bool:
    """Whether an idle psycopg connection is closed, broken, or closed by the server (its
    socket is readable: the server's FATAL message, then end of file)."""
    if connection.closed or connection.broken:
        return True
    poller = select.poll()
    poller.register(connection.pgconn.socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None in memory (and for other databases)."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def _sqlite_engine(url: URL) -> AsyncEngine:
    if (path := sqlite_file(url)) is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    # The dialect's own connect arguments, opened by aiosqlite with one hop per statement.
    connect_args, connect_kwargs = url.get_dialect()().create_connect_args(url)
    engine = create_async_engine(url, async_creator=one_hop_creator(connect_args, connect_kwargs))
    event.listen(engine.sync_engine, "connect", _sqlite_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    # The driver's own implicit BEGIN is switched off: _sqlite_begin issues it instead, so
    # SQLAlchemy's transaction boundaries are the real ones (the documented aiosqlite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """BEGIN IMMEDIATE for units of work that write: a deferred transaction that reads and then
    writes fails with SQLITE_BUSY (no waiting) when another writer committed in between; taking
    the write lock first makes concurrent writers queue on the busy timeout instead."""
    mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
    connection.exec_driver_sql(f"BEGIN {mode}")

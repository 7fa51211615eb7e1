"""A few autocommit psycopg connections of one process, for one-statement reads by key.

Why not the engine's pool. Through SQLAlchemy (checkout, the autocommit switch and back, the
result wrapper), one primary-key read cost ~360 us of CPU; the same prepared statement on a
driver connection costs ~100 us (measured in-process, 3,000 reads each). GetMe is one such
read, so this is most of its cost on PostgreSQL.

Dead connections, as the engine's pool handles them:
- an idle connection whose server side went away (a failover, a restart, an idle killer) has a
  readable socket (the server's FATAL message): it is dropped at checkout, without a round trip;
- a connection that dies under a read is lost with every connection opened before it (a
  failover or a restart kills them all at once): the read raises ConnectionLost, which
  retry_read runs once more, on a new connection;
- a database that refuses connections is Unavailable (a 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy.engine import URL

from services.db.engine import postgres_connection_dead
from services.errors import ConnectionLost, DatabaseUnavailable


class PostgresReads:
    def __init__(self, url: URL, *, max_connections: int) -> None:
        # What the engine's dialect would pass the driver (host, port, dbname, user, password,
        # and the URL's query, e.g. options or sslmode).
        self._connect_args, self._connect_kwargs = url.get_dialect()().create_connect_args(url)
        self._idle: list[tuple[int, psycopg.AsyncConnection[Any]]] = []  # (generation, it)
        self._slots = asyncio.Semaphore(max_connections)
        self._generation = 0

    async def one(self, sql: str, params: Any) -> Sequence[Any] | None:
        """The first row of `sql` (prepared on the server at its first use), or None."""
        async with self._slots:
            generation, connection = await self._checkout()
            try:
                cursor = await connection.execute(sql, params, prepare=True)
                row = await cursor.fetchone()
            except psycopg.OperationalError as error:
                lost = connection.broken
                await connection.close()
                if not lost:  # e.g. the statement was cancelled on the server
                    raise DatabaseUnavailable() from error
                if generation == self._generation:
                    self._generation += 1  # those opened with it are presumed dead too
                raise ConnectionLost() from error
            except BaseException:
                await connection.close()  # cancelled or failed mid-read: its state is unknown
                raise
            self._idle.append((generation, connection))
            return row

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for _, connection in idle:
            await connection.close()

    async def _checkout(self) -> tuple[int, psycopg.AsyncConnection[Any]]:
        while self._idle:
            generation, connection = self._idle.pop()
            if generation == self._generation and not postgres_connection_dead(connection):
                return generation, connection
            await connection.close()
        generation = self._generation
        try:
            connection = await psycopg.AsyncConnection.connect(
                *self._connect_args,
                **self._connect_kwargs,
                autocommit=True,
                prepare_threshold=None,
            )
        except psycopg.OperationalError as error:
            raise DatabaseUnavailable() from error
        return generation, connection

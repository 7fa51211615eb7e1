"""A few autocommit PostgreSQL connections of one process, for one-statement reads by key.

Why not the engine's pool. Through SQLAlchemy (checkout, the autocommit switch and back, the
result wrapper), one primary-key read cost ~360 us of CPU; the same prepared statement through
psycopg's `execute` ~45 us; driven here through libpq's non-blocking calls, 11-14 us (measured
in-process, 6,000 reads, 1 and 16 concurrent readers). GetMe is one such read.

How. psycopg opens each connection (and its type loaders turn the answer into Python values,
as a cursor's would); the reads then go straight through libpq: the statement is prepared on
the connection at its first use, sent with `send_query_prepared` and its result awaited. Each
connection has one reader on the event loop for its whole life (psycopg's own waiting adds and
removes one per wait), on a duplicate of its socket, so that libpq closing the socket when the
server goes away never leaves the loop watching a closed or reused descriptor.

uvloop stops watching a socket that reports an error (POLLERR: a reset, e.g. a server that
exits with our next statement unread) after calling its reader one last time. When that socket
also holds data (the server's FATAL message), the last call reads the data, not the error, and
nothing would wake the read again. So a waiting read looks at its socket itself every
RECHECK_SECONDS, watching it anew, as psycopg's own waits do.

Dead connections, as the engine's pool handles them:
- an idle connection whose server side went away (a failover, a restart, an idle killer) is
  dropped at checkout, without a round trip: its reader saw the end of file, or its socket is
  readable (the server's FATAL message, then end of file);
- a connection that dies under a read is lost with every connection opened before it (a
  failover or a restart kills them all at once): the read raises ConnectionLost, which
  retry_read runs once more, on a new connection;
- a statement the server cancels (a timeout) on a live connection is Unavailable;
- a database that refuses connections is Unavailable (a 503 with Retry-After).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import Transformer
from sqlalchemy.engine import URL

from services.db.engine import postgres_connection_dead
from services.errors import ConnectionLost, DatabaseUnavailable


class _Broken(Exception):
    """The connection can no longer be used (the server went away, or it was closed)."""


# What a server says as it ends the session (a terminated backend, a shutdown): the end of file
# may not have been read yet when this arrives.
_SERVER_GONE = (psycopg.errors.AdminShutdown, psycopg.errors.CrashShutdown)

RECHECK_SECONDS = 0.1


class _ReadConnection:
    """One autocommit connection read through libpq's non-blocking calls (see the module)."""

    def __init__(self, connection: psycopg.AsyncConnection[Any], generation: int) -> None:
        self.generation = generation
        self._connection = connection
        self._pgconn = connection.pgconn
        self._transformer = Transformer(connection)
        self._statements: dict[str, bytes] = {}  # sql -> its prepared statement's name
        self._loop = asyncio.get_running_loop()
        self._socket = os.dup(self._pgconn.socket)
        self._waiter: asyncio.Future[None] | None = None
        self._recheck: asyncio.TimerHandle | None = None
        self.broken = False
        self._loop.add_reader(self._socket, self._readable)

    async def one(self, sql: str, params: Sequence[str] | None) -> Sequence[Any] | None:
        """The first row of `sql` (its parameters are text; the server infers their types)."""
        name = self._statements.get(sql)
        if name is None:
            name = f"huntaze_read_{len(self._statements)}".encode()
            self._pgconn.send_prepare(name, sql.encode())
            await self._result(pq.ExecStatus.COMMAND_OK)
            self._statements[sql] = name
        values = [value.encode() for value in params] if params else None
        self._pgconn.send_query_prepared(name, values)
        result = await self._result(pq.ExecStatus.TUPLES_OK)
        if result.ntuples == 0:
            return None
        self._transformer.set_pgresult(result)
        return self._transformer.load_row(0, tuple)

    def dead(self) -> bool:
        """Whether an idle connection is closed or was closed by the server (its goodbye has
        arrived, whether or not the reader has taken it yet)."""
        return self.broken or postgres_connection_dead(self._connection)

    def lost(self, error: Exception) -> bool:
        """Whether `error` (raised by `one`) means the connection itself is gone."""
        return (
            self.broken
            or isinstance(error, (_Broken, *_SERVER_GONE))
            or self._pgconn.status != pq.ConnStatus.OK
        )

    async def close(self) -> None:
        self._forget_socket()
        await self._connection.close()

    async def _result(self, expected: pq.ExecStatus) -> pq.abc.PGresult:
        """The one result of what was just sent; raises its error as psycopg would."""
        await self._flush()
        results = []
        while True:
            while self._pgconn.is_busy():
                await self._readable_again()
            result = self._pgconn.get_result()
            if result is None:
                break
            results.append(result)
        for result in results:  # a server going away may add its own error to ours
            if result.status != expected:
                raise psycopg.errors.error_from_result(
                    result, encoding=self._connection.info.encoding
                )
        (result,) = results
        return result

    async def _flush(self) -> None:
        while self._pgconn.flush():  # 1: part of the message is still to be written
            if self.broken:
                raise _Broken()
            writable = self._loop.create_future()
            self._loop.add_writer(self._socket, _resolve, writable)
            try:  # flushed again at the latest after RECHECK_SECONDS (see the module)
                await asyncio.wait([writable], timeout=RECHECK_SECONDS)
            finally:
                self._loop.remove_writer(self._socket)

    async def _readable_again(self) -> None:
        if self.broken:
            raise _Broken()
        self._waiter = self._loop.create_future()
        self._recheck = self._loop.call_later(RECHECK_SECONDS, self._look_again)
        try:
            await self._waiter
        finally:
            self._waiter = None
            self._recheck.cancel()

    def _look_again(self) -> None:
        """Watch the socket anew (uvloop may have stopped: see the module) and take what it
        holds; again later while the read still waits."""
        if self._waiter is None or self._waiter.done() or self._socket < 0:
            return
        self._loop.remove_reader(self._socket)
        self._loop.add_reader(self._socket, self._readable)
        self._readable()
        if not self._waiter.done():
            self._recheck = self._loop.call_later(RECHECK_SECONDS, self._look_again)

    def _readable(self) -> None:
        """The reader: take what the server sent (an answer, or its goodbye while idle)."""
        waiter = self._waiter
        try:
            self._pgconn.consume_input()
        except psycopg.OperationalError as error:
            self.broken = True
            self._forget_socket()
            if waiter is not None and not waiter.done():
                waiter.set_exception(_Broken(str(error)))
            return
        if waiter is not None and not waiter.done() and not self._pgconn.is_busy():
            waiter.set_result(None)

    def _forget_socket(self) -> None:
        if self._socket >= 0:
            self._loop.remove_reader(self._socket)
            os.close(self._socket)
            self._socket = -1


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class PostgresReads:
    def __init__(self, url: URL, *, max_connections: int) -> None:
        # What the engine's dialect would pass the driver (host, port, dbname, user, password,
        # and the URL's query, e.g. options or sslmode).
        self._connect_args, self._connect_kwargs = url.get_dialect()().create_connect_args(url)
        self._idle: list[_ReadConnection] = []
        self._slots = asyncio.Semaphore(max_connections)
        self._generation = 0

    async def one(self, sql: str, params: Sequence[str] | None) -> Sequence[Any] | None:
        """The first row of `sql` (`$1`-style parameters, given as text), or None."""
        async with self._slots:
            connection = await self._checkout()
            try:
                row = await connection.one(sql, params)
            except (_Broken, psycopg.OperationalError) as error:
                lost = connection.lost(error)
                await connection.close()
                if not lost:
                    raise DatabaseUnavailable() from error  # e.g. the statement was cancelled
                if connection.generation == self._generation:
                    self._generation += 1  # those opened with it are presumed dead too
                raise ConnectionLost() from error
            except BaseException:
                await connection.close()  # cancelled or failed mid-read: its state is unknown
                raise
            self._idle.append(connection)
            return row

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def _checkout(self) -> _ReadConnection:
        while self._idle:
            connection = self._idle.pop()
            if connection.generation == self._generation and not connection.dead():
                return connection
            await connection.close()
        generation = self._generation
        try:
            connection = await psycopg.AsyncConnection.connect(
                *self._connect_args, **self._connect_kwargs, autocommit=True
            )
        except psycopg.OperationalError as error:
            raise DatabaseUnavailable() from error
        return _ReadConnection(connection, generation)

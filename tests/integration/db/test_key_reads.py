"""Reads by key outside the unit of work (services.db.key_reads): the same records the
repositories read, on SQLite and PostgreSQL, and SQLite's read never waits on the event loop."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import struct
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvloop
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from support.databases import postgres_database, sqlite_url, terminate_connections
from support.fakes import an_account

from services.db import create_engine, create_uow_factory
from services.db.key_reads import KeyReads
from services.db.postgres_reads import PostgresReads
from services.errors import ConnectionLost, Unavailable
from services.users.model import Account, Profile


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = create_engine(sqlite_url(tmp_path))
        yield engine
        await engine.dispose()
        return
    with postgres_database() as url:
        engine = create_engine(url, pool_size=2)
        yield engine
        await engine.dispose()


async def stored(engine: AsyncEngine, account: Account) -> Account:
    """`account` added, as the repositories read it back."""
    uow = create_uow_factory(engine)
    async with uow() as work:
        await work.users.add(account)
        await work.commit()
    async with uow(write=False) as work:
        read = await work.users.get(account.id)
    assert read is not None
    return read


async def test_an_account_reads_as_the_repository_reads_it(engine: AsyncEngine) -> None:
    account = an_account(
        name="Zoë «Ada»",
        subscription="pro",
        profile=Profile(bio="hi", niches=("fitness", "travel"), timezone="Asia/Kolkata"),
        created_at=datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC),
        updated_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    expected = await stored(engine, account)
    reads = KeyReads(engine)
    try:
        read = await reads.account(account.id)
        assert read == expected == account
        assert read is not None and read.created_at.tzinfo is UTC
        # Twice: PostgreSQL's statement is prepared on the connection from then on.
        assert await reads.account(account.id) == expected
    finally:
        await reads.aclose()


async def test_an_unknown_key_reads_as_none(engine: AsyncEngine) -> None:
    await stored(engine, an_account())
    reads = KeyReads(engine)
    try:
        assert await reads.account("no-such-user") is None
    finally:
        await reads.aclose()


async def test_a_deactivated_account_reads_as_committed(engine: AsyncEngine) -> None:
    account = await stored(engine, an_account())
    reads = KeyReads(engine)
    try:
        assert (await reads.account(account.id)).is_active  # type: ignore[union-attr]
        async with create_uow_factory(engine)() as work:
            await work.users.save(an_account(id=account.id, is_active=False))
            await work.commit()
        assert not (await reads.account(account.id)).is_active  # type: ignore[union-attr]
    finally:
        await reads.aclose()


async def test_sqlite_reads_the_committed_row_while_a_writer_holds_the_lock(
    tmp_path: Path,
) -> None:
    """WAL: the read neither waits for an open write transaction nor sees what it has not
    committed."""
    engine = create_engine(sqlite_url(tmp_path))
    account = await stored(engine, an_account())
    writer = sqlite3.connect(tmp_path / "huntaze.db", isolation_level=None)
    reads = KeyReads(engine)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE users SET name = 'Uncommitted' WHERE id = ?", (account.id,))
        read = await reads.account(account.id)
        assert read is not None and read.name == "Ada"
        writer.execute("COMMIT")
        read = await reads.account(account.id)
        assert read is not None and read.name == "Uncommitted"
    finally:
        writer.close()
        await reads.aclose()
        await engine.dispose()


async def test_sqlite_busy_reads_through_the_engine_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    """A connection holding the file exclusively makes SQLite answer "busy" at once: the read
    then waits on the engine's thread (its busy handler), and the event loop keeps running."""
    engine = create_engine(sqlite_url(tmp_path))
    account = await stored(engine, an_account())
    await engine.dispose()  # an open WAL connection would keep the holder from the file
    holder = sqlite3.connect(tmp_path / "huntaze.db", isolation_level=None)
    reads = KeyReads(engine)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE users SET name = 'Held' WHERE id = ?", (account.id,))
        read = asyncio.create_task(reads.account(account.id))
        for _ in range(50):  # the loop runs other work while the read waits
            await asyncio.sleep(0)
        assert not read.done()
        holder.execute("COMMIT")
        holder.close()  # releases the file
        result = await asyncio.wait_for(read, timeout=10)
        assert result is not None and result.name == "Held"
    finally:
        holder.close()
        await reads.aclose()
        await engine.dispose()


async def test_a_database_that_refuses_connections_is_unavailable_not_a_crash() -> None:
    """As through a unit of work: a 503-style Unavailable (retry), never an internal error."""
    engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/nothing_listens", pool_size=1)
    reads = KeyReads(engine)
    try:
        with pytest.raises(Unavailable):
            await reads.account("any-user")
    finally:
        await reads.aclose()
        await engine.dispose()


@pytest.mark.postgres
async def test_a_read_the_server_cancels_is_unavailable_and_keeps_its_connections() -> None:
    """A statement timeout is not a lost connection: no retry, the connections stay."""
    with postgres_database() as url:
        timing_out = make_url(url).update_query_dict({"options": "-c statement_timeout=50"})
        reads = PostgresReads(timing_out, max_connections=2)
        try:
            assert await reads.one("SELECT 1", None) == (1,)
            with pytest.raises(Unavailable) as raised:
                await reads.one("SELECT pg_sleep(1)", None)
            assert not isinstance(raised.value, ConnectionLost)
            assert await reads.one("SELECT 2", None) == (2,)
        finally:
            await reads.aclose()


@pytest.mark.postgres
async def test_an_idle_connection_the_server_closed_is_replaced_before_a_read() -> None:
    """No failed read (no ConnectionLost, no retry) for a connection that died while idle."""
    with postgres_database() as url:
        reads = PostgresReads(make_url(url), max_connections=2)
        try:
            (first,) = await reads.one("SELECT pg_backend_pid()", None)
            database = make_url(url).database
            assert await asyncio.to_thread(terminate_connections, database, wait=True) == 1
            (second,) = await reads.one("SELECT pg_backend_pid()", None)
            assert second != first
            assert await reads.one("SELECT $1::text", ["still here"]) == ("still here",)
        finally:
            await reads.aclose()


class _ResettingProxy:
    """A TCP proxy to PostgreSQL, in threads of its own, that can reset its clients'
    connections (RST, not FIN), as a dying server or a middlebox does."""

    def __init__(self, host: str, port: int) -> None:
        self._upstream = (host, port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._clients: list[socket.socket] = []
        self._pumps: list[threading.Thread] = []
        self._stopping = threading.Event()
        self.sent = threading.Event()  # a client sent something since it was cleared
        self._start(self._accept)

    def reset_clients(self, *, first: bytes = b"") -> None:
        """Send each client `first`, then reset its connection. It blocks the caller until
        both have reached the client's socket, so the caller's event loop sees them together."""
        self._stopping.set()
        for pump in self._pumps:
            pump.join()
        for client in self._clients:
            client.sendall(first)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()

    def close(self) -> None:
        self._stopping.set()
        self._listener.close()
        for pump in self._pumps:
            pump.join()
        for client in self._clients:
            client.close()

    def _start(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._pumps.append(thread)
        thread.start()

    def _accept(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(self._upstream)
            self._clients.append(client)
            self._start(self._pump, client, upstream, True)
            self._start(self._pump, upstream, client, False)

    def _pump(self, source: socket.socket, sink: socket.socket, up: bool) -> None:
        source.settimeout(0.05)  # so that it notices reset_clients
        while not self._stopping.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if up:
                self.sent.set()
            sink.sendall(data)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "first",
    [b"", b"T\x00\x00\x00\x40"],  # nothing; a row description's start
    ids=["reset", "reset behind part of an answer"],
)
def test_a_read_whose_connection_is_reset_ends_on_uvloop(first: bytes) -> None:
    """A connection reset (RST, as a dying server or a middlebox sends it) under a read, on
    uvloop as the workers run: the read ends at once as ConnectionLost (retried), it does not
    wait for the statement's answer. Behind part of an answer, the socket is readable and in
    error at once: uvloop calls the reader one last time and stops watching the socket, and
    that call reads the part, not the error."""

    async def scenario(url: str) -> None:
        target = make_url(url)
        proxy = _ResettingProxy(target.host or "127.0.0.1", target.port or 5432)
        reads = PostgresReads(target.set(port=proxy.port), max_connections=1)
        try:
            assert await reads.one("SELECT 1", None) == (1,)
            proxy.sent.clear()
            read = asyncio.create_task(reads.one("SELECT pg_sleep(5)", None))
            assert await asyncio.to_thread(proxy.sent.wait, 3)  # the statement went out
            proxy.reset_clients(first=first)
            with pytest.raises(ConnectionLost):
                await asyncio.wait_for(read, timeout=3)
        finally:
            await reads.aclose()
            proxy.close()

    with postgres_database() as url:
        uvloop.run(scenario(url))


@pytest.mark.postgres
def test_a_read_whose_backend_is_terminated_ends_as_connection_lost() -> None:
    """The server ends the session under a read (pg_terminate_backend, a failover): its
    goodbye is an error result followed by the connection's end, and the read is
    ConnectionLost (retried), whichever of them it sees first."""

    async def scenario(url: str) -> None:
        database = url.rsplit("/", 1)[1]
        reads = PostgresReads(make_url(url), max_connections=1)
        try:
            assert await reads.one("SELECT 1", None) == (1,)
            read = asyncio.create_task(reads.one("SELECT pg_sleep(5)", None))
            await asyncio.sleep(0.2)  # the statement is running
            assert await asyncio.to_thread(terminate_connections, database, wait=True) == 1
            with pytest.raises(ConnectionLost):
                await asyncio.wait_for(read, timeout=3)
        finally:
            await reads.aclose()

    with postgres_database() as url:
        uvloop.run(scenario(url))

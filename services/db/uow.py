"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.db.engine import SQLITE_BEGIN_OPTION
from services.db.repositories import (
    AiSpendRepository,
    ContentRepository,
    RefreshTokenRepository,
    SignInThrottleRepository,
    UserRepository,
)
from services.errors import ConnectionLost, Unavailable


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: use cases return views built from objects after commit.
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class SqlUnitOfWork:
    """`async with uow_factory() as uow: ...; await uow.commit()`.

    `write=True` (the default) starts the transaction with the write lock on SQLite (see
    services.db.engine._sqlite_begin); read-only use cases pass `write=False`.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        write: bool = True,
        sqlite_writer: asyncio.Lock | None = None,
    ) -> None:
        self._sessions = sessions
        self._write = write
        self._sqlite_writer = sqlite_writer
        self._holds_writer = False

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        if self._write and self.session.get_bind().dialect.name == "sqlite":
            # SQLite has one writer at a time. Writers of this process queue here, in order,
            # instead of all polling SQLite's busy handler (whose growing sleeps make the slowest
            # waiter wait seconds under load); only one per process then competes for the file.
            if self._sqlite_writer is not None:
                await self._sqlite_writer.acquire()
                self._holds_writer = True
            try:
                await self.session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            except BaseException:
                await self.__aexit__(None, None, None)
                raise
        self.users = UserRepository(self.session)
        self.content = ContentRepository(self.session)
        self.ai_spend = AiSpendRepository(self.session)
        self.refresh_tokens = RefreshTokenRepository(self.session)
        self.signin_throttles = SignInThrottleRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed and detaches loaded objects without
        # expiring them (rollback() would expire them), so views can still be built after exit.
        try:
            await self.session.close()
        except DBAPIError as error:
            # The connection died after the work: its rollback cannot run, and need not (a
            # dead connection keeps nothing uncommitted). The pool has discarded it.
            if not error.connection_invalidated:
                raise
        finally:
            if self._holds_writer and self._sqlite_writer is not None:
                self._holds_writer = False
                self._sqlite_writer.release()
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            raise ConnectionLost() from exc
        if isinstance(exc, OperationalError | InterfaceError):
            # The database refuses connections, is locked or timed out: a 503, not a bug.
            raise Unavailable("the database is unavailable, retry", retry_after=1) from exc

    async def commit(self) -> None:
        await self.session.commit()


UnitOfWorkFactory = Callable[..., SqlUnitOfWork]

P = ParamSpec("P")
R = TypeVar("R")


def retry_read(use_case: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run a read-only use case once more when its connection died under it (ConnectionLost):
    the pool has replaced the dead connections by then. Only for use cases that write nothing,
    where running twice is the same as running once."""

    @functools.wraps(use_case)
    async def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await use_case(*args, **kwargs)
        except ConnectionLost:
            return await use_case(*args, **kwargs)

    return retrying


def create_uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    sessions = create_session_factory(engine)
    sqlite_writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    def uow(*, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, write=write, sqlite_writer=sqlite_writer)

    return uow

"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.db.engine import SQLITE_BEGIN_OPTION
from services.db.repositories import (
    AiSpendRepository,
    ContentRepository,
    RefreshTokenRepository,
    SignInThrottleRepository,
    UserRepository,
)


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
        finally:
            if self._holds_writer and self._sqlite_writer is not None:
                self._holds_writer = False
                self._sqlite_writer.release()

    async def commit(self) -> None:
        await self.session.commit()


UnitOfWorkFactory = Callable[..., SqlUnitOfWork]


def create_uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    sessions = create_session_factory(engine)
    sqlite_writer = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    def uow(*, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, write=write, sqlite_writer=sqlite_writer)

    return uow

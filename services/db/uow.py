"""The unit of work: one transaction per use case, rolled back unless committed."""

from __future__ import annotations

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

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, write: bool = True) -> None:
        self._sessions = sessions
        self._write = write

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        if self._write and self.session.get_bind().dialect.name == "sqlite":
            await self.session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
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
        await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()


UnitOfWorkFactory = Callable[..., SqlUnitOfWork]


def create_uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    sessions = create_session_factory(engine)

    def uow(*, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, write=write)

    return uow

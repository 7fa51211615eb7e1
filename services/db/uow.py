"""The unit of work over SQLAlchemy: one transaction per use case, rolled back unless committed.
It carries every repository, so it satisfies each domain's unit-of-work port
(services.auth.ports.AuthUnitOfWork, services.users.ports.UsersUnitOfWork, ...)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.db.analytics_repositories import SqlAnalytics
from services.db.billing_repositories import (
    SqlBillingCustomers,
    SqlCredits,
    SqlInvoices,
    SqlStripeEvents,
    SqlSubscriptions,
)
from services.db.campaign_repositories import SqlCampaigns
from services.db.engine import SQLITE_BEGIN_OPTION, sqlite_file
from services.db.purges import SqlPurges
from services.db.repositories import (
    SqlAiSpendLedger,
    SqlContentItems,
    SqlRefreshTokens,
    SqlSignInThrottles,
    SqlUsers,
)
from services.db.schedule_repositories import SqlPosts
from services.db.sqlite_writer import SqliteWriterQueue
from services.db.vault_repositories import SqlAssets
from services.errors import ConnectionLost, DatabaseUnavailable, Unavailable


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # expire_on_commit=False: a commit needs no reload of what the repositories read.
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
        sqlite_writer: SqliteWriterQueue | None = None,
    ) -> None:
        self._sessions = sessions
        self._write = write
        self._sqlite_writer = sqlite_writer
        self._holds_writer = False

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        if self._write and self.session.get_bind().dialect.name == "sqlite":
            # SQLite has one writer at a time. Writers queue here (services.db.sqlite_writer)
            # instead of polling SQLite's busy handler, whose growing sleeps made the slowest
            # waiter wait long after the lock was free.
            if self._sqlite_writer is not None:
                await self._sqlite_writer.acquire()
                self._holds_writer = True
            try:
                await self.session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            except BaseException:
                await self.__aexit__(None, None, None)
                raise
        self.users = SqlUsers(self.session)
        self.content = SqlContentItems(self.session)
        self.ai_spend = SqlAiSpendLedger(self.session)
        self.refresh_tokens = SqlRefreshTokens(self.session)
        self.signin_throttles = SqlSignInThrottles(self.session)
        self.customers = SqlBillingCustomers(self.session)
        self.subscriptions = SqlSubscriptions(self.session)
        self.credits = SqlCredits(self.session)
        self.invoices = SqlInvoices(self.session)
        self.stripe_events = SqlStripeEvents(self.session)
        self.campaigns = SqlCampaigns(self.session)
        self.assets = SqlAssets(self.session)
        self.posts = SqlPosts(self.session)
        self.purges = SqlPurges(self.session)
        self.analytics = SqlAnalytics(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed (the repositories handed out plain
        # records, nothing that could still reach the database).
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
        if exc is not None and (failure := database_failure(exc)) is not None:
            raise failure from exc

    async def commit(self) -> None:
        await self.session.commit()


def database_failure(error: BaseException) -> Unavailable | None:
    """What a database error means to a caller, or None for anything else (a bug): the
    connection died under the work (ConnectionLost: a read may run again), or the database
    refuses connections, is locked or timed out (Unavailable: a 503, not a bug)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return ConnectionLost()
    if isinstance(error, OperationalError | InterfaceError):
        return DatabaseUnavailable()
    return None


SqlUnitOfWorkFactory = Callable[..., SqlUnitOfWork]


def create_uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    sessions = create_session_factory(engine)
    sqlite_writer = None
    if engine.dialect.name == "sqlite":
        sqlite_writer = SqliteWriterQueue(sqlite_file(engine.url))

    def uow(*, write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, write=write, sqlite_writer=sqlite_writer)

    return uow

"""Persistence: SQLAlchemy models, engine, unit of work, repositories and migrations."""

from services.db.engine import create_engine, ping
from services.db.migrate import run_migrations
from services.db.uow import (
    SqlUnitOfWork,
    SqlUnitOfWorkFactory,
    create_session_factory,
    create_uow_factory,
)

__all__ = [
    "SqlUnitOfWork",
    "SqlUnitOfWorkFactory",
    "create_engine",
    "create_session_factory",
    "create_uow_factory",
    "ping",
    "run_migrations",
]

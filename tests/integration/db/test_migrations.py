"""Migrations: one head, upgrade from empty, and the models match what they create."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from services.db.migrate import alembic_config

TABLES = {
    "users",
    "content",
    "subscriptions",
    "refresh_tokens",
    "signin_throttles",
    "ai_spend",
    "ai_reservations",
    "ai_usage",
}


def test_single_head() -> None:
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


async def test_upgrade_from_empty_creates_every_table(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    assert tables >= TABLES | {"alembic_version"}


def test_models_match_the_migrations(database_url: str) -> None:
    # alembic check fails when autogenerate would produce operations.
    command.check(alembic_config(database_url))


def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)


@pytest.mark.parametrize("table", sorted(TABLES - {"users", "signin_throttles"}))
async def test_user_foreign_keys_cascade(engine: AsyncEngine, table: str) -> None:
    async with engine.connect() as connection:
        keys = await connection.run_sync(lambda sync: inspect(sync).get_foreign_keys(table))
    assert [(key["referred_table"], key["options"].get("ondelete")) for key in keys] == [
        ("users", "CASCADE")
    ]

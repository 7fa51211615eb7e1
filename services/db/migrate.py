"""Apply the Alembic migrations (migrations/ next to alembic.ini at the repository root)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from alembic.config import Config

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]


def alembic_config(database_url: str | None = None) -> Config:
    config = Config(str(REPOSITORY_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPOSITORY_ROOT / "migrations"))
    if database_url is not None:
        config.attributes["database_url"] = database_url
    return config


def run_migrations(database_url: str, revision: str = "head") -> None:
    """Upgrade `database_url` to `revision`. Blocking: from async code prefer
    `await asyncio.to_thread(run_migrations, url)`."""
    config = alembic_config(database_url)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, revision)
        return
    # migrations/env.py runs its own event loop, which cannot nest in this thread's.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(command.upgrade, config, revision).result()

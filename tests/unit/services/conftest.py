"""Unit tests of the use cases run on the real SQLite unit of work: one migrated template file
per session, copied for each test (a copy is much faster than migrating)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.auth import Services, build_services
from support.databases import sqlite_url

from services.db import create_engine, create_uow_factory


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("template")
    sqlite_url(directory)
    return directory / "huntaze.db"


@pytest.fixture
async def services(template_database: Path, tmp_path: Path) -> AsyncIterator[Services]:
    copy = tmp_path / "huntaze.db"
    shutil.copyfile(template_database, copy)
    engine = create_engine(f"sqlite+aiosqlite:///{copy}")
    try:
        yield build_services(create_uow_factory(engine))
    finally:
        await engine.dispose()

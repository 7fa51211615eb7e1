"""The message generator's tests: a creator with restricted words on a real SQLite database."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from assistant_fakes import CREATOR_NAME, RESTRICTED

from services.common.principal import Principal
from services.db import UnitOfWorkFactory, create_engine, create_uow_factory
from services.db.models import User
from services.users.service import Profile


@pytest.fixture
async def uow_factory(template_database: Path, tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    """SQLite only, copied from the session's migrated template (see ../conftest.py)."""
    copy = tmp_path / "huntaze.db"
    shutil.copyfile(template_database, copy)
    engine = create_engine(f"sqlite+aiosqlite:///{copy}")
    try:
        yield create_uow_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def creator(uow_factory: UnitOfWorkFactory) -> Principal:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    async with uow_factory() as uow:
        user = await uow.users.add(
            User(
                email="mia@example.com",
                name=CREATOR_NAME,
                password_hash="not-used",
                subscription="pro",
                profile=Profile(restricted_words=RESTRICTED).to_json(),
                created_at=now,
                updated_at=now,
            )
        )
        await uow.commit()
    return Principal(user_id=user.id, plan="pro")

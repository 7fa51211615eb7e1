from __future__ import annotations

import pytest
from support.domain import Services, build_services
from support.fakes import MemoryDatabase


@pytest.fixture
def database() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def services(database: MemoryDatabase) -> Services:
    return build_services(database)

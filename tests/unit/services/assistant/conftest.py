"""The message generator's tests: a creator with restricted words, in memory."""

from __future__ import annotations

import pytest
from support.assistant_fakes import CREATOR_NAME, RESTRICTED
from support.fakes import MemoryDatabase, an_account

from services.common.principal import Principal
from services.users.model import Profile


@pytest.fixture
def uow_factory() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
async def creator(uow_factory: MemoryDatabase) -> Principal:
    account = an_account(
        email="mia@example.com",
        name=CREATOR_NAME,
        subscription="pro",
        profile=Profile(restricted_words=RESTRICTED),
    )
    async with uow_factory() as uow:
        await uow.users.add(account)
        await uow.commit()
    return Principal(user_id=account.id, plan="pro")

"""The account reader for use cases wired without a faster one (tests, the in-memory
database): one read-only unit of work per read."""

from __future__ import annotations

from services.common.uow import UnitOfWorkFactory
from services.users.model import Account
from services.users.ports import UsersUnitOfWork


class UnitOfWorkAccounts:
    """An AccountReader through a read-only unit of work (where no faster reader is wired)."""

    def __init__(self, uow_factory: UnitOfWorkFactory[UsersUnitOfWork]) -> None:
        self._uow = uow_factory

    async def account(self, user_id: str) -> Account | None:
        async with self._uow(write=False) as uow:
            return await uow.users.get(user_id)

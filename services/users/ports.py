"""What the account use cases need of persistence."""

from __future__ import annotations

from typing import Protocol

from services.common.uow import UnitOfWork
from services.users.model import Account


class Users(Protocol):
    async def add(self, account: Account) -> None:
        """Store a new account; services.errors.Conflict when its e-mail is taken."""
        ...

    async def get(self, user_id: str) -> Account | None: ...

    async def get_by_email(self, email: str) -> Account | None:
        """`email` must already be normalised (services.users.model.normalise_email)."""
        ...

    async def save(self, account: Account) -> None:
        """Store an existing account's changed fields (by id)."""
        ...

    async def delete(self, user_id: str) -> bool:
        """Delete the account and everything it owns; False when there was none."""
        ...

    async def list(self, *, email_contains: str = "", limit: int = 100) -> list[Account]:
        """Oldest first; `email_contains` lower case."""
        ...


class UsersUnitOfWork(UnitOfWork, Protocol):
    users: Users


class AccountReader(Protocol):
    async def account(self, user_id: str) -> Account | None:
        """The account as committed, read by its key alone: no unit of work, for the reads
        every authenticated call makes (services.db.key_reads)."""
        ...

"""The signed-in user's own account: read, update the name and creator profile, delete."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from services.common.clock import Clock, utc_now
from services.common.security_events import SecurityEvents
from services.common.time_zones import time_zone
from services.common.uow import UnitOfWorkFactory, retry_read
from services.errors import NotFound
from services.users.accounts import UnitOfWorkAccounts
from services.users.model import PROFILE_FIELDS, UserView
from services.users.ports import AccountReader, UsersUnitOfWork


class UserService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[UsersUnitOfWork],
        *,
        clock: Clock = utc_now,
        events: SecurityEvents | None = None,
        account_changed: Callable[[str], None] = lambda user_id: None,
        accounts: AccountReader | None = None,
    ) -> None:
        """`account_changed(user_id)` is told when an account is deleted, so this process stops
        accepting its tokens at once (other workers follow within their status cache TTL).
        `accounts` reads one account (default: through a unit of work)."""
        self._uow = uow_factory
        self._accounts = accounts or UnitOfWorkAccounts(uow_factory)
        self._clock = clock
        self._events = events or SecurityEvents()
        self._account_changed = account_changed

    @retry_read
    async def get(self, user_id: str) -> UserView:
        account = await self._accounts.account(user_id)
        if account is None:
            raise NotFound("user not found")
        return account.view()

    async def update(
        self,
        user_id: str,
        *,
        name: str | None = None,
        profile_changes: Mapping[str, Any] | None = None,
    ) -> UserView:
        """Set the name (when given) and the given profile fields (`Profile` field name ->
        value); every other field is kept. Everything else is server-owned."""
        changes = dict(profile_changes or {})
        unknown = set(changes) - PROFILE_FIELDS
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        _check_timezone(changes.get("timezone"))
        async with self._uow() as uow:
            account = await uow.users.get(user_id)
            if account is None:
                raise NotFound("user not found")
            account = replace(
                account,
                name=account.name if name is None else name,
                profile=replace(account.profile, **changes),
                updated_at=self._clock(),
            )
            await uow.users.save(account)
            await uow.commit()
        return account.view()

    async def delete(self, user_id: str, *, client_address: str) -> None:
        """Delete the account; content, subscriptions and refresh tokens go with it, so every
        session of the user ends too."""
        async with self._uow() as uow:
            if not await uow.users.delete(user_id):
                raise NotFound("user not found")
            await uow.commit()
        self._account_changed(user_id)
        self._events.record("account_deleted", user_id=user_id, client_address=client_address)


def _check_timezone(timezone: str | None) -> None:
    """An IANA time zone name (scheduling depends on it) or empty (not set)."""
    if timezone:
        time_zone(timezone, "profile.timezone")

"""The operator's account commands: list accounts, change a plan, deactivate or reactivate.
Each is one unit of work, and each is a security event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from services.auth.ports import RefreshTokens
from services.common.clock import Clock, utc_now
from services.common.security_events import SecurityEvents
from services.common.uow import UnitOfWorkFactory
from services.errors import InvalidArgument, NotFound
from services.users.model import PLANS, Account, UserView, normalise_email
from services.users.ports import UsersUnitOfWork

# The "client address" of what an operator does from a shell.
OPERATOR = "operator"


class AdminUnitOfWork(UsersUnitOfWork, Protocol):
    refresh_tokens: RefreshTokens


@dataclass(frozen=True)
class AccountChange:
    user: UserView
    revoked_sessions: int = 0


class AccountAdmin:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[AdminUnitOfWork],
        *,
        clock: Clock = utc_now,
        events: SecurityEvents | None = None,
        account_changed: Callable[[str], None] = lambda user_id: None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._events = events or SecurityEvents()
        self._account_changed = account_changed

    async def list(self, *, email_contains: str = "", limit: int = 100) -> list[UserView]:
        """Accounts, oldest first; `email_contains` filters case-insensitively."""
        async with self._uow(write=False) as uow:
            accounts = await uow.users.list(email_contains=email_contains.lower(), limit=limit)
        return [account.view() for account in accounts]

    async def set_plan(self, email: str, plan: str) -> AccountChange:
        """The plan reaches the user's access tokens at their next refresh (within 15 min)."""
        if plan not in PLANS:
            raise InvalidArgument(f"plan must be one of {', '.join(PLANS)}")
        async with self._uow() as uow:
            account = replace(
                await _account(uow, email), subscription=plan, updated_at=self._clock()
            )
            await uow.users.save(account)
            await uow.commit()
        self._events.record(
            "plan_set_by_operator", user_id=account.id, client_address=OPERATOR, plan=plan
        )
        return AccountChange(account.view())

    async def set_active(self, email: str, active: bool) -> AccountChange:
        """Deactivating ends every session: refresh tokens are revoked now and access tokens
        are refused within the account status TTL (ACCOUNT_STATUS_TTL_SECONDS)."""
        revoked = 0
        now = self._clock()
        async with self._uow() as uow:
            account = replace(await _account(uow, email), is_active=active, updated_at=now)
            await uow.users.save(account)
            if not active:
                revoked = await uow.refresh_tokens.revoke_all_of_user(account.id, now=now)
            await uow.commit()
        self._account_changed(account.id)
        event = "account_reactivated" if active else "account_deactivated"
        self._events.record(
            event, user_id=account.id, client_address=OPERATOR, revoked_sessions=revoked
        )
        return AccountChange(account.view(), revoked_sessions=revoked)


async def _account(uow: AdminUnitOfWork, email: str) -> Account:
    account = await uow.users.get_by_email(normalise_email(email))
    if account is None:
        raise NotFound(f"no account with the e-mail {email}")
    return account

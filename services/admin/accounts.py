"""What an operator does to accounts (`python -m server.admin`): list them, change a plan,
deactivate or reactivate. Each is one unit of work, and each is a security event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from services.common.clock import Clock, utc_now
from services.common.security_events import SecurityEvents
from services.db.models import User
from services.db.uow import SqlUnitOfWork, UnitOfWorkFactory
from services.errors import InvalidArgument, NotFound
from services.users.service import UserView, normalise_email, user_view

PLANS = ("free", "pro", "enterprise")
# The "client address" of what an operator does from a shell.
OPERATOR = "operator"


@dataclass(frozen=True)
class AccountChange:
    user: UserView
    revoked_sessions: int = 0


class AccountAdmin:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
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
            users = await uow.users.list(email_contains=email_contains.lower(), limit=limit)
            return [user_view(user) for user in users]

    async def set_plan(self, email: str, plan: str) -> AccountChange:
        """The plan reaches the user's access tokens at their next refresh (within 15 min)."""
        if plan not in PLANS:
            raise InvalidArgument(f"plan must be one of {', '.join(PLANS)}")
        async with self._uow() as uow:
            user = await self._get(uow, email)
            user.subscription = plan
            user.updated_at = self._clock()
            await uow.commit()
        self._events.record(
            "plan_set_by_operator", user_id=user.id, client_address=OPERATOR, plan=plan
        )
        return AccountChange(user_view(user))

    async def set_active(self, email: str, active: bool) -> AccountChange:
        """Deactivating ends every session: refresh tokens are revoked now and access tokens
        are refused within the account status TTL (ACCOUNT_STATUS_TTL_SECONDS)."""
        revoked = 0
        async with self._uow() as uow:
            user = await self._get(uow, email)
            user.is_active = active
            user.updated_at = self._clock()
            if not active:
                revoked = await uow.refresh_tokens.revoke_all_of_user(user.id, now=self._clock())
            await uow.commit()
        self._account_changed(user.id)
        event = "account_reactivated" if active else "account_deactivated"
        self._events.record(
            event, user_id=user.id, client_address=OPERATOR, revoked_sessions=revoked
        )
        return AccountChange(user_view(user), revoked_sessions=revoked)

    @staticmethod
    async def _get(uow: SqlUnitOfWork, email: str) -> User:
        user = await uow.users.get_by_email(normalise_email(email))
        if user is None:
            raise NotFound(f"no account with the e-mail {email}")
        return user

"""What the auth use cases need of persistence."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.auth.model import RefreshToken, Throttle
from services.common.uow import UnitOfWork
from services.users.ports import Users


class RefreshTokens(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get_by_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> RefreshToken | None:
        """`for_update` holds the token until commit, so concurrent refreshes of one token
        queue and the later one sees it used."""
        ...

    async def mark_used(self, token_id: str, *, replaced_by_id: str, now: datetime) -> bool:
        """Use an unused, unrevoked token, exactly once: False if it was not."""
        ...

    async def revoke_unused(
        self, family_id: str, *, except_id: str, created_before: datetime, now: datetime
    ) -> int:
        """Revoke the family's never-used tokens issued before `created_before`, but one."""
        ...

    async def revoke_family(self, family_id: str, *, now: datetime) -> int: ...

    async def revoke_all_of_user(self, user_id: str, *, now: datetime) -> int: ...


class SignInThrottles(Protocol):
    async def get(self, email_hash: str, client_address: str) -> Throttle | None: ...

    async def get_for_update(
        self, email_hash: str, client_address: str, *, now: datetime
    ) -> Throttle:
        """The pair's throttle, created (no failures) if missing, held until commit so
        concurrent failures are all counted."""
        ...

    async def save(self, email_hash: str, client_address: str, throttle: Throttle) -> None: ...

    async def clear(self, email_hash: str, client_address: str) -> None: ...


class AuthUnitOfWork(UnitOfWork, Protocol):
    users: Users
    refresh_tokens: RefreshTokens
    signin_throttles: SignInThrottles

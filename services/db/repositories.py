"""Small repositories: the queries the use cases need, nothing generic."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import (
    AiReservation,
    AiSpend,
    AiUsage,
    Content,
    RefreshToken,
    SignInThrottle,
    User,
)


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> User:
        """Insert now, so a duplicate e-mail raises IntegrityError here rather than at commit."""
        self._session.add(user)
        await self._session.flush()
        return user

    async def get(self, user_id: str) -> User | None:
        return await self._session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        """`email` must already be normalised (services.users.normalise_email)."""
        return await self._session.scalar(select(User).where(User.email == email))

    async def list(self, *, email_contains: str = "", limit: int = 100) -> list[User]:
        """Oldest first; `email_contains` must be lower case (e-mails are stored so)."""
        query = select(User).order_by(User.created_at, User.id).limit(limit)
        if email_contains:
            query = query.where(User.email.contains(email_contains, autoescape=True))
        return list(await self._session.scalars(query))

    async def delete(self, user_id: str) -> bool:
        """Delete the user; the database cascades to everything the user owns."""
        result = await self._session.execute(delete(User).where(User.id == user_id))
        return result.rowcount > 0


def _insert_for(session: AsyncSession) -> Callable[..., Any]:
    """The dialect's INSERT, which knows ON CONFLICT DO NOTHING."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


class AiSpendRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_month(self, user_id: str, month: str, *, now: datetime) -> AiSpend:
        """The user's spend row for `month`, created if missing, locked until commit (FOR UPDATE
        on PostgreSQL; SQLite write transactions are serialised) so reservations queue."""
        await self._session.execute(
            _insert_for(self._session)(AiSpend)
            .values(user_id=user_id, month=month, spent_micros=0, updated_at=now)
            .on_conflict_do_nothing()
        )
        row = await self._session.scalar(
            select(AiSpend)
            .where(AiSpend.user_id == user_id, AiSpend.month == month)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None  # inserted above; only a user delete removes it
        return row

    async def reserved_micros(self, user_id: str, month: str, *, now: datetime) -> int:
        """Budget held by calls still in flight. Expired reservations (their worker died before
        settling) are deleted on the way, so they neither count nor pile up."""
        mine = (AiReservation.user_id == user_id, AiReservation.month == month)
        await self._session.execute(
            delete(AiReservation).where(*mine, AiReservation.expires_at <= now)
        )
        total = await self._session.scalar(
            select(func.coalesce(func.sum(AiReservation.amount_micros), 0)).where(*mine)
        )
        return int(total or 0)

    async def add_reservation(self, reservation: AiReservation) -> None:
        self._session.add(reservation)
        await self._session.flush()

    async def settle(
        self, reservation_id: str, *, user_id: str, month: str, cost_micros: int, now: datetime
    ) -> None:
        """Release the reservation and charge the real cost to its month."""
        await self._session.execute(delete(AiReservation).where(AiReservation.id == reservation_id))
        await self._session.execute(
            update(AiSpend)
            .where(AiSpend.user_id == user_id, AiSpend.month == month)
            .values(spent_micros=AiSpend.spent_micros + cost_micros, updated_at=now)
        )

    async def add_usage(self, usage: AiUsage) -> None:
        self._session.add(usage)
        await self._session.flush()

    async def spent_micros(self, user_id: str, month: str) -> int:
        row = await self._session.get(AiSpend, (user_id, month))
        return row.spent_micros if row is not None else 0


class ContentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_all(self, items: list[Content]) -> list[Content]:
        self._session.add_all(items)
        await self._session.flush()
        return items

    async def list_for_user(self, user_id: str) -> list[Content]:
        """The user's content, newest first."""
        query = (
            select(Content)
            .where(Content.user_id == user_id)
            .order_by(Content.created_at.desc(), Content.id)
        )
        return list(await self._session.scalars(query))


class RefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> RefreshToken:
        self._session.add(token)
        await self._session.flush()
        return token

    async def get_by_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> RefreshToken | None:
        """`for_update` locks the row on PostgreSQL, so concurrent refreshes of one token queue
        and the later one sees the token already used (SQLite serialises writers anyway)."""
        query = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        if for_update:
            query = query.with_for_update()
        return await self._session.scalar(query)

    async def mark_used(self, token_id: str, *, replaced_by_id: str, now: datetime) -> bool:
        """Rotate: only an unused, unrevoked token can be used, exactly once."""
        result = await self._session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=now, replaced_by_id=replaced_by_id)
        )
        return result.rowcount == 1

    async def revoke_unused(
        self, family_id: str, *, except_id: str, created_before: datetime, now: datetime
    ) -> int:
        """Revoke the family's never-used tokens issued before `created_before`, but one."""
        result = await self._session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.family_id == family_id,
                RefreshToken.id != except_id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
                RefreshToken.created_at <= created_before,
            )
            .values(revoked_at=now)
        )
        return result.rowcount

    async def revoke_all_of_user(self, user_id: str, *, now: datetime) -> int:
        result = await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount

    async def revoke_family(self, family_id: str, *, now: datetime) -> int:
        result = await self._session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount


@dataclass(frozen=True)
class ThrottleState:
    failures: int
    locked_until: datetime | None


class SignInThrottleRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, email_hash: str, client_address: str) -> SignInThrottle | None:
        return await self._session.get(SignInThrottle, (email_hash, client_address))

    async def record_failure(
        self,
        email_hash: str,
        client_address: str,
        *,
        now: datetime,
        max_failures: int,
        window: timedelta,
    ) -> ThrottleState:
        """Count one failure; the `max_failures`-th within `window` locks the pair for `window`.

        The row is created if missing and then locked (FOR UPDATE on PostgreSQL; SQLite writers
        are serialised), so concurrent failures are all counted.
        """
        insert = _insert_for(self._session)(SignInThrottle)
        await self._session.execute(
            insert.values(
                email_hash=email_hash,
                client_address=client_address,
                failures=0,
                last_failed_at=now,
                locked_until=None,
            ).on_conflict_do_nothing()
        )
        row = await self._session.scalar(
            select(SignInThrottle)
            .where(
                SignInThrottle.email_hash == email_hash,
                SignInThrottle.client_address == client_address,
            )
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None  # inserted above, and only deleted by clear() of this pair
        stale = row.last_failed_at <= now - window or (
            row.locked_until is not None and row.locked_until <= now
        )
        failures = 1 if stale else row.failures + 1
        locked_until = None
        if failures >= max_failures:
            failures, locked_until = 0, now + window
        row.failures, row.last_failed_at, row.locked_until = failures, now, locked_until
        await self._session.flush()
        return ThrottleState(failures, locked_until)

    async def clear(self, email_hash: str, client_address: str) -> None:
        await self._session.execute(
            delete(SignInThrottle).where(
                SignInThrottle.email_hash == email_hash,
                SignInThrottle.client_address == client_address,
            )
        )

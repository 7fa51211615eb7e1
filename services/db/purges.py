"""The maintenance purges (services.maintenance.Purges) over SQLAlchemy."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from services.db.models import AiReservationRow, RefreshTokenRow, SignInThrottleRow


class SqlPurges:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def expired_refresh_tokens(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(RefreshTokenRow).where(RefreshTokenRow.expires_at < before)
        )
        return result.rowcount

    async def stale_signin_throttles(self, before: datetime, now: datetime) -> int:
        row = SignInThrottleRow
        result = await self._session.execute(
            delete(row).where(
                row.last_failed_at < before,
                or_(row.locked_until.is_(None), row.locked_until < now),
            )
        )
        return result.rowcount

    async def expired_ai_reservations(self, now: datetime) -> int:
        result = await self._session.execute(
            delete(AiReservationRow).where(AiReservationRow.expires_at < now)
        )
        return result.rowcount

"""Monthly AI budgets per plan: reserve before the upstream call, settle after.

A reservation holds the worst-case cost of the call (prompt estimate + max_tokens at the
dearest deployment of the route) in the database, under the user's month row lock, so N
concurrent requests can never admit more than the budget between them: each one sees the
others' holds. Settling releases the hold and charges the real cost from the API's usage.
A worker that dies mid-call leaves a reservation that stops counting at its expiry.

Only priced calls touch the database: a route whose deployments are all free (the offline
provider) reserves nothing and is never refused.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from services.ai.model import Usage
from services.ai.token_prices import MICROS_PER_USD
from services.common.ids import IdGenerator, new_id
from services.common.principal import Principal
from services.common.uow import UnitOfWork, UnitOfWorkFactory
from services.errors import QuotaExceeded


@dataclass(frozen=True)
class Reservation:
    user_id: str
    month: str
    amount_micros: int
    id: str | None = None  # None: nothing was held (a free route)


@dataclass(frozen=True)
class UsageRecord:
    task: str
    deployment: str
    model: str
    usage: Usage
    cost_micros: int


class AiSpendLedger(Protocol):
    """Each user's spend per calendar month, the reservations in flight, the usage ledger."""

    async def lock_month(self, user_id: str, month: str, *, now: datetime) -> int:
        """What the user spent in `month` (micro-dollars); the month is held until commit, so
        reservations of one user queue."""
        ...

    async def reserved_micros(self, user_id: str, month: str, *, now: datetime) -> int:
        """Budget held by calls still in flight; expired reservations stop counting (and are
        purged on the way)."""
        ...

    async def add_reservation(
        self, reservation: Reservation, *, created_at: datetime, expires_at: datetime
    ) -> None: ...

    async def settle(
        self, reservation_id: str, *, user_id: str, month: str, cost_micros: int, now: datetime
    ) -> None:
        """Release the reservation and charge the real cost to its month."""
        ...

    async def add_usage(self, user_id: str, record: UsageRecord, *, now: datetime) -> None: ...

    async def spent_micros(self, user_id: str, month: str) -> int: ...


class BudgetUnitOfWork(UnitOfWork, Protocol):
    ai_spend: AiSpendLedger


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def seconds_until_next_month(moment: datetime) -> float:
    moment = moment.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return (datetime(year, month, 1, tzinfo=UTC) - moment).total_seconds()


class AiBudget:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[BudgetUnitOfWork],
        *,
        monthly_budget_usd: Mapping[str, float],
        reservation_ttl_seconds: float,
        clock: Callable[[], datetime],
        ids: IdGenerator = new_id,
    ) -> None:
        self._uow_factory = uow_factory
        self._new_id = ids
        self._budget_micros = {
            plan: round(usd * MICROS_PER_USD) for plan, usd in monthly_budget_usd.items()
        }
        self._ttl = timedelta(seconds=reservation_ttl_seconds)
        self._clock = clock

    def budget_micros(self, plan: str) -> int:
        """The plan's monthly budget; an unknown plan gets the free plan's."""
        return self._budget_micros.get(plan, self._budget_micros.get("free", 0))

    async def reserve(self, caller: Principal, amount_micros: int) -> Reservation:
        """Hold `amount_micros` of the caller's month, or raise QuotaExceeded (429)."""
        now = self._clock()
        month = month_of(now)
        if amount_micros <= 0:
            return Reservation(caller.user_id, month, 0)
        budget = self.budget_micros(caller.plan)
        async with self._uow_factory() as uow:
            spent = await uow.ai_spend.lock_month(caller.user_id, month, now=now)
            held = await uow.ai_spend.reserved_micros(caller.user_id, month, now=now)
            if spent + held + amount_micros > budget:
                raise QuotaExceeded(
                    f"The monthly AI budget of the {caller.plan} plan "
                    f"(${budget / MICROS_PER_USD:.2f}) is used up",
                    retry_after=seconds_until_next_month(now),
                )
            reservation = Reservation(caller.user_id, month, amount_micros, self._new_id())
            await uow.ai_spend.add_reservation(
                reservation, created_at=now, expires_at=now + self._ttl
            )
            await uow.commit()
        return reservation

    async def settle(self, reservation: Reservation, record: UsageRecord | None) -> None:
        """Release the hold and charge the real cost (`record` None: nothing was used)."""
        if reservation.id is None:
            return
        now = self._clock()
        cost = record.cost_micros if record is not None else 0
        async with self._uow_factory() as uow:
            await uow.ai_spend.settle(
                reservation.id,
                user_id=reservation.user_id,
                month=reservation.month,
                cost_micros=cost,
                now=now,
            )
            if record is not None:
                await uow.ai_spend.add_usage(reservation.user_id, record, now=now)
            await uow.commit()

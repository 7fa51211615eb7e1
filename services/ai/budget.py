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

from services.ai.model import Usage
from services.ai.token_prices import MICROS_PER_USD
from services.common.principal import Principal
from services.db.models import AiReservation, AiUsage, new_id
from services.db.uow import UnitOfWorkFactory
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


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def seconds_until_next_month(moment: datetime) -> float:
    moment = moment.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return (datetime(year, month, 1, tzinfo=UTC) - moment).total_seconds()


class AiBudget:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        monthly_budget_usd: Mapping[str, float],
        reservation_ttl_seconds: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow_factory = uow_factory
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
            spend = await uow.ai_spend.lock_month(caller.user_id, month, now=now)
            held = await uow.ai_spend.reserved_micros(caller.user_id, month, now=now)
            if spend.spent_micros + held + amount_micros > budget:
                raise QuotaExceeded(
                    f"The monthly AI budget of the {caller.plan} plan "
                    f"(${budget / MICROS_PER_USD:.2f}) is used up",
                    retry_after=seconds_until_next_month(now),
                )
            reservation = AiReservation(
                id=new_id(),
                user_id=caller.user_id,
                month=month,
                amount_micros=amount_micros,
                created_at=now,
                expires_at=now + self._ttl,
            )
            await uow.ai_spend.add_reservation(reservation)
            await uow.commit()
        return Reservation(caller.user_id, month, amount_micros, reservation.id)

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
                await uow.ai_spend.add_usage(
                    AiUsage(
                        user_id=reservation.user_id,
                        task=record.task,
                        deployment=record.deployment,
                        model=record.model,
                        prompt_tokens=record.usage.prompt_tokens,
                        completion_tokens=record.usage.completion_tokens,
                        cost_micros=cost,
                        created_at=now,
                    )
                )
            await uow.commit()

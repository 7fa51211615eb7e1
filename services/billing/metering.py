"""Metered message generation: each generated message spends one unit, allowance first, then
purchased credits (services.billing.ledger). Units are reserved before the model is called and
given back if the generation fails, so a failure spends nothing and two concurrent requests
cannot both spend the last unit."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from services.billing.ledger import allowance_used, month_of, next_month_start, split_spend
from services.billing.model import LedgerEntry
from services.billing.ports import BillingUnitOfWork
from services.common.clock import Clock
from services.common.ids import IdGenerator
from services.common.uow import UnitOfWorkFactory
from services.errors import NotFound, PaymentRequired


@dataclass(frozen=True)
class Reservation:
    id: str
    user_id: str
    month: str
    from_allowance: int
    from_credits: int


class MessageMeter:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[BillingUnitOfWork],
        allowances: dict[str, int],
        *,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow_factory
        self._allowances = allowances
        self._clock = clock
        self._ids = ids

    async def reserve(self, user_id: str, units: int) -> Reservation:
        """Spend `units` now; PaymentRequired (nothing spent) when allowance and credits fall
        short."""
        now = self._clock()
        month = month_of(now)
        async with self._uow() as uow:
            account = await uow.credits.lock_account(user_id)
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("user not found")
            allowance = self._allowances.get(user.subscription, 0)
            spend = split_spend(account, units, allowance=allowance, month=month)
            if spend is None:
                raise PaymentRequired(
                    "no messages left: this month's allowance is used and no credits remain",
                    metadata={
                        "balance": str(account.balance),
                        "monthlyAllowance": str(allowance),
                        "resetsAt": next_month_start(now).isoformat().replace("+00:00", "Z"),
                        "buy": "/api/billing/message-packs/checkout",
                    },
                )
            reservation = Reservation(
                self._ids(), user_id, month, spend.from_allowance, spend.from_credits
            )
            account = dataclasses.replace(
                account,
                balance=account.balance - spend.from_credits,
                allowance_month=month,
                allowance_used=allowance_used(account, month) + spend.from_allowance,
            )
            await uow.credits.add_entry(
                LedgerEntry(
                    id=self._ids(),
                    user_id=user_id,
                    source=f"usage:{reservation.id}",
                    kind="usage",
                    amount=-spend.from_credits,
                    allowance=spend.from_allowance,
                    frozen=0,
                    balance_after=account.balance,
                    description=f"{units} generated message(s)",
                    created_at=now,
                )
            )
            await uow.credits.save_account(account)
            await uow.commit()
        return reservation

    async def give_back(self, reservation: Reservation, units: int) -> None:
        """Return `units` of a reservation (credits first); allowance only within its month."""
        from_credits = min(units, reservation.from_credits)
        from_allowance = min(units - from_credits, reservation.from_allowance)
        now = self._clock()
        async with self._uow() as uow:
            account = await uow.credits.lock_account(reservation.user_id)
            if account.allowance_month != reservation.month:
                from_allowance = 0
            account = dataclasses.replace(
                account,
                balance=account.balance + from_credits,
                allowance_used=account.allowance_used - from_allowance,
            )
            added = await uow.credits.add_entry(
                LedgerEntry(
                    id=self._ids(),
                    user_id=reservation.user_id,
                    source=f"usage-return:{reservation.id}",
                    kind="usage_return",
                    amount=from_credits,
                    allowance=-from_allowance,
                    frozen=0,
                    balance_after=account.balance,
                    description=f"{units} message(s) not generated",
                    created_at=now,
                )
            )
            if added:
                await uow.credits.save_account(account)
                await uow.commit()

"""The credit rules, pure (README, "Billing: the message ledger").

A generated message costs one unit: first from the plan's monthly allowance (calendar month,
UTC), then from purchased credits. Refunds take back the refunded share of that purchase's
credits and a lost dispute all of them, but only what the balance still holds: credits already
spent on messages are not clawed back, and the balance never goes negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.billing.model import CreditAccount


@dataclass(frozen=True)
class Spend:
    from_allowance: int
    from_credits: int


def month_of(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def next_month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def allowance_used(account: CreditAccount, month: str) -> int:
    """Used allowance of `month` (a new month starts at zero)."""
    return account.allowance_used if account.allowance_month == month else 0


def split_spend(account: CreditAccount, units: int, *, allowance: int, month: str) -> Spend | None:
    """How `units` are paid, allowance first; None when allowance and credits together fall
    short (then nothing is spent)."""
    left = max(0, allowance - allowance_used(account, month))
    from_allowance = min(units, left)
    from_credits = units - from_allowance
    if from_credits > account.balance:
        return None
    return Spend(from_allowance, from_credits)


def refund_claim(credits: int, amount_paid: int, amount_refunded: int) -> int:
    """The credits a cumulative refund of `amount_refunded` (of `amount_paid`) takes back,
    rounded down in the buyer's favour; all of them for a full refund."""
    if amount_paid <= 0 or amount_refunded <= 0:
        return 0
    if amount_refunded >= amount_paid:
        return credits
    return credits * amount_refunded // amount_paid

"""The pure billing rules: which plan subscriptions give, and how credits are spent and taken
back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.billing.ledger import (
    Spend,
    month_of,
    next_month_start,
    refund_claim,
    split_spend,
)
from services.billing.model import CreditAccount
from services.billing.plans import plan_of


@pytest.mark.parametrize(
    ("status", "plan"),
    [
        ("active", "pro"),
        ("trialing", "pro"),
        ("past_due", "pro"),
        ("canceled", "free"),
        ("unpaid", "free"),
        ("incomplete_expired", "free"),
        ("paused", "free"),
    ],
)
def test_each_status_gives_its_documented_plan(status: str, plan: str) -> None:
    assert plan_of("free", [(status, "pro")]) == plan
    assert plan_of("pro", [(status, "pro")]) == plan


def test_incomplete_neither_grants_nor_takes_away() -> None:
    assert plan_of("free", [("incomplete", "pro")]) == "free"
    assert plan_of("pro", [("incomplete", "enterprise")]) == "pro"


def test_the_highest_granting_subscription_wins() -> None:
    subscriptions = [("active", "pro"), ("past_due", "enterprise"), ("canceled", "enterprise")]
    assert plan_of("free", subscriptions) == "enterprise"


def test_a_price_this_server_does_not_sell_grants_nothing() -> None:
    assert plan_of("pro", [("active", "")]) == "free"


NOV = "2026-11"


def test_allowance_is_spent_before_credits() -> None:
    account = CreditAccount("u", balance=5, allowance_month=NOV, allowance_used=8)
    assert split_spend(account, 3, allowance=10, month=NOV) == Spend(2, 1)


def test_a_new_month_starts_the_allowance_again() -> None:
    account = CreditAccount("u", balance=0, allowance_month="2026-10", allowance_used=10)
    assert split_spend(account, 3, allowance=10, month=NOV) == Spend(3, 0)


def test_short_of_units_nothing_is_split() -> None:
    account = CreditAccount("u", balance=1, allowance_month=NOV, allowance_used=10)
    assert split_spend(account, 2, allowance=10, month=NOV) is None
    assert split_spend(account, 1, allowance=10, month=NOV) == Spend(0, 1)


def test_months_are_utc_calendar_months() -> None:
    late = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert month_of(late) == "2026-12"
    assert next_month_start(late) == datetime(2027, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("refunded", "claim"), [(0, 0), (450, 50), (449, 49), (900, 100), (1000, 100)]
)
def test_refunds_claim_their_share_rounded_for_the_buyer(refunded: int, claim: int) -> None:
    assert refund_claim(100, 900, refunded) == claim

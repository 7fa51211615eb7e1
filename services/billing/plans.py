"""Which plan a user's Stripe subscriptions give (README, "Billing: statuses and plans").

    active, trialing       the price's plan
    past_due               the price's plan: Stripe is still retrying the payment
    incomplete             no say: the first payment awaits the buyer (SCA); it never takes an
                           existing plan away, and gives none yet
    canceled, unpaid,      free
    incomplete_expired,
    paused

Of several subscriptions the highest plan wins; with none that grants and one `incomplete`,
the plan stays what it was. A price that is not configured grants nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

GRANTING = frozenset({"active", "trialing", "past_due"})
UNDECIDED = frozenset({"incomplete"})
# A subscription that still counts as the user's own: a second one would be bought twice.
LIVE = GRANTING | UNDECIDED
RANK = {"free": 0, "pro": 1, "enterprise": 2}


def plan_of(current: str, subscriptions: Sequence[tuple[str, str | None]]) -> str:
    """The plan from (status, plan of its price) pairs; `current` when only undecided ones say
    anything."""
    granted = [plan for status, plan in subscriptions if status in GRANTING and plan]
    if granted:
        return max(granted, key=RANK.__getitem__)
    undecided = any(status in UNDECIDED for status, _ in subscriptions)
    return current if undecided else "free"

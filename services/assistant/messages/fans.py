"""What a message should achieve with this fan, from their subscription and spending."""

from __future__ import annotations

from typing import Literal

Situation = Literal["win_back", "convert_trial", "welcome", "re_engage", "appreciate", "nurture"]

# Active fans who have not bought for this long are nudged back.
RE_ENGAGE_AFTER_DAYS = 30

SITUATION_GOALS: dict[Situation, str] = {
    "win_back": "the fan's subscription has ended: win them back warmly, without guilt-tripping",
    "convert_trial": "the fan is on a trial: make them want to stay once it ends",
    "welcome": "the fan is new: welcome them and make them feel noticed",
    "re_engage": "the fan has not bought anything for a while: re-engage them gently",
    "appreciate": "the fan is one of the top supporters: show genuine appreciation",
    "nurture": "keep the relationship warm and personal",
}


def fan_situation(
    *,
    spend_tier: str | None,
    days_since_purchase: int | None,
    subscription_status: str | None,
) -> Situation:
    """One goal per message, most urgent first: a lapsed subscription outweighs everything, a
    long silence outweighs a high spend tier (a VIP who stopped buying needs re-engaging)."""
    if subscription_status in ("expired", "cancelled"):
        return "win_back"
    if subscription_status == "trial":
        return "convert_trial"
    if spend_tier == "new":
        return "welcome"
    if days_since_purchase is not None and days_since_purchase >= RE_ENGAGE_AFTER_DAYS:
        return "re_engage"
    if spend_tier in ("high", "vip"):
        return "appreciate"
    return "nurture"

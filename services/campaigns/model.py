"""Campaign records and the rules on their dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.errors import FieldViolation, InvalidArgument

STATUSES = ("draft", "active", "paused", "completed")


@dataclass(frozen=True)
class PostCounts:
    """How many of a campaign's posts are in each state ("publishing" counts as scheduled)."""

    scheduled: int = 0
    published: int = 0
    failed: int = 0
    cancelled: int = 0

    @classmethod
    def of(cls, by_status: dict[str, int]) -> PostCounts:
        return cls(
            scheduled=by_status.get("scheduled", 0) + by_status.get("publishing", 0),
            published=by_status.get("published", 0),
            failed=by_status.get("failed", 0),
            cancelled=by_status.get("cancelled", 0),
        )


@dataclass(frozen=True)
class Campaign:
    id: str
    user_id: str
    title: str
    description: str
    status: str  # STATUSES
    platforms: tuple[str, ...]
    budget_cents: int  # USD cents: money is never a float in storage
    starts_at: datetime | None
    ends_at: datetime | None
    created_at: datetime
    updated_at: datetime
    posts: PostCounts = PostCounts()


@dataclass(frozen=True)
class CampaignChanges:
    """A PATCH: None leaves the field as it is."""

    title: str | None = None
    description: str | None = None
    status: str | None = None
    budget_cents: int | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def check_dates(campaign: Campaign) -> None:
    """A campaign cannot end before it starts (also when a PATCH moves only one end)."""
    if campaign.starts_at and campaign.ends_at and campaign.ends_at <= campaign.starts_at:
        raise InvalidArgument(
            "endsAt must be after startsAt",
            [FieldViolation("ends_at", "must be after the start", "campaign.dates_ordered")],
        )


def cents(usd: float) -> int:
    return round(usd * 100)

"""Scheduled posts: their states, their per-platform deliveries, and the rules on times.

    scheduled --claim--> publishing --all sent--> published
        ^                    |  \\--refused, or out of attempts--> failed
        |                    \\--transient failure: retry later--/ (back to scheduled)
        \\-- reschedule/edit (only while scheduled)        scheduled --cancel--> cancelled

A post is claimed only while scheduled and due; edits and cancellation are refused while it is
publishing: so a cancelled or rescheduled post is never sent for its old time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.errors import Conflict, FieldViolation, InvalidArgument

SCHEDULED = "scheduled"
PUBLISHING = "publishing"
PUBLISHED = "published"
CANCELLED = "cancelled"
FAILED = "failed"
STATUSES = (SCHEDULED, PUBLISHING, PUBLISHED, CANCELLED, FAILED)
# Deliveries.
PENDING = "pending"
SENT = "sent"
MISSED = "missed"


class PostNotScheduled(Conflict):
    reason = "POST_NOT_SCHEDULED"


@dataclass(frozen=True)
class DeliveryState:
    platform: str
    status: str  # pending | sent | failed
    attempts: int = 0
    last_error: str = ""
    sent_at: datetime | None = None


@dataclass(frozen=True)
class Post:
    id: str
    user_id: str
    title: str
    description: str
    content_type: str
    platforms: tuple[str, ...]
    asset_ids: tuple[str, ...]
    campaign_id: str | None
    content_id: str | None
    scheduled_at: datetime
    status: str
    due_at: datetime
    attempts: int
    failure_reason: str
    published_at: datetime | None
    created_at: datetime
    updated_at: datetime
    deliveries: tuple[DeliveryState, ...] = ()
    claimed_by: str | None = None
    lease_until: datetime | None = None

    def delivery(self, platform: str) -> DeliveryState:
        for state in self.deliveries:
            if state.platform == platform:
                return state
        return DeliveryState(platform, PENDING)


@dataclass(frozen=True)
class PostDraft:
    title: str
    description: str
    content_type: str
    platforms: tuple[str, ...]
    asset_ids: tuple[str, ...]
    campaign_id: str | None
    content_id: str | None
    scheduled_at: datetime


@dataclass(frozen=True)
class PostChanges:
    """A PATCH: None leaves the field as it is; `campaign_id` "" detaches the post."""

    title: str | None = None
    description: str | None = None
    platforms: tuple[str, ...] | None = None
    asset_ids: tuple[str, ...] | None = None
    campaign_id: str | None = None
    scheduled_at: datetime | None = None


@dataclass(frozen=True)
class PostFilter:
    start: datetime | None = None
    end: datetime | None = None
    status: str = ""
    campaign_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "status": self.status,
            "campaign": self.campaign_id,
        }


def check_time(scheduled_at: datetime, *, now: datetime, horizon: timedelta) -> None:
    """In the future (at least a second ahead) and within the horizon."""
    if scheduled_at <= now:
        raise InvalidArgument(
            "scheduledAt must be in the future",
            [FieldViolation("scheduled_at", "must be in the future", "schedule.in_future")],
        )
    if scheduled_at > now + horizon:
        raise InvalidArgument(
            f"scheduledAt must be within {horizon.days} days",
            [
                FieldViolation(
                    "scheduled_at",
                    f"must be within {horizon.days} days from now",
                    "schedule.within_horizon",
                )
            ],
        )


def idempotency_key(post_id: str, platform: str) -> str:
    return f"{post_id}:{platform}"

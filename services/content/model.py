"""The content library: a creator's pieces of content and the rules on their status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

TYPES = ("photo", "video", "story", "live")
STATUSES = ("draft", "ready", "scheduled", "published", "archived")
# What clients may set; the schedule sets "scheduled" and "published".
CLIENT_STATUSES = ("draft", "ready", "archived")
# Changed only through the schedule while in these statuses.
LOCKED_FOR_EDITS = ("scheduled", "published")


@dataclass(frozen=True)
class ContentItem:
    id: str
    user_id: str
    title: str
    body: str
    type: str  # TYPES
    status: str  # STATUSES
    ai_generated: bool
    created_at: datetime
    updated_at: datetime
    asset_ids: tuple[str, ...] = ()  # vault assets, in order


@dataclass(frozen=True)
class ContentChanges:
    """A PATCH: None leaves the field as it is (`asset_ids` () unlinks every asset)."""

    title: str | None = None
    body: str | None = None
    type: str | None = None
    status: str | None = None
    asset_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ContentFilter:
    status: str = ""
    type: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"status": self.status, "type": self.type}

"""What analytics needs of persistence: raw events plus rollups the store keeps in step with
them (services.db.analytics_repositories explains the layout)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from services.analytics.model import Event
from services.analytics.windows import Span
from services.common.uow import UnitOfWork


@dataclass
class Totals:
    """Sums over some events: revenue per source in cents, engagement counts."""

    revenue: dict[str, int] = field(default_factory=dict)
    views: int = 0
    likes: int = 0
    comments: int = 0
    messages: int = 0

    @property
    def revenue_cents(self) -> int:
        return sum(self.revenue.values())

    @property
    def interactions(self) -> int:
        return self.likes + self.comments + self.messages

    def add(self, other: Totals) -> None:
        for source, cents in other.revenue.items():
            self.revenue[source] = self.revenue.get(source, 0) + cents
        self.views += other.views
        self.likes += other.likes
        self.comments += other.comments
        self.messages += other.messages


@dataclass(frozen=True)
class ContentTotals:
    content_id: str  # "" for events that name a content type only
    content_type: str
    revenue_cents: int
    views: int
    likes: int
    comments: int


@dataclass(frozen=True)
class FanSpend:
    net_cents: int
    purchases: int


@dataclass(frozen=True)
class FanValue:
    fan_id: str
    net_cents: int
    purchases: int
    first_purchase_ms: int | None
    last_purchase_ms: int | None


@dataclass(frozen=True)
class LibraryItem:
    title: str
    type: str


class AnalyticsStore(Protocol):
    async def add(self, user_id: str, events: Sequence[Event]) -> int:
        """Store the events whose ids this user has not stored yet, and fold them into the
        rollups in the same transaction; how many were new."""
        ...

    async def daily(self, user_id: str, spans: Sequence[Span], grain: int) -> dict[int, Totals]:
        """Totals per local day number (days since 1970-01-01 in the spans' offsets) over the
        spans' instants; `grain` is the bucket size the spans respect."""
        ...

    async def totals(self, user_id: str, spans: Sequence[Span], grain: int) -> Totals:
        """Totals over the spans' instants."""
        ...

    async def days_and_hours(
        self, user_id: str, spans: Sequence[Span], grain: int
    ) -> tuple[dict[int, Totals], dict[tuple[int, int], Totals]]:
        """What daily() answers, and the totals per (local weekday, Monday 0; local hour),
        over the same spans' instants."""
        ...

    async def content(self, user_id: str, start: int, end: int) -> list[ContentTotals]:
        """Per content id and type, over instants [start, end) (epoch seconds)."""
        ...

    async def content_types(self, user_id: str, start: int, end: int) -> list[ContentTotals]:
        """Per content type (content_id ""), over instants [start, end) (epoch seconds)."""
        ...

    async def fan_spend(self, user_id: str, start: int, end: int) -> dict[str, FanSpend]:
        """Per fan with revenue events in [start, end): net cents and purchases."""
        ...

    async def first_purchases(self, user_id: str, start: int, end: int) -> dict[str, int]:
        """Fans whose first purchase ever falls in [start, end): its epoch milliseconds."""
        ...

    async def top_fans(self, user_id: str, limit: int) -> list[FanValue]:
        """Highest lifetime net spend first (ties: fan id)."""
        ...

    async def first_event_ms(self, user_id: str) -> int | None:
        """When the user's earliest event happened."""
        ...

    async def library(self, user_id: str, content_ids: Sequence[str]) -> dict[str, LibraryItem]:
        """The user's content library items among `content_ids`."""
        ...


class AnalyticsUnitOfWork(UnitOfWork, Protocol):
    analytics: AnalyticsStore

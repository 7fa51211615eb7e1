"""What the schedule's use cases and the scheduler need of persistence."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.campaigns.ports import Campaigns
from services.common.pages import Position
from services.common.uow import UnitOfWork
from services.content.ports import ContentItems
from services.scheduling.model import DeliveryState, Post, PostFilter
from services.vault.ports import Assets


class Posts(Protocol):
    async def add(self, post: Post) -> None:
        """The post, its assets (in order) and one pending delivery per platform."""
        ...

    async def get(self, user_id: str, post_id: str) -> Post | None: ...

    async def list_page(
        self, user_id: str, which: PostFilter, *, after: Position | None, limit: int
    ) -> list[Post]:
        """Soonest first (scheduled_at, then id, ascending), strictly after `after` (whose
        `created_at` holds a scheduled time)."""
        ...

    async def save(self, post: Post) -> None:
        """Store a scheduled post's edited fields, assets and deliveries (by id)."""
        ...

    async def counts(self, campaign_ids: list[str]) -> dict[str, dict[str, int]]:
        """Per campaign: how many of its posts are in each status."""
        ...

    # The scheduler's side.

    async def claim_due(
        self, *, now: datetime, claimer: str, lease_until: datetime, limit: int
    ) -> list[Post]:
        """Up to `limit` posts due (scheduled with due_at <= now, or publishing with an expired
        lease), oldest due first, now publishing and claimed by `claimer` until `lease_until`.
        Concurrent claimers never get the same post (SKIP LOCKED on PostgreSQL; SQLite's
        write lock)."""
        ...

    async def finish(
        self,
        post: Post,
        *,
        claimer: str,
        status: str,
        deliveries: tuple[DeliveryState, ...],
        attempts: int,
        due_at: datetime,
        failure_reason: str,
        published_at: datetime | None,
        now: datetime,
    ) -> bool:
        """Record a publishing round, if `claimer` still holds the claim (False: another
        scheduler took the post over after the lease ran out; nothing is changed)."""
        ...

    async def backlog(self, *, now: datetime, late_by: float) -> int:
        """Posts scheduled and due more than `late_by` seconds ago."""
        ...

    async def beat(self, name: str, now: datetime) -> None:
        """Record the scheduler's heartbeat."""
        ...

    async def last_beat(self) -> datetime | None: ...


class ScheduleUnitOfWork(UnitOfWork, Protocol):
    posts: Posts
    assets: Assets
    campaigns: Campaigns
    content: ContentItems

"""The schedule's repository (services.scheduling.ports.Posts) over SQLAlchemy, claims included.

Claiming on PostgreSQL selects the due rows `FOR UPDATE SKIP LOCKED` and marks them in the same
transaction: concurrent schedulers (workers, instances) skip each other's rows. SQLite has no
row locks; its write transaction (BEGIN IMMEDIATE, services.db.uow) makes the select-and-mark
one step for every process, so there too no post is claimed twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.pages import Position
from services.db.models import (
    PostAssetRow,
    PostDeliveryRow,
    ScheduledPostRow,
    SchedulerHeartbeatRow,
)
from services.scheduling.model import PUBLISHING, SCHEDULED, DeliveryState, Post, PostFilter


def _columns(post: Post) -> dict[str, object]:
    return {
        "title": post.title,
        "description": post.description,
        "content_type": post.content_type,
        "platforms": list(post.platforms),
        "campaign_id": post.campaign_id,
        "content_id": post.content_id,
        "scheduled_at": post.scheduled_at,
        "status": post.status,
        "due_at": post.due_at,
        "attempts": post.attempts,
        "failure_reason": post.failure_reason,
        "published_at": post.published_at,
        "updated_at": post.updated_at,
    }


class SqlPosts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, post: Post) -> None:
        self._session.add(
            ScheduledPostRow(
                id=post.id,
                user_id=post.user_id,
                created_at=post.created_at,
                claimed_by=None,
                lease_until=None,
                **_columns(post),
            )
        )
        await self._session.flush()
        await self._replace_assets(post)
        await self._replace_deliveries(post.id, post.deliveries)

    async def _replace_assets(self, post: Post) -> None:
        await self._session.execute(delete(PostAssetRow).where(PostAssetRow.post_id == post.id))
        if post.asset_ids:
            await self._session.execute(
                insert(PostAssetRow),
                [
                    {"post_id": post.id, "asset_id": asset_id, "position": index}
                    for index, asset_id in enumerate(post.asset_ids)
                ],
            )

    async def _replace_deliveries(
        self, post_id: str, deliveries: tuple[DeliveryState, ...]
    ) -> None:
        await self._session.execute(
            delete(PostDeliveryRow).where(PostDeliveryRow.post_id == post_id)
        )
        if deliveries:
            await self._session.execute(
                insert(PostDeliveryRow),
                [
                    {
                        "post_id": post_id,
                        "platform": state.platform,
                        "status": state.status,
                        "attempts": state.attempts,
                        "last_error": state.last_error[:500],
                        "sent_at": state.sent_at,
                    }
                    for state in deliveries
                ],
            )

    async def _complete(self, rows: list[ScheduledPostRow]) -> list[Post]:
        """Posts with their assets and deliveries (two queries for all of them)."""
        ids = [row.id for row in rows]
        assets: dict[str, list[str]] = defaultdict(list)
        deliveries: dict[str, list[DeliveryState]] = defaultdict(list)
        if ids:
            for post_id, asset_id in await self._session.execute(
                select(PostAssetRow.post_id, PostAssetRow.asset_id)
                .where(PostAssetRow.post_id.in_(ids))
                .order_by(PostAssetRow.post_id, PostAssetRow.position)
            ):
                assets[post_id].append(asset_id)
            for row in await self._session.scalars(
                select(PostDeliveryRow).where(PostDeliveryRow.post_id.in_(ids))
            ):
                deliveries[row.post_id].append(
                    DeliveryState(
                        row.platform, row.status, row.attempts, row.last_error, row.sent_at
                    )
                )
        posts = []
        for row in rows:
            order = {platform: index for index, platform in enumerate(row.platforms)}
            states = sorted(deliveries[row.id], key=lambda state: order.get(state.platform, 99))
            posts.append(
                Post(
                    id=row.id,
                    user_id=row.user_id,
                    title=row.title,
                    description=row.description,
                    content_type=row.content_type,
                    platforms=tuple(row.platforms),
                    asset_ids=tuple(assets[row.id]),
                    campaign_id=row.campaign_id,
                    content_id=row.content_id,
                    scheduled_at=row.scheduled_at,
                    status=row.status,
                    due_at=row.due_at,
                    attempts=row.attempts,
                    failure_reason=row.failure_reason,
                    published_at=row.published_at,
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                    deliveries=tuple(states),
                    claimed_by=row.claimed_by,
                    lease_until=row.lease_until,
                )
            )
        return posts

    async def get(self, user_id: str, post_id: str) -> Post | None:
        row = await self._session.scalar(
            select(ScheduledPostRow).where(
                ScheduledPostRow.id == post_id, ScheduledPostRow.user_id == user_id
            )
        )
        return None if row is None else (await self._complete([row]))[0]

    async def list_page(
        self, user_id: str, which: PostFilter, *, after: Position | None, limit: int
    ) -> list[Post]:
        row = ScheduledPostRow
        query = select(row).where(row.user_id == user_id)
        if which.start is not None:
            query = query.where(row.scheduled_at >= which.start)
        if which.end is not None:
            query = query.where(row.scheduled_at < which.end)
        if which.status:
            query = query.where(row.status == which.status)
        if which.campaign_id:
            query = query.where(row.campaign_id == which.campaign_id)
        if after is not None:
            query = query.where(
                or_(
                    row.scheduled_at > after.created_at,
                    and_(row.scheduled_at == after.created_at, row.id > after.id),
                )
            )
        query = query.order_by(row.scheduled_at, row.id).limit(limit)
        return await self._complete(list(await self._session.scalars(query)))

    async def save(self, post: Post) -> None:
        await self._session.execute(
            update(ScheduledPostRow)
            .where(ScheduledPostRow.id == post.id, ScheduledPostRow.user_id == post.user_id)
            .values(**_columns(post))
        )
        await self._replace_assets(post)
        await self._replace_deliveries(post.id, post.deliveries)

    async def counts(self, campaign_ids: list[str]) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {campaign_id: {} for campaign_id in campaign_ids}
        if campaign_ids:
            rows = await self._session.execute(
                select(ScheduledPostRow.campaign_id, ScheduledPostRow.status, func.count())
                .where(ScheduledPostRow.campaign_id.in_(campaign_ids))
                .group_by(ScheduledPostRow.campaign_id, ScheduledPostRow.status)
            )
            for campaign_id, status, count in rows:
                found[campaign_id][status] = count
        return found

    async def claim_due(
        self, *, now: datetime, claimer: str, lease_until: datetime, limit: int
    ) -> list[Post]:
        row = ScheduledPostRow
        due = (
            select(row.id)
            .where(
                or_(
                    and_(row.status == SCHEDULED, row.due_at <= now),
                    and_(row.status == PUBLISHING, row.lease_until < now),
                )
            )
            .order_by(row.due_at)
            .limit(limit)
        )
        if self._session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        ids = list(await self._session.scalars(due))
        if not ids:
            return []
        await self._session.execute(
            update(row)
            .where(row.id.in_(ids))
            .values(status=PUBLISHING, claimed_by=claimer, lease_until=lease_until)
        )
        rows = await self._session.scalars(
            select(row).where(row.id.in_(ids)).order_by(row.due_at),
            execution_options={"populate_existing": True},
        )
        return await self._complete(list(rows))

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
        row = ScheduledPostRow
        result = await self._session.execute(
            update(row)
            .where(row.id == post.id, row.claimed_by == claimer, row.status == PUBLISHING)
            .values(
                status=status,
                attempts=attempts,
                due_at=due_at,
                failure_reason=failure_reason[:500],
                published_at=published_at,
                claimed_by=None,
                lease_until=None,
                updated_at=now,
            )
        )
        if result.rowcount == 0:
            return False
        await self._replace_deliveries(post.id, deliveries)
        return True

    async def backlog(self, *, now: datetime, late_by: float) -> int:
        row = ScheduledPostRow
        count = await self._session.scalar(
            select(func.count()).where(
                row.status == SCHEDULED, row.due_at < now - timedelta(seconds=late_by)
            )
        )
        return int(count or 0)

    async def beat(self, name: str, now: datetime) -> None:
        updated = await self._session.execute(
            update(SchedulerHeartbeatRow)
            .where(SchedulerHeartbeatRow.name == name)
            .values(beat_at=now)
        )
        if updated.rowcount == 0:
            self._session.add(SchedulerHeartbeatRow(name=name, beat_at=now))
            await self._session.flush()

    async def last_beat(self) -> datetime | None:
        return await self._session.scalar(select(func.max(SchedulerHeartbeatRow.beat_at)))

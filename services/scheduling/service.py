"""The schedule's use cases: schedule a post, list the calendar, edit or reschedule a post that
is still scheduled, cancel one. Publishing itself is the scheduler's (services.scheduling.runner).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from services.common.clock import Clock
from services.common.ids import IdGenerator
from services.common.pages import Page, PageRequest, Position, decode_cursor, page_of
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory, retry_read
from services.errors import FieldViolation, NotFound
from services.scheduling.model import (
    CANCELLED,
    PENDING,
    SCHEDULED,
    DeliveryState,
    Post,
    PostChanges,
    PostDraft,
    PostFilter,
    PostNotScheduled,
    check_time,
)
from services.scheduling.ports import ScheduleUnitOfWork

NOT_FOUND = "no such scheduled post"


def schedule_position(post: Post) -> Position:
    """A calendar is ordered by the posts' times."""
    return Position(post.scheduled_at, post.id)


class Schedule:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[ScheduleUnitOfWork],
        *,
        horizon: timedelta,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow_factory
        self._horizon = horizon
        self._clock = clock
        self._ids = ids

    async def schedule(self, caller: Principal, draft: PostDraft) -> Post:
        now = self._clock()
        check_time(draft.scheduled_at, now=now, horizon=self._horizon)
        post = Post(
            id=self._ids(),
            user_id=caller.user_id,
            title=draft.title,
            description=draft.description,
            content_type=draft.content_type,
            platforms=draft.platforms,
            asset_ids=draft.asset_ids,
            campaign_id=draft.campaign_id or None,
            content_id=draft.content_id or None,
            scheduled_at=draft.scheduled_at,
            status=SCHEDULED,
            due_at=draft.scheduled_at,
            attempts=0,
            failure_reason="",
            published_at=None,
            created_at=now,
            updated_at=now,
            deliveries=tuple(DeliveryState(platform, PENDING) for platform in draft.platforms),
        )
        async with self._uow() as uow:
            await _check_references(uow, caller.user_id, post)
            await uow.posts.add(post)
            if post.content_id:
                await _set_content_status(uow, caller.user_id, post.content_id, "scheduled", now)
            await uow.commit()
        return post

    @retry_read
    async def list(self, caller: Principal, which: PostFilter, page: PageRequest) -> Page[Post]:
        after = decode_cursor(page.cursor, which.as_dict())
        async with self._uow(write=False) as uow:
            posts = await uow.posts.list_page(
                caller.user_id, which, after=after, limit=page.size + 1
            )
        return page_of(posts, page, which.as_dict(), position=schedule_position)

    async def update(self, caller: Principal, post_id: str, changes: PostChanges) -> Post:
        """PostNotScheduled (409) once the scheduler took the post or it ended."""
        now = self._clock()
        if changes.scheduled_at is not None:
            check_time(changes.scheduled_at, now=now, horizon=self._horizon)
        async with self._uow() as uow:
            post = await self._scheduled(uow, caller, post_id)
            given = {
                k: v
                for k, v in dataclasses.asdict(changes).items()
                if v is not None and k != "campaign_id"
            }
            changed = dataclasses.replace(post, **given, updated_at=now)
            if changes.campaign_id is not None:
                changed = dataclasses.replace(changed, campaign_id=changes.campaign_id or None)
            if changes.scheduled_at is not None:
                changed = dataclasses.replace(changed, due_at=changes.scheduled_at)
            if changes.platforms is not None:
                changed = dataclasses.replace(
                    changed,
                    deliveries=tuple(post.delivery(p) for p in changes.platforms),
                )
            await _check_references(uow, caller.user_id, changed)
            await uow.posts.save(changed)
            await uow.commit()
        return changed

    async def cancel(self, caller: Principal, post_id: str) -> Post:
        """A cancelled post is never sent: the scheduler only claims scheduled posts, and a
        post it has claimed can no longer be cancelled (409)."""
        now = self._clock()
        async with self._uow() as uow:
            post = await self._scheduled(uow, caller, post_id)
            cancelled = dataclasses.replace(post, status=CANCELLED, updated_at=now)
            await uow.posts.save(cancelled)
            if post.content_id:
                await _set_content_status(uow, caller.user_id, post.content_id, "ready", now)
            await uow.commit()
        return cancelled

    @staticmethod
    async def _scheduled(uow: ScheduleUnitOfWork, caller: Principal, post_id: str) -> Post:
        post = await uow.posts.get(caller.user_id, post_id)
        if post is None:
            raise NotFound(NOT_FOUND)
        if post.status != SCHEDULED:
            raise PostNotScheduled(
                f"this post is {post.status}: only a scheduled post can be changed or cancelled",
                metadata={"status": post.status},
            )
        return post


async def _check_references(uow: ScheduleUnitOfWork, user_id: str, post: Post) -> None:
    """The assets, campaign and content item must be the user's (404 naming the field)."""
    missing: list[FieldViolation] = []
    owned = await uow.assets.owned(user_id, list(post.asset_ids))
    for index, asset_id in enumerate(post.asset_ids):
        if asset_id not in owned:
            missing.append(FieldViolation(f"asset_ids[{index}]", "no such asset", "not_found"))
    if post.campaign_id and await uow.campaigns.get(user_id, post.campaign_id) is None:
        missing.append(FieldViolation("campaign_id", "no such campaign", "not_found"))
    if post.content_id and await uow.content.get(user_id, post.content_id) is None:
        missing.append(FieldViolation("content_id", "no such content item", "not_found"))
    if missing:
        names = ", ".join(violation.field for violation in missing)
        raise NotFound(f"not found: {names}", metadata={"fields": names})


async def _set_content_status(
    uow: ScheduleUnitOfWork, user_id: str, content_id: str, status: str, now: datetime
) -> None:
    item = await uow.content.get(user_id, content_id)
    if item is not None:
        await uow.content.save(dataclasses.replace(item, status=status, updated_at=now))

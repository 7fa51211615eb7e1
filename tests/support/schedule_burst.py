"""Many posts due at nearly the same moment, written straight to a database (the e2e
exactly-once test and the publish-lag bench): what thousands of creators scheduling for the
top of the hour look like to the scheduler."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from services.common.ids import new_id
from services.db import create_engine, create_uow_factory
from services.scheduling.model import PENDING, SCHEDULED, DeliveryState, Post

BATCH = 500


def burst_posts(
    user_id: str, count: int, *, start: datetime, spread: timedelta, platforms: tuple[str, ...]
) -> list[Post]:
    """`count` posts of `user_id` due evenly between `start` and `start + spread`."""
    posts = []
    for index in range(count):
        at = start + spread * (index / max(1, count - 1))
        posts.append(
            Post(
                id=new_id(),
                user_id=user_id,
                title=f"Burst {index}",
                description="",
                content_type="photo",
                platforms=platforms,
                asset_ids=(),
                campaign_id=None,
                content_id=None,
                scheduled_at=at,
                status=SCHEDULED,
                due_at=at,
                attempts=0,
                failure_reason="",
                published_at=None,
                created_at=start - timedelta(minutes=1),
                updated_at=start - timedelta(minutes=1),
                deliveries=tuple(DeliveryState(platform, PENDING) for platform in platforms),
            )
        )
    return posts


async def write_posts(database_url: str, posts: list[Post]) -> None:
    engine = create_engine(database_url, pool_size=2)
    uow_factory = create_uow_factory(engine)
    try:
        for first in range(0, len(posts), BATCH):
            async with uow_factory() as uow:
                for post in posts[first : first + BATCH]:
                    await uow.posts.add(post)
                await uow.commit()
    finally:
        await engine.dispose()


def schedule_burst(database_url: str, posts: list[Post]) -> None:
    asyncio.run(write_posts(database_url, posts))

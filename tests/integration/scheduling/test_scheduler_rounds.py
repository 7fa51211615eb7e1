"""The schedule and the scheduler over SQLite and PostgreSQL, with a clock moved by hand and a
publisher whose answers each test scripts: claims, retries, missed posts, lease takeover,
cancellation, and exactly-once claims by concurrent schedulers."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry
from support.clock import FakeClock
from support.fakes import an_account

from services.common.ids import new_id
from services.common.pages import PageRequest
from services.common.principal import Principal
from services.db import SqlUnitOfWorkFactory
from services.errors import InvalidArgument, NotFound
from services.scheduling.metrics import SchedulerMetrics
from services.scheduling.model import PostChanges, PostDraft, PostFilter, PostNotScheduled
from services.scheduling.publishing import Delivery, PublishFailed, PublishOutcomeUnknown
from services.scheduling.runner import Scheduler, SchedulerPolicy
from services.scheduling.service import Schedule

HORIZON = timedelta(days=365)


class ScriptedPublisher:
    """Records every send; `answers` (per platform) are raised in order, then sends succeed."""

    name = "scripted"

    def __init__(self) -> None:
        self.sent: list[Delivery] = []
        self.answers: dict[str, list[Exception]] = {}

    async def publish(self, delivery: Delivery) -> None:
        self.sent.append(delivery)
        pending = self.answers.get(delivery.platform, [])
        if pending:
            raise pending.pop(0)

    async def aclose(self) -> None:
        pass


@dataclasses.dataclass
class World:
    uow: SqlUnitOfWorkFactory
    clock: FakeClock
    publisher: ScriptedPublisher
    schedule: Schedule

    def scheduler(self, name: str = "s1", **policy: object) -> Scheduler:
        return Scheduler(
            self.uow,
            self.publisher,
            name=name,
            policy=SchedulerPolicy(**{"retry_base": 10.0, **policy}),  # type: ignore[arg-type]
            metrics=SchedulerMetrics(CollectorRegistry()),
            clock=self.clock,
        )

    async def user(self) -> Principal:
        account = an_account(email=f"{new_id()}@example.com")
        async with self.uow() as unit:
            await unit.users.add(account)
            await unit.commit()
        return Principal(user_id=account.id, plan="free")

    async def post(self, user: Principal, *, in_seconds: float = 60, **fields: object):  # type: ignore[no-untyped-def]
        draft = PostDraft(
            title="Beach set",
            description="",
            content_type="photo",
            platforms=("onlyfans", "instagram"),
            asset_ids=(),
            campaign_id=None,
            content_id=None,
            scheduled_at=self.clock.now + timedelta(seconds=in_seconds),
        )
        return await self.schedule.schedule(user, dataclasses.replace(draft, **fields))

    async def status(self, user: Principal, post_id: str) -> str:
        page = await self.schedule.list(user, PostFilter(), PageRequest(limit=100))
        return next(p.status for p in page.items if p.id == post_id)


@pytest.fixture
def world(uow_factory: SqlUnitOfWorkFactory) -> World:
    clock = FakeClock()
    return World(
        uow_factory,
        clock,
        ScriptedPublisher(),
        Schedule(uow_factory, horizon=HORIZON, clock=clock, ids=new_id),
    )


async def test_a_due_post_is_published_once_per_platform(world: World) -> None:
    user = await world.user()
    post = await world.post(user, in_seconds=60)
    scheduler = world.scheduler()
    assert await scheduler.run_once() == 0  # not due yet
    world.clock.advance(61)
    assert await scheduler.run_once() == 1
    assert await scheduler.run_once() == 0
    assert [(d.post_id, d.platform, d.idempotency_key) for d in world.publisher.sent] == [
        (post.id, "onlyfans", f"{post.id}:onlyfans"),
        (post.id, "instagram", f"{post.id}:instagram"),
    ]
    page = await world.schedule.list(user, PostFilter(status="published"), PageRequest())
    (published,) = page.items
    assert published.published_at == world.clock.now
    assert [(d.platform, d.status) for d in published.deliveries] == [
        ("onlyfans", "sent"),
        ("instagram", "sent"),
    ]


async def test_a_transient_failure_retries_only_the_platform_that_failed(world: World) -> None:
    user = await world.user()
    post = await world.post(user, in_seconds=1)
    world.publisher.answers["instagram"] = [
        PublishFailed("webhook answered 503", permanent=False),
        PublishOutcomeUnknown("webhook timed out after 10 s"),
    ]
    scheduler = world.scheduler()
    world.clock.advance(2)
    await scheduler.run_once()
    assert await world.status(user, post.id) == "scheduled"  # waiting for its retry
    await scheduler.run_once()
    assert len(world.publisher.sent) == 2  # the retry is not due yet
    world.clock.advance(600)
    await scheduler.run_once()
    world.clock.advance(600)
    await scheduler.run_once()
    sends = Counter(d.platform for d in world.publisher.sent)
    assert sends == {"onlyfans": 1, "instagram": 3}
    keys = {d.idempotency_key for d in world.publisher.sent if d.platform == "instagram"}
    assert keys == {f"{post.id}:instagram"}  # the same key on every attempt
    assert await world.status(user, post.id) == "published"


async def test_a_refusal_fails_the_post_with_its_reason(world: World) -> None:
    user = await world.user()
    post = await world.post(user, in_seconds=1)
    world.publisher.answers["onlyfans"] = [
        PublishFailed("webhook refused the event (400)", permanent=True)
    ]
    world.clock.advance(2)
    await world.scheduler().run_once()
    page = await world.schedule.list(user, PostFilter(status="failed"), PageRequest())
    (failed,) = page.items
    assert failed.id == post.id
    assert failed.failure_reason == "onlyfans: webhook refused the event (400)"
    assert failed.attempts == 1


async def test_transient_failures_give_up_after_the_attempts(world: World) -> None:
    user = await world.user()
    post = await world.post(user, in_seconds=1, platforms=("tiktok",))
    world.publisher.answers["tiktok"] = [
        PublishFailed("webhook answered 503", permanent=False) for _ in range(10)
    ]
    scheduler = world.scheduler(max_attempts=3)
    for _ in range(5):
        world.clock.advance(3600)
        await scheduler.run_once()
    assert len(world.publisher.sent) == 3
    page = await world.schedule.list(user, PostFilter(status="failed"), PageRequest())
    (failed,) = page.items
    assert failed.id == post.id
    assert failed.failure_reason.startswith("gave up after 3 attempts")


async def test_a_post_missed_beyond_the_lateness_window_fails_as_missed(world: World) -> None:
    user = await world.user()
    late = await world.post(user, in_seconds=10)
    world.clock.advance(10 + 7200)  # everything was down for two hours
    fresh = await world.post(user, in_seconds=1)
    world.clock.advance(2)
    await world.scheduler(lateness=timedelta(hours=1)).run_once()
    assert [d.post_id for d in world.publisher.sent] == [fresh.id, fresh.id]
    assert await world.status(user, late.id) == "failed"
    page = await world.schedule.list(user, PostFilter(status="failed"), PageRequest())
    assert page.items[0].failure_reason == "missed"


async def test_a_cancelled_or_rescheduled_post_does_not_go_out_at_its_old_time(
    world: World,
) -> None:
    user = await world.user()
    cancelled = await world.post(user, in_seconds=30)
    moved = await world.post(user, in_seconds=30)
    await world.schedule.cancel(user, cancelled.id)
    await world.schedule.update(
        user, moved.id, PostChanges(scheduled_at=world.clock.now + timedelta(hours=2))
    )
    world.clock.advance(60)
    await world.scheduler().run_once()
    assert world.publisher.sent == []
    with pytest.raises(PostNotScheduled):
        await world.schedule.update(user, cancelled.id, PostChanges(title="again"))
    world.clock.advance(7200)
    await world.scheduler().run_once()
    assert {d.post_id for d in world.publisher.sent} == {moved.id}


async def test_a_post_being_published_can_no_longer_be_changed(world: World) -> None:
    user = await world.user()
    post = await world.post(user, in_seconds=1)
    world.clock.advance(2)
    async with world.uow() as unit:  # a scheduler claimed it and is sending
        await unit.posts.claim_due(
            now=world.clock.now, claimer="other", lease_until=world.clock.now, limit=10
        )
        await unit.commit()
    with pytest.raises(PostNotScheduled):
        await world.schedule.cancel(user, post.id)


async def test_a_claim_whose_scheduler_died_is_taken_over_after_its_lease(world: World) -> None:
    user = await world.user()
    post = await world.post(user, in_seconds=1)
    world.clock.advance(2)
    async with world.uow() as unit:  # claimed by a scheduler that then died
        claimed = await unit.posts.claim_due(
            now=world.clock.now,
            claimer="dead",
            lease_until=world.clock.now + timedelta(seconds=120),
            limit=10,
        )
        await unit.commit()
    assert [p.id for p in claimed] == [post.id]
    survivor = world.scheduler("alive")
    await survivor.run_once()
    assert world.publisher.sent == []  # the lease still holds
    world.clock.advance(121)
    await survivor.run_once()
    assert {d.post_id for d in world.publisher.sent} == {post.id}
    assert await world.status(user, post.id) == "published"
    async with world.uow() as unit:  # the dead scheduler's late result changes nothing
        kept = await unit.posts.finish(
            claimed[0],
            claimer="dead",
            status="failed",
            deliveries=(),
            attempts=1,
            due_at=world.clock.now,
            failure_reason="late",
            published_at=None,
            now=world.clock.now,
        )
        await unit.commit()
    assert kept is False
    assert await world.status(user, post.id) == "published"


async def test_concurrent_schedulers_claim_each_post_once(world: World) -> None:
    user = await world.user()
    posts = [await world.post(user, in_seconds=1, platforms=("onlyfans",)) for _ in range(60)]
    world.clock.advance(2)
    schedulers = [world.scheduler(f"s{index}", batch=7) for index in range(4)]
    for _ in range(6):
        await asyncio.gather(*(scheduler.run_once() for scheduler in schedulers))
    sends = Counter(d.post_id for d in world.publisher.sent)
    assert sends == Counter({post.id: 1 for post in posts})


async def test_times_must_be_in_the_future_and_within_the_horizon(world: World) -> None:
    user = await world.user()
    for seconds in (-1, 0, HORIZON.total_seconds() + 1):
        with pytest.raises(InvalidArgument):
            await world.post(user, in_seconds=seconds)


async def test_someone_elses_campaign_or_asset_is_not_found(world: World) -> None:
    user = await world.user()
    with pytest.raises(NotFound) as missing:
        await world.post(user, campaign_id=new_id(), asset_ids=(new_id(),))
    assert missing.value.metadata["fields"] == "asset_ids[0], campaign_id"

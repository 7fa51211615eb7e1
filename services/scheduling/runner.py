"""The scheduler: claims due posts and publishes each (post, platform) once.

A round: claim up to `batch` due posts (a lease marks them publishing; concurrent schedulers
never get the same post), publish them concurrently outside any transaction, then record each
outcome in a short transaction that only applies while this scheduler still holds the claim.

- Every send carries the idempotency key "<post id>:<platform>", the same on every attempt, and a
  platform already sent is never sent again (its delivery is recorded as sent).
- Transient failures (5xx, 429, connection errors) and unknown outcomes (timeouts) are retried
  with exponential backoff and full jitter until `max_attempts`; a refusal (4xx) fails the post.
- A post whose claimer died is claimed again once its lease has run out.
- A post found due more than `lateness` after its time on its first attempt (everything was
  down) fails as missed instead of going out late.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from services.common.clock import Clock
from services.common.uow import UnitOfWorkFactory
from services.scheduling.metrics import SchedulerMetrics
from services.scheduling.model import (
    FAILED,
    MISSED,
    PENDING,
    PUBLISHED,
    SCHEDULED,
    SENT,
    DeliveryState,
    Post,
    idempotency_key,
)
from services.scheduling.ports import ScheduleUnitOfWork
from services.scheduling.publishing import (
    Delivery,
    Publisher,
    PublishFailed,
    PublishOutcomeUnknown,
)

logger = logging.getLogger("huntaze.scheduler")
BACKLOG_LATE_SECONDS = 60.0
# How often a scheduler records its heartbeat (health calls one silent for 30 s stalled).
HEARTBEAT_INTERVAL = timedelta(seconds=5)


@dataclasses.dataclass(frozen=True)
class SchedulerPolicy:
    batch: int = 50
    lease: timedelta = timedelta(seconds=120)
    max_attempts: int = 5
    retry_base: float = 5.0
    retry_max: float = 300.0
    lateness: timedelta = timedelta(hours=1)
    concurrency: int = 32

    def backoff(self, attempts: int, rng: Callable[[], float] = random.random) -> float:
        """Seconds before attempt `attempts + 1`: full jitter over an exponential ceiling."""
        ceiling = min(self.retry_max, self.retry_base * 2 ** max(0, attempts - 1))
        return max(0.5, ceiling * rng())


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one publishing round of a post decided."""

    status: str
    deliveries: tuple[DeliveryState, ...]
    attempts: int
    due_at: datetime
    failure_reason: str
    published_at: datetime | None
    # Why a failed post failed, for the metrics: "refused", "attempts" or "missed".
    failure_kind: str = ""


class Scheduler:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[ScheduleUnitOfWork],
        publisher: Publisher,
        *,
        name: str,
        policy: SchedulerPolicy,
        metrics: SchedulerMetrics,
        clock: Clock,
    ) -> None:
        self._uow = uow_factory
        self._publisher = publisher
        self._name = name
        self._policy = policy
        self._metrics = metrics
        self._clock = clock
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._last_beat: datetime | None = None

    @property
    def batch(self) -> int:
        return self._policy.batch

    async def run_once(self) -> int:
        """One round; how many posts it claimed (a full batch: call again at once)."""
        now = self._clock()
        async with self._uow() as uow:
            claimed = await uow.posts.claim_due(
                now=now,
                claimer=self._name,
                lease_until=now + self._policy.lease,
                limit=self._policy.batch,
            )
            await uow.commit()
        if claimed:
            self._metrics.claimed.inc(len(claimed))
            await asyncio.gather(*(self._publish(post) for post in claimed))
        await self._beat()
        return len(claimed)

    async def _beat(self) -> None:
        """The heartbeat and the backlog, at most every HEARTBEAT_INTERVAL: a round every poll
        interval need not write to the database each time."""
        now = self._clock()
        if self._last_beat is not None and now - self._last_beat < HEARTBEAT_INTERVAL:
            return
        self._last_beat = now
        async with self._uow() as uow:
            await uow.posts.beat(self._name, now)
            backlog = await uow.posts.backlog(now=now, late_by=BACKLOG_LATE_SECONDS)
            await uow.commit()
        self._metrics.backlog.set(backlog)
        self._metrics.heartbeat.set(now.timestamp())

    async def _publish(self, post: Post) -> None:
        async with self._slots:
            try:
                outcome = await self._round(post)
            except Exception:  # a bug must not stop the other posts; the lease retries it
                logger.exception("publishing post %s failed unexpectedly", post.id)
                return
            await self._record(post, outcome)

    async def _round(self, post: Post) -> Outcome:
        now = self._clock()
        attempts = post.attempts + 1
        if post.attempts == 0 and now - post.scheduled_at > self._policy.lateness:
            return Outcome(
                FAILED, post.deliveries, post.attempts, post.due_at, MISSED, None, MISSED
            )
        states = list(post.deliveries)
        refused: list[str] = []
        transient: list[str] = []
        retry_after = 0.0
        for index, state in enumerate(states):
            if state.status != PENDING:
                continue
            try:
                await self._publisher.publish(self._delivery(post, state.platform, attempts))
            except PublishFailed as failure:
                outcome = "refused" if failure.permanent else "failed"
                self._metrics.sends.labels(outcome).inc()
                error = f"{state.platform}: {failure.reason}"
                (refused if failure.permanent else transient).append(error)
                retry_after = max(retry_after, failure.retry_after or 0.0)
                states[index] = dataclasses.replace(
                    state,
                    status=FAILED if failure.permanent else PENDING,
                    attempts=state.attempts + 1,
                    last_error=failure.reason,
                )
                continue
            except PublishOutcomeUnknown as unknown:
                self._metrics.sends.labels("unknown").inc()
                transient.append(f"{state.platform}: {unknown.reason}")
                states[index] = dataclasses.replace(
                    state, attempts=state.attempts + 1, last_error=unknown.reason
                )
                continue
            self._metrics.sends.labels("sent").inc()
            states[index] = dataclasses.replace(
                state, status=SENT, attempts=state.attempts + 1, last_error="", sent_at=now
            )
        done = self._clock()
        deliveries = tuple(states)
        if not refused and not transient:
            return Outcome(PUBLISHED, deliveries, attempts, post.due_at, "", done)
        if transient and attempts < self._policy.max_attempts:
            delay = max(self._policy.backoff(attempts), retry_after)
            due = done + timedelta(seconds=delay)
            return Outcome(SCHEDULED, deliveries, attempts, due, "; ".join(transient), None)
        reason = "; ".join(refused + transient)
        if transient:
            reason = f"gave up after {attempts} attempts: {reason}"
        kind = "attempts" if transient else "refused"
        return Outcome(FAILED, deliveries, attempts, post.due_at, reason, None, kind)

    def _delivery(self, post: Post, platform: str, attempt: int) -> Delivery:
        return Delivery(
            post_id=post.id,
            user_id=post.user_id,
            platform=platform,
            idempotency_key=idempotency_key(post.id, platform),
            title=post.title,
            description=post.description,
            content_type=post.content_type,
            asset_ids=post.asset_ids,
            campaign_id=post.campaign_id,
            scheduled_at=post.scheduled_at,
            attempt=attempt,
        )

    async def _record(self, post: Post, outcome: Outcome) -> None:
        now = self._clock()
        async with self._uow() as uow:
            kept = await uow.posts.finish(
                post,
                claimer=self._name,
                status=outcome.status,
                deliveries=outcome.deliveries,
                attempts=outcome.attempts,
                due_at=outcome.due_at,
                failure_reason=outcome.failure_reason,
                published_at=outcome.published_at,
                now=now,
            )
            if kept and post.content_id and outcome.status == PUBLISHED:
                item = await uow.content.get(post.user_id, post.content_id)
                if item is not None:
                    await uow.content.save(
                        dataclasses.replace(item, status="published", updated_at=now)
                    )
            await uow.commit()
        if not kept:
            logger.warning("post %s was taken over by another scheduler (lease ran out)", post.id)
            return
        if outcome.status == PUBLISHED and outcome.published_at is not None:
            self._metrics.published.inc()
            self._metrics.lag.observe((outcome.published_at - post.scheduled_at).total_seconds())
        elif outcome.status == FAILED:
            self._metrics.failed.labels(outcome.failure_kind).inc()
        else:
            self._metrics.retried.inc()


async def run_forever(scheduler: Scheduler, *, poll_seconds: float) -> None:
    """Rounds until cancelled: at once again after a full batch, else after `poll_seconds`.
    A failing round (the database down) is logged and retried after the pause."""
    while True:
        try:
            claimed = await scheduler.run_once()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("scheduler round failed")
            claimed = 0
        if claimed < scheduler.batch:
            await asyncio.sleep(poll_seconds)

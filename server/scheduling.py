"""Composition of the schedule: the use cases, the publisher the settings name, and the runner
that every worker starts (PostgreSQL: all of them claim, with row locks; SQLite: the one
worker holding the host's scheduler lock claims, so there is a single claimer).

The same runner carries the periodic maintenance (services.maintenance).
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Protocol

from prometheus_client import CollectorRegistry

from server.config import Settings
from server.servicers.health import CheckFailed, DependencyCheck, NotConfigured
from services.common.clock import Clock, utc_now
from services.common.ids import IdGenerator, new_id
from services.common.uow import UnitOfWorkFactory
from services.maintenance import Maintenance, MaintenanceUnitOfWork
from services.scheduling.metrics import SchedulerMetrics
from services.scheduling.ports import ScheduleUnitOfWork
from services.scheduling.publishing import Publisher, RecordingPublisher, WebhookPublisher
from services.scheduling.runner import Scheduler, SchedulerPolicy, run_forever
from services.scheduling.service import Schedule
from services.storage.ports import ObjectStorage

logger = logging.getLogger("huntaze.scheduler")
# The health check calls the scheduler stalled after this many poll intervals without a round.
STALL_POLLS = 10
MIN_STALL_SECONDS = 30.0


class SchedulingUnitOfWork(ScheduleUnitOfWork, MaintenanceUnitOfWork, Protocol):
    """What the schedule and the maintenance need."""


@dataclass
class SchedulingParts:
    schedule: Schedule
    scheduler: Scheduler
    publisher: Publisher
    maintenance: Maintenance

    async def aclose(self) -> None:
        await self.publisher.aclose()


def build_publisher(settings: Settings) -> Publisher:
    if settings.publish_webhook_url:
        return WebhookPublisher(
            settings.publish_webhook_url,
            settings.publish_webhook_secret,
            timeout=settings.publish_webhook_timeout_seconds,
        )
    return RecordingPublisher()


def scheduler_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def build_scheduling(
    settings: Settings,
    uow_factory: UnitOfWorkFactory[SchedulingUnitOfWork],
    storage: ObjectStorage,
    registry: CollectorRegistry,
    *,
    clock: Clock = utc_now,
    ids: IdGenerator = new_id,
) -> SchedulingParts:
    publisher = build_publisher(settings)
    policy = SchedulerPolicy(
        batch=settings.scheduler_batch_size,
        lease=timedelta(seconds=settings.scheduler_lease_seconds),
        max_attempts=settings.publish_max_attempts,
        retry_base=settings.publish_retry_base_seconds,
        retry_max=settings.publish_retry_max_seconds,
        lateness=timedelta(seconds=settings.publish_lateness_seconds),
    )
    return SchedulingParts(
        schedule=Schedule(
            uow_factory,
            horizon=timedelta(days=settings.schedule_horizon_days),
            clock=clock,
            ids=ids,
        ),
        scheduler=Scheduler(
            uow_factory,
            publisher,
            name=scheduler_name(),
            policy=policy,
            metrics=SchedulerMetrics(registry),
            clock=clock,
        ),
        publisher=publisher,
        maintenance=Maintenance(
            uow_factory,
            storage,
            clock=clock,
            throttle_window=timedelta(seconds=2 * settings.signin_lockout_seconds),
        ),
    )


def _try_lock(path: Path) -> IO[bytes] | None:
    """The host's scheduler lock, if free (released by the OS when this process dies)."""
    handle = path.open("ab")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


async def run_scheduling(
    settings: Settings, parts: SchedulingParts, *, single_claimer_lock: Path | None
) -> None:
    """The worker's scheduler and maintenance until cancelled. With `single_claimer_lock`
    (SQLite), only the worker holding that lock runs them; the others wait to take over."""
    lock: IO[bytes] | None = None
    try:
        while single_claimer_lock is not None and lock is None:
            lock = _try_lock(single_claimer_lock)
            if lock is None:
                await asyncio.sleep(settings.scheduler_poll_seconds)
        logger.info("scheduler running", extra={"scheduler": scheduler_name()})
        await asyncio.gather(
            run_forever(parts.scheduler, poll_seconds=settings.scheduler_poll_seconds),
            _every(settings.maintenance_interval_seconds, parts.maintenance.run),
        )
    finally:
        if lock is not None:
            lock.close()


async def _every(seconds: float, job: Callable[[], Awaitable[object]]) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("maintenance failed")


def scheduler_check(
    settings: Settings, uow_factory: UnitOfWorkFactory[ScheduleUnitOfWork], clock: Clock = utc_now
) -> DependencyCheck:
    """Not required (reads go on without it), but posts wait: reported when no scheduler has
    completed a round lately (none running anywhere) or posts are overdue."""
    stall = max(MIN_STALL_SECONDS, STALL_POLLS * settings.scheduler_poll_seconds)

    async def probe() -> None:
        if not settings.scheduler_enabled:
            raise NotConfigured("the scheduler is off (SCHEDULER_ENABLED=false)")
        now = clock()
        async with uow_factory(write=False) as uow:
            beat = await uow.posts.last_beat()
            backlog = await uow.posts.backlog(now=now, late_by=60.0)
        if beat is None or (now - beat).total_seconds() > stall:
            raise CheckFailed("no scheduler is running: scheduled posts are not being published")
        if backlog:
            raise CheckFailed(f"{backlog} post(s) are overdue by more than a minute")

    return DependencyCheck("scheduler", probe, required=False)

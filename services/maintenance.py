"""Periodic housekeeping the scheduler's runner carries: expired sessions, old sign-in
throttles and expired AI reservations are purged; files no asset refers to (an upload recorded
by nobody: a crash between storing and recording) and interrupted writes are swept.

A stored file with no asset is deleted only when it was already orphaned on the previous run
(mark, then sweep one interval later): an upload stores its file a moment before it records it,
and must not lose it in between.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from services.common.clock import Clock
from services.common.uow import UnitOfWork, UnitOfWorkFactory
from services.storage.ports import ObjectStorage
from services.vault.ports import Assets

logger = logging.getLogger("huntaze.maintenance")
STORED_FILES = "users/"
# Interrupted writes older than this are abandoned (a 4 GB upload at 1 MB/s takes ~70 minutes).
PARTIAL_MAX_AGE = timedelta(hours=3)
# Used refresh tokens stay a day past expiry, so a replay is still recognised as one.
REFRESH_TOKEN_GRACE = timedelta(days=1)
KEYS_PER_CHECK = 500


class Purges(Protocol):
    async def expired_refresh_tokens(self, before: datetime) -> int: ...

    async def stale_signin_throttles(self, before: datetime, now: datetime) -> int:
        """Throttles whose last failure is older than `before` and that lock nothing now."""
        ...

    async def expired_ai_reservations(self, now: datetime) -> int: ...


class MaintenanceUnitOfWork(UnitOfWork, Protocol):
    purges: Purges
    assets: Assets


@dataclass
class Report:
    refresh_tokens: int = 0
    signin_throttles: int = 0
    ai_reservations: int = 0
    orphaned_files: int = 0
    partial_writes: int = 0


@dataclass
class Maintenance:
    uow_factory: UnitOfWorkFactory[MaintenanceUnitOfWork]
    storage: ObjectStorage
    clock: Clock
    throttle_window: timedelta
    _suspects: set[str] = field(default_factory=set)

    async def run(self) -> Report:
        now = self.clock()
        report = Report()
        async with self.uow_factory() as uow:
            report.refresh_tokens = await uow.purges.expired_refresh_tokens(
                now - REFRESH_TOKEN_GRACE
            )
            report.signin_throttles = await uow.purges.stale_signin_throttles(
                now - self.throttle_window, now
            )
            report.ai_reservations = await uow.purges.expired_ai_reservations(now)
            await uow.commit()
        report.orphaned_files = await self._sweep_orphans()
        report.partial_writes = await self.storage.purge_partial(PARTIAL_MAX_AGE.total_seconds())
        logger.info("maintenance done", extra={"purged": report.__dict__})
        return report

    async def _sweep_orphans(self) -> int:
        orphans: set[str] = set()
        batch: list[str] = []
        async for key in self.storage.keys(STORED_FILES):
            batch.append(key)
            if len(batch) == KEYS_PER_CHECK:
                orphans |= await self._unreferenced(batch)
                batch = []
        if batch:
            orphans |= await self._unreferenced(batch)
        doomed = orphans & self._suspects
        for key in doomed:
            await self.storage.delete(key)
        self._suspects = orphans - doomed
        return len(doomed)

    async def _unreferenced(self, keys: list[str]) -> set[str]:
        async with self.uow_factory(write=False) as uow:
            used = await uow.assets.keys_in_use(keys)
        return set(keys) - used

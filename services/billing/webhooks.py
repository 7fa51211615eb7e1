"""Stripe's webhook: store the verified event, answer, process it from the store.

An event is stored once (unique on its id), so a duplicate delivery is answered and ignored.
Processing re-fetches what the event is about (services.billing.sync) and is idempotent; a
failure leaves the event unprocessed with a retry time (exponential backoff), and every worker
retries due events in the background. `replay` reads the events Stripe still holds and
processes the ones never processed (recovery after an outage).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.billing.metrics import BillingMetrics
from services.billing.ports import BillingUnitOfWork, PaymentGateway
from services.billing.sync import StripeSync
from services.common.clock import Clock
from services.common.uow import UnitOfWorkFactory
from services.errors import InvalidArgument

logger = logging.getLogger("huntaze.billing.webhooks")

# How long one processor holds an event before another may take it over (a crashed worker).
LEASE = timedelta(seconds=60)
FIRST_RETRY_SECONDS = 5.0
MAX_RETRY_SECONDS = 3600.0

Handler = Callable[[StripeSync, str], Awaitable[object]]


async def _checkout(sync: StripeSync, session_id: str) -> object:
    return await sync.checkout_session(session_id)


async def _subscription(sync: StripeSync, subscription_id: str) -> object:
    return await sync.subscription(subscription_id)


async def _invoice(sync: StripeSync, invoice_id: str) -> object:
    return await sync.invoice(invoice_id)


async def _charge(sync: StripeSync, charge_id: str) -> object:
    return await sync.charge(charge_id)


async def _dispute(sync: StripeSync, dispute_id: str) -> object:
    return await sync.dispute_by_id(dispute_id)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout,
    "checkout.session.async_payment_succeeded": _checkout,
    "checkout.session.async_payment_failed": _checkout,
    **{
        f"customer.subscription.{change}": _subscription
        for change in ("created", "updated", "deleted", "paused", "resumed")
    },
    "invoice.paid": _invoice,
    "invoice.payment_failed": _invoice,
    "charge.refunded": _charge,
    "charge.dispute.created": _dispute,
    "charge.dispute.updated": _dispute,
    "charge.dispute.closed": _dispute,
}


@dataclass(frozen=True)
class ReplayReport:
    seen: int
    stored: int
    processed: int
    failed: int


class StripeWebhooks:
    def __init__(
        self,
        gateway: PaymentGateway,
        uow_factory: UnitOfWorkFactory[BillingUnitOfWork],
        sync: StripeSync,
        metrics: BillingMetrics,
        *,
        clock: Clock,
        inline_seconds: float = 5.0,
    ) -> None:
        self._gateway = gateway
        self._uow = uow_factory
        self._sync = sync
        self._metrics = metrics
        self._clock = clock
        self._inline_seconds = inline_seconds
        self._tasks: set[asyncio.Task[bool]] = set()

    async def receive(self, payload: bytes, signature: str) -> bool:
        """Verify and store one delivery; True when the event is new. A new event of a type we
        handle is processed at once, for up to `inline_seconds` (Checkout waits for this answer
        before it sends the buyer back, so the success page usually finds the purchase
        applied); past that it goes on in the background and the answer does not wait. Other
        types are stored as processed (kept for the record, nothing to do)."""
        try:
            event = self._gateway.verify_event(payload, signature)
        except InvalidArgument:
            self._metrics.refused.inc()
            raise
        handled = event.type in HANDLERS
        async with self._uow(write=False) as uow:
            seen = await uow.stripe_events.get(event.id) is not None
        new = False
        if not seen:  # a duplicate takes no write lock (SQLite has one for the whole file)
            async with self._uow() as uow:
                new = await uow.stripe_events.add(event, now=self._clock(), processed=not handled)
                await uow.commit()
        self._metrics.received.labels(event.type, "new" if new else "duplicate").inc()
        if new and not handled:
            self._metrics.processed.labels(event.type, "ignored").inc()
        elif new:
            task = asyncio.create_task(self.process(event.id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            await asyncio.wait({task}, timeout=self._inline_seconds)
        return new

    async def process(self, event_id: str) -> bool:
        """Process one stored event unless it is done or held; True when it is done now."""
        now = self._clock()
        async with self._uow() as uow:
            claimed = await uow.stripe_events.claim(event_id, now=now, lease_until=now + LEASE)
            event = await uow.stripe_events.get(event_id) if claimed else None
            await uow.commit()
        if event is None:
            return False
        handler = HANDLERS.get(event.type)
        try:
            if handler is not None:
                await handler(self._sync, event.object_id)
        except Exception as error:  # any failure: keep the event, retry later
            attempts = await self._failed(event_id, error)
            self._metrics.processed.labels(event.type, "failed").inc()
            logger.warning(
                "stripe event %s (%s) failed (attempt %d): %r",
                event.id,
                event.type,
                attempts,
                error,
            )
            return False
        async with self._uow() as uow:
            await uow.stripe_events.finish(event_id, now=self._clock())
            await uow.commit()
        self._metrics.processed.labels(event.type, "ok" if handler else "ignored").inc()
        return True

    async def _failed(self, event_id: str, error: Exception) -> int:
        async with self._uow() as uow:
            attempts = await uow.stripe_events.attempts(event_id)
            delay = min(MAX_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1))
            await uow.stripe_events.fail(
                event_id,
                error=f"{type(error).__name__}: {error}"[:500],
                retry_at=self._clock() + timedelta(seconds=delay),
            )
            await uow.commit()
        return attempts

    async def process_due(self, *, limit: int = 50) -> int:
        """Retry the events whose next attempt is due; how many are done now."""
        async with self._uow(write=False) as uow:
            due = await uow.stripe_events.due(now=self._clock(), limit=limit)
        done = 0
        for event_id in due:
            done += await self.process(event_id)
        return done

    async def replay(self, *, created_after: datetime | None = None) -> ReplayReport:
        """Store and process every event Stripe still holds that was never processed here."""
        seen = stored = processed = failed = 0
        async for event in self._gateway.events(created_after=created_after):
            seen += 1
            async with self._uow() as uow:
                handled = event.type in HANDLERS
                if await uow.stripe_events.add(event, now=self._clock(), processed=not handled):
                    stored += 1
                done = bool(await uow.stripe_events.processed([event.id]))
                await uow.commit()
            if done:
                continue
            if await self.process(event.id):
                processed += 1
            else:
                failed += 1
        return ReplayReport(seen, stored, processed, failed)

    async def failing_events(self) -> int:
        """Unprocessed events that failed at least once (they are being retried)."""
        async with self._uow(write=False) as uow:
            return await uow.stripe_events.failed_count()

    async def aclose(self) -> None:
        """Let in-flight processing finish (it is short and idempotent) before shutdown."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self._inline_seconds)

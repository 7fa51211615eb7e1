"""Stripe's webhook below the API: signatures, storage before processing, duplicates and any
order, failures kept and retried, and the replay after an outage."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import func, select, text
from support.e2e_billing import WEBHOOK_SECRET

from services.billing.webhooks import HANDLERS
from services.common.principal import Principal
from services.db.models import StripeEventRow
from services.errors import InvalidArgument

if TYPE_CHECKING:
    from conftest import Billed


async def stored_events(billed: Billed) -> int:
    async with billed.uow(write=False) as unit:
        return int(await unit.session.scalar(select(func.count()).select_from(StripeEventRow)))


async def a_paid_subscription(billed: Billed) -> tuple[Principal, list[dict[str, Any]]]:
    user = await billed.user()
    session = await billed.parts.billing.start_subscription(
        user, "pro", success_url="", cancel_url=""
    )
    return user, billed.stripe.pay_checkout(session.id)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda payload, header: (payload, ""),
        lambda payload, header: (payload.replace(b'"', b" ", 1) + b" ", header),
        lambda payload, header: (payload, header.replace("v1=", "v1=0")),
    ],
    ids=["missing", "forged-body", "forged-signature"],
)
async def test_unsigned_or_forged_deliveries_are_refused_and_not_stored(
    billed: Billed, tamper: Any
) -> None:
    _, events = await a_paid_subscription(billed)
    payload, header = billed.stripe.signed(events[0], WEBHOOK_SECRET)
    with pytest.raises(InvalidArgument):
        await billed.parts.webhooks.receive(*tamper(payload, header))
    assert await stored_events(billed) == 0
    assert billed.metric("huntaze_billing_webhook_refused_total") == 1


async def test_a_stale_signature_is_refused(billed: Billed) -> None:
    _, events = await a_paid_subscription(billed)
    payload, header = billed.stripe.signed(
        events[0], WEBHOOK_SECRET, timestamp=int(time.time()) - 301
    )
    with pytest.raises(InvalidArgument, match="older than 300 s"):
        await billed.parts.webhooks.receive(payload, header)


async def test_a_signed_body_that_is_not_an_event_is_refused(billed: Billed) -> None:
    for raw in (b"{not json", json.dumps({"id": "evt_1"}).encode()):
        payload, header = billed.stripe.signed(raw, WEBHOOK_SECRET)
        with pytest.raises(InvalidArgument):
            await billed.parts.webhooks.receive(payload, header)
    assert await stored_events(billed) == 0


async def test_duplicates_are_acknowledged_and_ignored(billed: Billed) -> None:
    user, events = await a_paid_subscription(billed)
    paid = events[-1]
    payload, header = billed.stripe.signed(paid, WEBHOOK_SECRET)
    assert await billed.parts.webhooks.receive(payload, header) is True
    assert await billed.parts.webhooks.receive(payload, header) is False
    labels = {"type": "checkout.session.completed"}
    assert (
        billed.metric("huntaze_billing_webhook_events_total", delivery="duplicate", **labels) == 1
    )
    assert billed.metric("huntaze_billing_events_processed_total", outcome="ok", **labels) == 1
    assert await billed.plan(user) == "pro"


async def test_unknown_event_types_are_stored_and_ignored(billed: Billed) -> None:
    event = {
        "id": "evt_unknown_1",
        "object": "event",
        "type": "radar.early_fraud_warning.created",
        "created": int(time.time()),
        "data": {"object": {"id": "issfr_1", "object": "radar.early_fraud_warning"}},
    }
    payload, header = billed.stripe.signed(json.dumps(event).encode(), WEBHOOK_SECRET)
    assert await billed.parts.webhooks.receive(payload, header)
    assert await stored_events(billed) == 1
    assert (
        billed.metric(
            "huntaze_billing_events_processed_total", type=event["type"], outcome="ignored"
        )
        == 1
    )


async def state(billed: Billed, users: list[Principal]) -> list[tuple[Any, ...]]:
    """What a user can see of their billing: plan, subscriptions, credits, invoices."""
    seen = []
    for user in users:
        current = await billed.parts.billing.current(user)
        credits = await billed.parts.billing.credits(user)
        invoices = await billed.parts.billing.invoices(user)
        subscription = current.subscription
        seen.append(
            (
                current.plan,
                subscription and (subscription.status, subscription.plan),
                subscription and subscription.cancel_at_period_end,
                credits.balance,
                credits.frozen,
                sorted((e.kind, e.amount) for e in credits.entries),
                sorted(i.id for i in invoices),
            )
        )
    return seen


async def a_busy_month(billed: Billed) -> tuple[list[Principal], list[dict[str, Any]]]:
    """Two users' worth of events: plans bought, changed, failed and cancelled; packs bought,
    refunded and disputed."""
    events: list[dict[str, Any]] = []
    first, paid = await a_paid_subscription(billed)
    events += paid
    (subscription,) = billed.stripe.objects("subscription")
    events += billed.stripe.portal_change_price(subscription["id"], "price_enterprise")
    events += billed.stripe.fail_renewal(subscription["id"])
    events += billed.stripe.set_subscription_status(subscription["id"], "active")
    events += billed.stripe.renew(subscription["id"])
    events += billed.stripe.portal_cancel(subscription["id"])

    second = await billed.user()
    late = await billed.parts.billing.start_pack_checkout(
        second, "small", success_url="", cancel_url=""
    )
    events += billed.stripe.pay_checkout(late.id, payment="async_pending")
    events += billed.stripe.settle_async(late.id, succeeded=True)
    for pack in ("small", "large"):
        session = await billed.parts.billing.start_pack_checkout(
            second, pack, success_url="", cancel_url=""
        )
        events += billed.stripe.pay_checkout(session.id)
        intent = billed.stripe.get(billed.stripe.get(session.id)["payment_intent"])
        charge = intent["latest_charge"]
        if pack == "small":
            events += billed.stripe.refund(charge, 300)
            events += billed.stripe.refund(charge, 300)
        else:
            opened = billed.stripe.dispute(charge)
            events += opened
            events += billed.stripe.close_dispute(opened[-1]["data"]["object"]["id"], won=True)
    return [first, second], events


async def forget_what_events_did(billed: Billed, users: list[Principal]) -> None:
    """Back to before any event: no subscriptions, credits, invoices or stored events, every
    user free (the Stripe customers stay: the API made them, not an event)."""
    async with billed.uow() as unit:
        for table in (
            "stripe_events",
            "invoices",
            "credit_entries",
            "credit_grants",
            "credit_accounts",
            "subscriptions",
        ):
            await unit.session.execute(text(f"DELETE FROM {table}"))
        for user in users:
            account = await unit.users.get(user.user_id)
            assert account is not None
            await unit.users.save(replace(account, subscription="free"))
        await unit.commit()


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_shuffled_duplicated_streams_end_like_an_orderly_delivery(
    billed: Billed, seed: int
) -> None:
    users, events = await a_busy_month(billed)
    assert len(events) >= 20
    await billed.deliver(*events)
    orderly = await state(billed, users)
    first, second = orderly
    assert first[:3] == ("enterprise", ("active", "enterprise"), True)
    assert second[3:5] == (100 + 100 - 66 + 1000, 0)

    await forget_what_events_did(billed, users)
    shuffled = events * 2
    random.Random(seed).shuffle(shuffled)
    await billed.deliver(*shuffled)

    assert await state(billed, users) == orderly


async def test_a_failed_event_is_kept_and_retried(billed: Billed) -> None:
    user, events = await a_paid_subscription(billed)
    billed.stripe.fail_next("GET", "/v1/subscriptions/", status=500, times=10)
    await billed.deliver(*events)
    assert await billed.plan(user) == "free"
    assert await billed.parts.webhooks.failing_events() >= 1
    failed = billed.metric(
        "huntaze_billing_events_processed_total",
        type="customer.subscription.created",
        outcome="failed",
    )
    assert failed == 1

    billed.stripe.clear_failures()
    async with billed.uow() as unit:  # the retry time has come
        await unit.session.execute(
            StripeEventRow.__table__.update().values(next_attempt_at=StripeEventRow.received_at)
        )
        await unit.commit()
    assert await billed.parts.webhooks.process_due() >= 1
    assert await billed.plan(user) == "pro"
    assert await billed.parts.webhooks.failing_events() == 0


async def test_replay_processes_what_was_never_delivered_once(billed: Billed) -> None:
    user, events = await a_paid_subscription(billed)
    await billed.deliver(events[0])  # the rest was lost in an outage

    report = await billed.parts.webhooks.replay()
    missed = [event for event in events[1:] if event["type"] in HANDLERS]
    assert (report.processed, report.failed) == (len(missed), 0)
    assert report.stored == report.seen - 1  # every other event is kept for the record
    assert await billed.plan(user) == "pro"
    again = await billed.parts.webhooks.replay()
    assert (again.stored, again.processed) == (0, 0)

"""The fake Stripe server (support.fake_stripe) through the real `stripe` SDK's async client.

One server serves the module; each test starts from `reset()` with the clock at a fixed time.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe
from support.clock import FakeClock
from support.fake_stripe import DAY, FakeStripe, Price
from support.fake_stripe_forms import parse_form

KEY = "sk_test_fake_4242"
OTHER_KEY = "sk_test_other_9999"
PRICES = {
    "price_pro": Price(unit_amount=2900),
    "price_enterprise": Price(unit_amount=9900),
    "price_small": Price(unit_amount=900, recurring=False),
}
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOW = int(START.timestamp())
WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture(scope="module")
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(scope="module")
def module_server(clock: FakeClock) -> Iterator[FakeStripe]:
    with FakeStripe(KEY, prices=PRICES, clock=clock, extra_keys=[OTHER_KEY]) as server:
        yield server


@pytest.fixture
def server(module_server: FakeStripe, clock: FakeClock) -> FakeStripe:
    module_server.reset()
    clock.now = START
    return module_server


def make_client(
    server: FakeStripe, key: str = KEY
) -> tuple[stripe.StripeClient, stripe.HTTPXClient]:
    http = stripe.HTTPXClient()
    client = stripe.StripeClient(
        key, base_addresses={"api": server.base_url}, http_client=http, max_network_retries=0
    )
    return client, http


@pytest.fixture
async def client(server: FakeStripe) -> AsyncIterator[stripe.StripeClient]:
    client, http = make_client(server)
    yield client
    await http.close_async()


async def subscription_session(client: stripe.StripeClient) -> Any:
    customer = await client.v1.customers.create_async({"email": "ann@example.com"})
    params: dict[str, Any] = {
        "mode": "subscription",
        "customer": customer.id,
        "client_reference_id": "user-1",
        "line_items": [{"price": "price_pro", "quantity": 1}],
        "success_url": "https://app.example/ok",
        "cancel_url": "https://app.example/cancel",
        "metadata": {"user_id": "1"},
        "subscription_data": {"metadata": {"user_id": "1", "plan": "pro"}},
    }
    return await client.v1.checkout.sessions.create_async(params)


async def paid_payment(server: FakeStripe, client: stripe.StripeClient) -> Any:
    """A paid one-time Checkout payment; returns its charge."""
    session = await client.v1.checkout.sessions.create_async(
        {
            "mode": "payment",
            "line_items": [{"price": "price_small", "quantity": 2}],
            "payment_intent_data": {"metadata": {"pack": "small", "user_id": "7"}},
            "success_url": "https://app.example/ok",
        }
    )
    server.pay_checkout(session.id)
    session = await client.v1.checkout.sessions.retrieve_async(session.id)
    intent = await client.v1.payment_intents.retrieve_async(session.payment_intent)
    return await client.v1.charges.retrieve_async(intent.latest_charge)


def types(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]


# -- customers and idempotency ----------------------------------------------------------------


async def test_customer_round_trip(server: FakeStripe, client: stripe.StripeClient) -> None:
    created = await client.v1.customers.create_async(
        {"email": "ann@example.com", "name": "Ann", "metadata": {"user_id": "42", "7": "x"}}
    )
    fetched = await client.v1.customers.retrieve_async(created.id)

    assert created.id.startswith("cus_") and isinstance(created, stripe.Customer)
    assert fetched.to_dict() == created.to_dict()
    assert (fetched.email, fetched.name, fetched.livemode, fetched.created) == (
        "ann@example.com",
        "Ann",
        False,
        NOW,
    )
    assert fetched.metadata.to_dict() == {"user_id": "42", "7": "x"}
    assert types(server.events) == ["customer.created"]


async def test_concurrent_creates_with_one_key_make_one_customer(clock: FakeClock) -> None:
    # latency: each POST takes 50 ms, so the ten requests really overlap on the server.
    with FakeStripe(KEY, clock=clock, latency=0.05) as server:
        client, http = make_client(server)
        try:
            results = await asyncio.gather(
                *(
                    client.v1.customers.create_async(
                        {"email": "ann@example.com", "metadata": {"user_id": "42"}},
                        {"idempotency_key": "customer-42"},
                    )
                    for _ in range(10)
                )
            )
        finally:
            await http.close_async()

    assert len({customer.id for customer in results}) == 1
    assert len(server.objects("customer")) == 1
    posts = [r for r in server.requests if r.method == "POST"]
    assert sorted(r.replayed for r in posts) == [False] + [True] * 9
    assert {r.status for r in posts} == {200}
    replayed = [c for c in results if c.last_response.headers.get("Idempotent-Replayed")]
    assert len(replayed) == 9


async def test_conflicting_in_flight_requests_get_409_when_asked(clock: FakeClock) -> None:
    with FakeStripe(KEY, clock=clock, latency=0.1, idempotency_conflicts=True) as server:
        client, http = make_client(server)
        try:
            first, second = await asyncio.gather(
                *(
                    client.v1.customers.create_async({}, {"idempotency_key": "customer-1"})
                    for _ in range(2)
                ),
                return_exceptions=True,
            )
        finally:
            await http.close_async()

    outcomes = sorted([first, second], key=lambda r: isinstance(r, Exception))
    assert isinstance(outcomes[0], stripe.Customer)
    assert isinstance(outcomes[1], stripe.APIError) and outcomes[1].http_status == 409
    assert outcomes[1].json_body["error"]["code"] == "idempotency_key_in_use"


async def test_replays_are_byte_for_byte_and_keys_are_per_api_key(server: FakeStripe) -> None:
    url = f"{server.base_url}/v1/customers"
    headers = {"Authorization": f"Bearer {KEY}", "Idempotency-Key": "k1"}
    async with httpx.AsyncClient() as http:
        first = await http.post(url, data={"email": "a@example.com"}, headers=headers)
        again = await http.post(url, data={"email": "a@example.com"}, headers=headers)
        other_key = {**headers, "Authorization": f"Bearer {OTHER_KEY}"}
        other = await http.post(url, data={"email": "a@example.com"}, headers=other_key)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["original-request"] == first.headers["request-id"]
    assert again.headers["request-id"] != first.headers["request-id"]
    assert other.json()["id"] != first.json()["id"]


async def test_same_key_other_params_is_an_idempotency_error(
    client: stripe.StripeClient,
) -> None:
    await client.v1.customers.create_async({"email": "a@example.com"}, {"idempotency_key": "k"})
    with pytest.raises(stripe.IdempotencyError) as caught:
        await client.v1.customers.create_async({"email": "b@example.com"}, {"idempotency_key": "k"})
    assert caught.value.http_status == 400


async def test_validation_errors_are_not_saved_but_saved_failures_replay(
    server: FakeStripe, client: stripe.StripeClient
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.customers.create_async({"email": "nope"}, {"idempotency_key": "k2"})
    assert caught.value.param == "email"
    # The 400 was not the key's result: the corrected request runs under the same key.
    fixed = await client.v1.customers.create_async({"email": "a@b.c"}, {"idempotency_key": "k2"})
    assert server.get(fixed.id)["email"] == "a@b.c"

    server.fail_next("POST", "/v1/customers", 500, saved=True)
    for _ in range(2):
        with pytest.raises(stripe.APIError):
            await client.v1.customers.create_async({}, {"idempotency_key": "k3"})
    assert [r.replayed for r in server.requests[-2:]] == [False, True]
    assert len(server.objects("customer")) == 1


# -- errors -----------------------------------------------------------------------------------


async def test_unknown_ids_are_404_invalid_request_errors(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.customers.retrieve_async("cus_missing")
    error = caught.value
    assert (error.http_status, error.code, error.param) == (404, "resource_missing", "id")
    assert error.user_message == "No such customer: 'cus_missing'"
    assert error.request_id is not None and error.request_id.startswith("req_")

    with pytest.raises(stripe.InvalidRequestError, match="No such subscription"):
        await client.v1.subscriptions.retrieve_async("sub_missing")


async def test_a_wrong_api_key_is_an_authentication_error(server: FakeStripe) -> None:
    client, http = make_client(server, key="sk_test_wrong_0000")
    try:
        with pytest.raises(stripe.AuthenticationError) as caught:
            await client.v1.customers.create_async({"email": "a@example.com"})
    finally:
        await http.close_async()
    assert caught.value.http_status == 401
    assert caught.value.user_message == "Invalid API Key provided: sk_test_******0000"
    assert server.objects("customer") == []


async def test_fail_next_answers_a_stripe_error_then_recovers(
    server: FakeStripe, client: stripe.StripeClient
) -> None:
    server.fail_next("GET", "/v1/customers/", 503, times=2)
    customer = await client.v1.customers.create_async({})
    for _ in range(2):
        with pytest.raises(stripe.APIError) as caught:
            await client.v1.customers.retrieve_async(customer.id)
        assert caught.value.http_status == 503
    assert (await client.v1.customers.retrieve_async(customer.id)).id == customer.id
    server.fail_next("POST", "/v1/checkout/sessions", 429)
    with pytest.raises(stripe.RateLimitError):
        await subscription_session(client)


async def test_every_response_has_a_request_id(server: FakeStripe) -> None:
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        answers = [
            await http.get("/v1/customers/cus_x", headers={"Authorization": f"Bearer {KEY}"}),
            await http.get("/v1/customers/cus_x"),
            await http.get("/v1/nowhere", headers={"Authorization": f"Bearer {KEY}"}),
        ]
    assert [a.status_code for a in answers] == [404, 401, 404]
    assert all(a.headers["request-id"].startswith("req_") for a in answers)
    assert all("error" in a.json() for a in answers)


# -- checkout ---------------------------------------------------------------------------------


async def test_checkout_session_round_trip_and_line_items_expansion(
    client: stripe.StripeClient,
) -> None:
    session = await subscription_session(client)

    assert session.id.startswith("cs_test_") and isinstance(session, stripe.checkout.Session)
    assert session.url.endswith(f"/pay/{session.id}")
    assert (session.status, session.payment_status, session.mode) == (
        "open",
        "unpaid",
        "subscription",
    )
    assert (session.amount_total, session.currency, session.client_reference_id) == (
        2900,
        "usd",
        "user-1",
    )
    assert session.metadata.to_dict() == {"user_id": "1"}
    assert session.subscription is None and session.payment_intent is None
    assert "line_items" not in session

    expanded = await client.v1.checkout.sessions.retrieve_async(
        session.id, {"expand": ["line_items"]}
    )
    (item,) = expanded.line_items.data
    assert expanded.line_items.object == "list" and expanded.line_items.has_more is False
    assert item.object == "item" and item.id.startswith("li_")
    assert (item.price.id, item.price.unit_amount, item.quantity, item.amount_total) == (
        "price_pro",
        2900,
        1,
        2900,
    )
    assert item.price.recurring.interval == "month"


async def test_checkout_session_validation(client: stripe.StripeClient) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"line_items": [{"price": "price_pro", "quantity": 1}]}, "mode"),
        ({"mode": "subscription"}, "line_items"),
        (
            {"mode": "subscription", "line_items": [{"price": "price_nope", "quantity": 1}]},
            "line_items[0][price]",
        ),
        (
            {"mode": "subscription", "line_items": [{"price": "price_pro"}]},
            "line_items[0][quantity]",
        ),
        ({"mode": "payment", "line_items": [{"price": "price_pro", "quantity": 1}]}, "mode"),
        (
            {"mode": "subscription", "line_items": [{"price": "price_small", "quantity": 1}]},
            "line_items",
        ),
        (
            {
                "mode": "subscription",
                "customer": "cus_nope",
                "line_items": [{"price": "price_pro", "quantity": 1}],
            },
            "customer",
        ),
    ]
    for params, param in cases:
        with pytest.raises(stripe.InvalidRequestError) as caught:
            await client.v1.checkout.sessions.create_async(params)
        assert (caught.value.http_status, caught.value.param) == (400, param), params


async def test_billing_portal_session(client: stripe.StripeClient) -> None:
    customer = await client.v1.customers.create_async({})
    portal = await client.v1.billing_portal.sessions.create_async(
        {"customer": customer.id, "return_url": "https://app.example/billing"}
    )
    assert portal.object == "billing_portal.session" and portal.id.startswith("bps_")
    assert (portal.customer, portal.return_url) == (customer.id, "https://app.example/billing")
    assert portal.url.startswith("http://127.0.0.1:")
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.billing_portal.sessions.create_async({"customer": "cus_nope"})
    assert caught.value.param == "customer"


async def test_unpaid_and_expired_sessions(server: FakeStripe, client: stripe.StripeClient) -> None:
    unpaid = await subscription_session(client)
    completed = server.pay_checkout(unpaid.id, payment="unpaid")
    assert types(completed) == ["customer.subscription.created", "checkout.session.completed"]
    assert completed[0]["data"]["object"]["status"] == "incomplete"
    assert completed[-1]["data"]["object"]["payment_status"] == "unpaid"
    with pytest.raises(ValueError, match="not open"):
        server.pay_checkout(unpaid.id)

    abandoned = await subscription_session(client)
    expired = await client.v1.checkout.sessions.expire_async(abandoned.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert server.events[-1]["type"] == "checkout.session.expired"
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.checkout.sessions.expire_async(abandoned.id)
    assert types(server.expire_checkout((await subscription_session(client)).id)) == [
        "checkout.session.expired"
    ]


# -- subscriptions ----------------------------------------------------------------------------


async def test_paid_subscription_checkout(server: FakeStripe, client: stripe.StripeClient) -> None:
    session = await subscription_session(client)

    events = server.pay_checkout(session.id)

    assert types(events) == [
        "customer.subscription.created",
        "invoice.paid",
        "checkout.session.completed",
    ]
    done = await client.v1.checkout.sessions.retrieve_async(session.id)
    assert (done.status, done.payment_status, done.url) == ("complete", "paid", None)
    assert done.subscription.startswith("sub_")
    assert events[-1]["data"]["object"]["subscription"] == done.subscription

    sub = await client.v1.subscriptions.retrieve_async(done.subscription)
    assert isinstance(sub, stripe.Subscription)
    assert (sub.status, sub.customer, sub.cancel_at_period_end) == ("active", done.customer, False)
    assert sub.metadata.to_dict() == {"user_id": "1", "plan": "pro"}
    (item,) = sub["items"].data
    assert item.id.startswith("si_") and item.price.id == "price_pro"
    assert (item.current_period_start, item.current_period_end) == (NOW, NOW + 30 * DAY)

    invoice = await client.v1.invoices.retrieve_async(sub.latest_invoice, {"expand": ["payments"]})
    assert (invoice.status, invoice.amount_paid, invoice.billing_reason) == (
        "paid",
        2900,
        "subscription_create",
    )
    assert invoice.parent.type == "subscription_details"
    assert invoice.parent.subscription_details.subscription == sub.id
    assert invoice.parent.subscription_details.metadata.to_dict() == sub.metadata.to_dict()
    assert invoice.status_transitions.paid_at == NOW
    assert invoice.lines.data[0].period.end == NOW + 30 * DAY
    intent_id = invoice.payments.data[0].payment.payment_intent
    intent = await client.v1.payment_intents.retrieve_async(intent_id)
    charge = await client.v1.charges.retrieve_async(intent.latest_charge)
    assert (intent.status, charge.amount, charge.customer) == ("succeeded", 2900, sub.customer)

    listed = await client.v1.subscriptions.list_async({"customer": sub.customer, "limit": 5})
    assert [s.id for s in listed.data] == [sub.id]


async def test_subscription_updates_through_the_api(
    server: FakeStripe, client: stripe.StripeClient
) -> None:
    session = await subscription_session(client)
    server.pay_checkout(session.id)
    sub_id = server.get(session.id)["subscription"]
    sub = await client.v1.subscriptions.retrieve_async(sub_id)

    scheduled = await client.v1.subscriptions.update_async(
        sub_id, {"cancel_at_period_end": True}, {"idempotency_key": f"cancel-{sub_id}"}
    )
    assert scheduled.cancel_at_period_end is True
    assert (scheduled.cancel_at, scheduled.canceled_at) == (NOW + 30 * DAY, NOW)
    updated = server.events[-1]
    assert updated["type"] == "customer.subscription.updated"
    assert updated["data"]["previous_attributes"]["cancel_at_period_end"] is False
    assert updated["request"]["idempotency_key"] == f"cancel-{sub_id}"

    resumed = await client.v1.subscriptions.update_async(sub_id, {"cancel_at_period_end": False})
    assert (resumed.cancel_at_period_end, resumed.cancel_at, resumed.canceled_at) == (
        False,
        None,
        None,
    )

    item_id = sub["items"].data[0].id
    changed = await client.v1.subscriptions.update_async(
        sub_id,
        {
            "items": [{"id": item_id, "price": "price_enterprise"}],
            "metadata": {"plan": "enterprise"},
            "proration_behavior": "create_prorations",
        },
    )
    assert changed["items"].data[0].id == item_id
    assert changed["items"].data[0].price.id == "price_enterprise"
    assert changed.metadata.to_dict() == {"user_id": "1", "plan": "enterprise"}
    with pytest.raises(stripe.InvalidRequestError) as caught:
        await client.v1.subscriptions.update_async(
            sub_id, {"items": [{"id": item_id, "price": "price_nope"}], "metadata": {"x": "y"}}
        )
    assert caught.value.param == "items[0][price]"
    assert server.get(sub_id)["metadata"] == {"user_id": "1", "plan": "enterprise"}

    canceled = await client.v1.subscriptions.cancel_async(sub_id)
    assert (canceled.status, canceled.canceled_at, canceled.ended_at) == ("canceled", NOW, NOW)
    assert server.events[-1]["type"] == "customer.subscription.deleted"
    active = await client.v1.subscriptions.list_async({"customer": sub.customer})
    everything = await client.v1.subscriptions.list_async(
        {"customer": sub.customer, "status": "all"}
    )
    assert (len(active.data), len(everything.data)) == (0, 1)


async def test_renewals_failures_and_status_changes(
    server: FakeStripe, client: stripe.StripeClient, clock: FakeClock
) -> None:
    session = await subscription_session(client)
    server.pay_checkout(session.id)
    sub_id = server.get(session.id)["subscription"]

    clock.advance(30 * DAY)
    renewed = server.renew(sub_id)
    assert types(renewed) == ["customer.subscription.updated", "invoice.paid"]
    previous = renewed[0]["data"]["previous_attributes"]
    assert previous["items"]["data"][0]["current_period_end"] == NOW + 30 * DAY
    invoice = renewed[1]["data"]["object"]
    assert (invoice["billing_reason"], invoice["period_end"]) == (
        "subscription_cycle",
        NOW + 60 * DAY,
    )
    assert invoice["parent"]["subscription_details"]["subscription"] == sub_id

    clock.advance(30 * DAY)
    failed = server.fail_renewal(sub_id)
    assert types(failed) == [
        "customer.subscription.updated",
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    assert failed[-1]["data"]["previous_attributes"] == {"status": "active"}
    assert server.get(sub_id)["status"] == "past_due"

    recovered = server.set_subscription_status(sub_id, "active")
    assert types(recovered) == ["invoice.paid", "customer.subscription.updated"]

    paused = server.set_subscription_status(sub_id, "paused")
    assert types(paused) == ["customer.subscription.updated", "customer.subscription.paused"]
    assert types(server.set_subscription_status(sub_id, "active")) == [
        "customer.subscription.updated",
        "customer.subscription.resumed",
    ]

    server.portal_cancel(sub_id)
    undone = server.portal_undo_cancel(sub_id)
    assert undone[0]["data"]["object"]["cancel_at_period_end"] is False
    assert undone[0]["data"]["previous_attributes"]["cancel_at_period_end"] is True

    changed = server.portal_change_price(sub_id, "price_enterprise")
    assert changed[0]["data"]["object"]["items"]["data"][0]["price"]["id"] == "price_enterprise"
    canceling = server.portal_cancel(sub_id)
    assert canceling[0]["data"]["object"]["cancel_at_period_end"] is True
    assert canceling[0]["data"]["previous_attributes"]["cancel_at"] is None
    ended = server.renew(sub_id)  # the period ends: the scheduled cancellation happens
    assert types(ended) == ["customer.subscription.deleted"]
    assert ended[0]["data"]["object"]["status"] == "canceled"
    with pytest.raises(ValueError):
        server.renew(sub_id)


async def test_incomplete_subscription_after_sca(
    server: FakeStripe, client: stripe.StripeClient
) -> None:
    session = await subscription_session(client)

    created = server.create_incomplete_subscription(session.id)

    assert types(created) == ["customer.subscription.created"]
    sub = created[0]["data"]["object"]
    assert sub["status"] == "incomplete"
    assert server.get(sub["latest_invoice"])["status"] == "open"
    completed = server.pay_checkout(session.id)
    assert types(completed) == [
        "invoice.paid",
        "customer.subscription.updated",
        "checkout.session.completed",
    ]
    assert completed[-1]["data"]["object"]["subscription"] == sub["id"]
    assert len(server.objects("subscription")) == 1

    other = await subscription_session(client)
    lapsed = server.create_incomplete_subscription(other.id)[0]["data"]["object"]["id"]
    expired = server.set_subscription_status(lapsed, "incomplete_expired")
    assert types(expired) == ["customer.subscription.updated"]
    assert expired[0]["data"]["object"]["ended_at"] == NOW


# -- one-time payments, refunds, disputes -----------------------------------------------------


async def test_payment_refunds_and_disputes(
    server: FakeStripe, client: stripe.StripeClient
) -> None:
    charge = await paid_payment(server, client)
    intent = await client.v1.payment_intents.retrieve_async(charge.payment_intent)
    assert (intent.amount, intent.status, intent.metadata.to_dict()) == (
        1800,
        "succeeded",
        {"pack": "small", "user_id": "7"},
    )
    assert (charge.amount, charge.amount_refunded, charge.refunded) == (1800, 0, False)
    assert "refunds" not in charge  # not included unless expanded since API 2022-11-15

    first = server.refund(charge.id, 500)
    second = server.refund(charge.id, 1300)
    assert types(first + second) == ["charge.refunded", "charge.refunded"]
    assert second[0]["data"]["previous_attributes"] == {"amount_refunded": 500, "refunded": False}
    refunded = await client.v1.charges.retrieve_async(charge.id, {"expand": ["refunds"]})
    assert (refunded.amount_refunded, refunded.refunded) == (1800, True)
    assert [r.amount for r in refunded.refunds.data] == [1300, 500]
    with pytest.raises(ValueError, match="already been refunded"):
        server.refund(charge.id, 1)

    other = await paid_payment(server, client)
    opened = server.dispute(other.id)
    dispute_id = opened[0]["data"]["object"]["id"]
    assert types(opened) == ["charge.dispute.created"]
    dispute = await client.v1.disputes.retrieve_async(dispute_id)
    assert (dispute.status, dispute.charge, dispute.amount) == ("needs_response", other.id, 1800)
    assert (await client.v1.charges.retrieve_async(other.id)).disputed is True
    closed = server.close_dispute(dispute_id, won=False)
    assert types(closed) == ["charge.dispute.closed"]
    assert closed[0]["data"]["previous_attributes"] == {"status": "needs_response"}
    assert (await client.v1.disputes.retrieve_async(dispute_id)).status == "lost"


async def test_async_payments_settle_later(server: FakeStripe, client: stripe.StripeClient) -> None:
    outcomes = {}
    for succeeded in (True, False):
        session = await client.v1.checkout.sessions.create_async(
            {"mode": "payment", "line_items": [{"price": "price_small", "quantity": 1}]}
        )
        pending = server.pay_checkout(session.id, payment="async_pending")
        assert pending[-1]["data"]["object"]["payment_status"] == "unpaid"
        settled = server.settle_async(session.id, succeeded)
        fetched = await client.v1.checkout.sessions.retrieve_async(session.id)
        intent = await client.v1.payment_intents.retrieve_async(fetched.payment_intent)
        outcomes[succeeded] = (types(settled), fetched.payment_status, intent.status)

    assert outcomes[True] == (
        ["checkout.session.async_payment_succeeded"],
        "paid",
        "succeeded",
    )
    assert outcomes[False] == (
        ["checkout.session.async_payment_failed"],
        "unpaid",
        "requires_payment_method",
    )


# -- events and webhooks ----------------------------------------------------------------------


async def test_event_listing_pagination_and_filters(
    server: FakeStripe, client: stripe.StripeClient, clock: FakeClock
) -> None:
    for _ in range(5):
        await client.v1.customers.create_async({})
        clock.advance(10)
    session = await subscription_session(client)
    server.pay_checkout(session.id)
    log = server.events  # oldest first
    assert len(log) == 9

    first = await client.v1.events.list_async({"limit": 4})
    second = await client.v1.events.list_async({"limit": 4, "starting_after": first.data[-1].id})
    third = await client.v1.events.list_async({"limit": 4, "starting_after": second.data[-1].id})
    newest_first = [e.id for e in [*first.data, *second.data, *third.data]]
    assert newest_first == [e["id"] for e in reversed(log)]
    assert (first.has_more, second.has_more, third.has_more) == (True, True, False)
    assert first.data[0].type == "checkout.session.completed"
    assert first.data[0].api_version == "2026-10-28.endive"

    paged = [
        e.id async for e in (await client.v1.events.list_async({"limit": 2})).auto_paging_iter()
    ]
    assert paged == newest_first

    customers = await client.v1.events.list_async({"type": "customer.*"})
    assert {e.type for e in customers.data} == {"customer.created", "customer.subscription.created"}
    chosen = await client.v1.events.list_async(
        {"types": ["invoice.paid", "checkout.session.completed"]}
    )
    assert [e.type for e in chosen.data] == ["checkout.session.completed", "invoice.paid"]
    recent = await client.v1.events.list_async({"created": {"gte": NOW + 40}})
    assert len(recent.data) == 5  # customers at +40 s and +50 s, the checkout's three

    older = await client.v1.events.list_async({"limit": 3, "ending_before": log[2]["id"]})
    assert [e.id for e in older.data] == [e["id"] for e in reversed(log[3:6])]
    assert older.has_more is True

    server.mark_delivered(*(e["id"] for e in log[:7]))
    undelivered = await client.v1.events.list_async({"delivery_success": False})
    assert [e.id for e in undelivered.data] == [e["id"] for e in reversed(log[7:])]
    assert undelivered.data[0].pending_webhooks == 1

    one = await client.v1.events.retrieve_async(log[0]["id"])
    assert one.type == "customer.created" and one.data.object.object == "customer"
    with pytest.raises(stripe.InvalidRequestError, match="No such event"):
        await client.v1.events.retrieve_async("evt_missing")


async def test_signed_events_verify_and_tampering_is_caught(server: FakeStripe) -> None:
    event = {"id": "evt_x", "object": "event", "type": "customer.created", "data": {"object": {}}}

    payload, header = server.signed(event, WEBHOOK_SECRET)
    verified = stripe.Webhook.construct_event(payload, header, WEBHOOK_SECRET)
    assert verified.id == "evt_x" and verified.type == "customer.created"
    assert header.startswith("t=") and ",v1=" in header

    tampered = payload.replace(b"customer.created", b"customer.deleted")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(tampered, header, WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, header, "whsec_other")
    stale_payload, stale = server.signed(event, WEBHOOK_SECRET, timestamp=NOW - 3600 * 24 * 365)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(stale_payload, stale, WEBHOOK_SECRET)


async def test_logged_events_sign_by_id(server: FakeStripe, client: stripe.StripeClient) -> None:
    await client.v1.customers.create_async({"email": "a@example.com"})
    (logged,) = server.events
    payload, header = server.signed(logged["id"], WEBHOOK_SECRET)
    assert json.loads(payload) == logged
    verified = stripe.Webhook.construct_event(payload, header, WEBHOOK_SECRET)
    assert verified.data.object.email == "a@example.com"


# -- other callers: sync code and subprocesses ------------------------------------------------


def test_sync_client_and_subprocess(server: FakeStripe, tmp_path: Path) -> None:
    client = stripe.StripeClient(
        KEY, base_addresses={"api": server.base_url}, max_network_retries=0
    )
    assert client.v1.customers.create({"email": "sync@example.com"}).email == "sync@example.com"

    script = textwrap.dedent(
        """
        import sys, stripe
        client = stripe.StripeClient(sys.argv[2], base_addresses={"api": sys.argv[1]})
        print(client.v1.customers.create({"email": "child@example.com"}).id)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, server.base_url, KEY],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert server.get(done.stdout.strip())["email"] == "child@example.com"


def test_form_parsing() -> None:
    parsed = parse_form(
        "line_items[0][price]=p&line_items[0][quantity]=2&line_items[1][price]=q"
        "&metadata[0]=zero&metadata[user]=u&expand[]=a&expand[]=b.c&flag=true&empty="
    )
    assert parsed == {
        "line_items": [{"price": "p", "quantity": "2"}, {"price": "q"}],
        "metadata": {"0": "zero", "user": "u"},
        "expand": ["a", "b.c"],
        "flag": "true",
        "empty": "",
    }
    assert parse_form("items[0][id]=si_1&items[0][price]=p%5Bx%5D") == {
        "items": [{"id": "si_1", "price": "p[x]"}]
    }

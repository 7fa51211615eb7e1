"""Billing through Envoy, on SQLite and PostgreSQL: the real workers, the real `stripe` SDK in
them, a local Stripe-protocol server, and Stripe's signed webhooks POSTed to the REST route."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from support.databases import database
from support.e2e_billing import (
    PRICES,
    STRIPE_KEY,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    deliver,
    stripe_env,
    subscribe,
)
from support.e2e_client import bearer, refresh, signed_in
from support.e2e_stack import Stack, running_stack
from support.fake_stripe import FakeStripe

pytestmark = pytest.mark.e2e

ENV = {
    "RATE_LIMIT_STANDARD": "10000/60",
    "RATE_LIMIT_AUTH": "10000/60",
    "RATE_LIMIT_AI": "10000/60",
}
FREE_MESSAGES = 2
PRICING = {
    "contentType": "photo",
    "history": [
        {"price": 10, "offers": 200, "purchases": 30},
        {"price": 15, "offers": 180, "purchases": 20},
    ],
}


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe(STRIPE_KEY, prices=PRICES) as server:
        yield server


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    stripe_server: FakeStripe,
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp(f"billing-{request.param}")
    env = {
        **ENV,
        **stripe_env(stripe_server),
        "MESSAGE_ALLOWANCE_FREE": str(FREE_MESSAGES),
        "AI_OFFLINE_TOKEN_DELAY_MS": "0",
    }
    with (
        database(request.param, workdir) as url,
        running_stack(workdir, url, workers=2, env=env) as running,
    ):
        yield running


@pytest.fixture
def http(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=15) as client:
        yield client


def test_a_paid_subscription_unlocks_pro_routes_after_a_refresh(
    http: httpx.Client, stripe_server: FakeStripe
) -> None:
    _, access, refresh_token = signed_in(http)
    pricing = "/api/ai-assistant/tools/pricing-optimizer"
    assert http.post(pricing, json=PRICING, headers=bearer(access)).status_code == 403

    started = http.post("/api/billing/subscriptions", json={"plan": "pro"}, headers=bearer(access))
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["url"].startswith(stripe_server.base_url)
    deliver(http, stripe_server, stripe_server.pay_checkout(body["sessionId"]))

    refreshed = refresh(http, refresh_token)
    assert refreshed.status_code == 200
    assert refreshed.json()["user"]["subscription"] == "pro"
    pro = refreshed.json()["accessToken"]
    assert http.post(pricing, json=PRICING, headers=bearer(pro)).status_code == 200

    current = http.get("/api/billing/subscriptions/current", headers=bearer(pro)).json()
    assert current["plan"] == "pro"
    assert current["subscription"]["status"] == "active"
    invoices = http.get("/api/billing/invoices", headers=bearer(pro)).json()["invoices"]
    assert [(i["amountPaid"], i["currency"]) for i in invoices] == [(2900, "usd")]


def test_the_success_page_confirms_the_purchase_before_the_webhook(
    http: httpx.Client, stripe_server: FakeStripe
) -> None:
    _, access, _ = signed_in(http)
    started = http.post(
        "/api/billing/subscriptions", json={"plan": "enterprise"}, headers=bearer(access)
    )
    session_id = started.json()["sessionId"]
    stripe_server.pay_checkout(session_id)  # the webhook is late

    current = http.get(
        "/api/billing/subscriptions/current",
        params={"checkoutSessionId": session_id},
        headers=bearer(access),
    )
    assert current.status_code == 200, current.text
    assert current.json()["plan"] == "enterprise"
    again = http.post("/api/billing/subscriptions", json={"plan": "pro"}, headers=bearer(access))
    assert again.status_code == 409
    (info,) = [d for d in again.json()["details"] if d["@type"].endswith("ErrorInfo")]
    assert info["metadata"]["portal"] == "/api/billing/portal"


def test_cancel_and_resume(http: httpx.Client, stripe_server: FakeStripe) -> None:
    _, access, _ = signed_in(http)
    subscribe(http, stripe_server, access)
    current = http.get("/api/billing/subscriptions/current", headers=bearer(access)).json()
    subscription_id = current["subscription"]["id"]

    cancelled = http.post(
        f"/api/billing/subscriptions/{subscription_id}/cancel", json={}, headers=bearer(access)
    )
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["subscription"]["cancelAtPeriodEnd"] is True
    resumed = http.post(
        f"/api/billing/subscriptions/{subscription_id}/resume", json={}, headers=bearer(access)
    )
    assert resumed.json()["subscription"]["cancelAtPeriodEnd"] is False
    ended = http.post(
        f"/api/billing/subscriptions/{subscription_id}/cancel",
        json={"atPeriodEnd": False},
        headers=bearer(access),
    )
    assert ended.json()["subscription"]["status"] == "canceled"
    assert (
        http.get("/api/billing/subscriptions/current", headers=bearer(access)).json()["plan"]
        == "free"
    )


def test_message_packs_are_spent_by_the_generator_and_refunds_take_back_the_rest(
    http: httpx.Client, stripe_server: FakeStripe
) -> None:
    _, access, _ = signed_in(http)

    def generate(variants: int) -> httpx.Response:
        return http.post(
            "/api/ai-assistant/tools/message-generator",
            json={"template": "Hi {{name}}!", "recipient": {"name": "Sam"}, "variants": variants},
            headers=bearer(access),
        )

    assert generate(FREE_MESSAGES).status_code == 200
    assert generate(1).status_code == 402

    started = http.post(
        "/api/billing/message-packs/checkout", json={"pack": "small"}, headers=bearer(access)
    )
    assert started.status_code == 200, started.text
    session_id = started.json()["sessionId"]
    events = stripe_server.pay_checkout(session_id)
    deliver(http, stripe_server, [*events, *events])  # a duplicate delivery grants nothing more
    credits = http.get("/api/billing/credits", headers=bearer(access)).json()
    assert credits["balance"] == 100

    assert generate(5).status_code == 200
    assert http.get("/api/billing/credits", headers=bearer(access)).json()["balance"] == 95

    intent = stripe_server.get(stripe_server.get(session_id)["payment_intent"])
    deliver(http, stripe_server, stripe_server.refund(intent["latest_charge"]))
    after = http.get("/api/billing/credits", headers=bearer(access)).json()
    assert after["balance"] == 0
    assert [e["kind"] for e in after["entries"]][:3] == ["refund", "usage", "purchase"]
    assert generate(1).status_code == 402


def test_the_webhook_refuses_bad_signatures_with_400(
    http: httpx.Client, stripe_server: FakeStripe
) -> None:
    _, access, _ = signed_in(http)
    started = http.post(
        "/api/billing/message-packs/checkout", json={"pack": "small"}, headers=bearer(access)
    )
    (event,) = stripe_server.pay_checkout(started.json()["sessionId"])
    payload, signature = stripe_server.signed(event, WEBHOOK_SECRET)
    stale_payload, stale = stripe_server.signed(
        event, WEBHOOK_SECRET, timestamp=int(time.time()) - 600
    )
    for body, header in (
        (payload, ""),
        (payload + b" ", signature),
        (stale_payload, stale),
        (b"{", signature),
    ):
        refused = http.post(
            WEBHOOK_PATH,
            content=body,
            headers={
                "content-type": "application/json",
                **({"stripe-signature": header} if header else {}),
            },
        )
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == 3
    assert http.get("/api/billing/credits", headers=bearer(access)).json()["balance"] == 0


def test_health_shows_stripe(http: httpx.Client) -> None:
    health = http.get("/api/health").json()
    assert health["checks"]["stripe"]["status"] == "ok"


def test_without_a_stripe_key_billing_answers_503_naming_the_setting(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    workdir = tmp_path_factory.mktemp("billing-off")
    with (
        database("sqlite", workdir) as url,
        running_stack(workdir, url, env=ENV) as stack,
        httpx.Client(base_url=stack.base_url, timeout=15) as client,
    ):
        _, access, _ = signed_in(client)
        checkout = client.post(
            "/api/billing/subscriptions", json={"plan": "pro"}, headers=bearer(access)
        )
        assert checkout.status_code == 503
        assert "STRIPE_SECRET_KEY" in checkout.json()["message"]
        webhook = client.post(WEBHOOK_PATH, content=b"{}", headers={"stripe-signature": "t=1,v1=0"})
        assert webhook.status_code == 503
        health = client.get("/api/health").json()
        assert health["status"] == "ok"
        assert health["checks"]["stripe"]["status"] == "not_configured"
        credits = client.get("/api/billing/credits", headers=bearer(access))
        assert credits.status_code == 200

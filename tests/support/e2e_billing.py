"""Billing on a running stack: the environment that points it at a local Stripe-protocol
server, and Stripe's side of a purchase (pay, then deliver the signed events through Envoy)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from support.e2e_client import bearer
from support.fake_stripe import FakeStripe, Price

STRIPE_KEY = "sk_test_e2e"
WEBHOOK_SECRET = "whsec_e2e"
WEBHOOK_PATH = "/api/billing/stripe/webhook"
PRICES = {
    "price_pro": Price(2900),
    "price_enterprise": Price(9900),
    "price_small": Price(900, recurring=False),
    "price_medium": Price(3900, recurring=False),
    "price_large": Price(12900, recurring=False),
}
PACKS = {
    "small": {"credits": 100, "price": "price_small"},
    "medium": {"credits": 500, "price": "price_medium"},
    "large": {"credits": 2000, "price": "price_large"},
}


def stripe_env(server: FakeStripe) -> dict[str, str]:
    return {
        "STRIPE_SECRET_KEY": STRIPE_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": server.base_url,
        "STRIPE_PRICE_PRO": "price_pro",
        "STRIPE_PRICE_ENTERPRISE": "price_enterprise",
        "MESSAGE_PACKS": json.dumps(PACKS),
        "FRONTEND_URL": "https://app.example.com",
    }


def deliver(http: httpx.Client, server: FakeStripe, events: Iterable[dict[str, Any]]) -> None:
    """POST each event to the webhook as Stripe would: raw JSON, signed; each must be 200."""
    for event in events:
        payload, signature = server.signed(event, WEBHOOK_SECRET)
        response = http.post(
            WEBHOOK_PATH,
            content=payload,
            headers={"content-type": "application/json", "stripe-signature": signature},
        )
        assert response.status_code == 200, response.text


def subscribe(http: httpx.Client, server: FakeStripe, access: str, plan: str = "pro") -> str:
    """Buy `plan` through Checkout and deliver Stripe's events; the Checkout session id."""
    started = http.post("/api/billing/subscriptions", json={"plan": plan}, headers=bearer(access))
    assert started.status_code == 200, started.text
    session_id = started.json()["sessionId"]
    deliver(http, server, server.pay_checkout(session_id))
    return str(session_id)

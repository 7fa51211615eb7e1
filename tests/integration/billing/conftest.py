"""Billing as the composition root builds it (server.billing.build_billing), over the real
`stripe` SDK talking HTTP to the local Stripe-protocol server, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from support.e2e_billing import PRICES, STRIPE_KEY, WEBHOOK_SECRET
from support.fake_stripe import FakeStripe
from support.fakes import an_account

from server.billing import BillingParts, build_billing
from server.config import MessagePackSettings, Settings
from services.billing.metrics import BillingMetrics
from services.common.clock import utc_now
from services.common.ids import new_id
from services.common.principal import Principal
from services.db import SqlUnitOfWorkFactory

PACKS = {
    "small": MessagePackSettings(credits=100, price="price_small"),
    "large": MessagePackSettings(credits=1000, price="price_large"),
}


@pytest.fixture(scope="module")
def stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe(STRIPE_KEY, prices=PRICES) as server:
        yield server


def settings(stripe_server: FakeStripe, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": "test",
        "jwt_secret": "x" * 40,
        "stripe_secret_key": STRIPE_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": stripe_server.base_url,
        "stripe_price_pro": "price_pro",
        "stripe_price_enterprise": "price_enterprise",
        "message_packs": PACKS,
        "message_allowance_free": 0,
        "frontend_url": "https://app.example.com",
        **overrides,
    }
    return Settings(**values)


@dataclass
class Billed:
    """Billing parts, their metrics, and the fake Stripe."""

    parts: BillingParts
    registry: CollectorRegistry
    stripe: FakeStripe
    uow: SqlUnitOfWorkFactory

    async def user(self, plan: str = "free") -> Principal:
        account = an_account(email=f"{new_id()}@example.com", subscription=plan)
        async with self.uow() as unit:
            await unit.users.add(account)
            await unit.commit()
        return Principal(user_id=account.id, plan=plan)

    async def plan(self, user: Principal) -> str:
        async with self.uow(write=False) as unit:
            account = await unit.users.get(user.user_id)
        assert account is not None
        return account.subscription

    async def deliver(self, *events: dict[str, Any]) -> None:
        for event in events:
            payload, header = self.stripe.signed(event, WEBHOOK_SECRET)
            await self.parts.webhooks.receive(payload, header)

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def billed(
    stripe_server: FakeStripe, uow_factory: SqlUnitOfWorkFactory
) -> AsyncIterator[Billed]:
    stripe_server.reset()
    registry = CollectorRegistry()
    parts = build_billing(
        settings(stripe_server), uow_factory, BillingMetrics(registry), clock=utc_now, ids=new_id
    )
    try:
        yield Billed(parts, registry, stripe_server, uow_factory)
    finally:
        await parts.aclose()

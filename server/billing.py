"""Part of the composition root: billing built from settings (Stripe, the ledger, webhooks),
and the background task that retries Stripe events whose processing failed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass

from server.config import Settings
from services.billing.metering import MessageMeter
from services.billing.metrics import BillingMetrics
from services.billing.model import BillingConfig, MessagePack
from services.billing.not_configured import NotConfiguredGateway
from services.billing.ports import BillingUnitOfWork
from services.billing.service import Billing
from services.billing.stripe_gateway import StripeGateway
from services.billing.sync import StripeSync
from services.billing.webhooks import StripeWebhooks
from services.common.clock import Clock
from services.common.ids import IdGenerator
from services.common.uow import UnitOfWorkFactory

logger = logging.getLogger("huntaze.billing")

# How often each worker looks for Stripe events due for another try.
RETRY_INTERVAL_SECONDS = 5.0


def billing_config(settings: Settings) -> BillingConfig:
    return BillingConfig(
        price_plans={
            settings.stripe_price_pro: "pro",
            settings.stripe_price_enterprise: "enterprise",
        },
        packs={
            name: MessagePack(name, pack.credits, pack.price)
            for name, pack in settings.message_packs.items()
        },
        allowances={
            "free": settings.message_allowance_free,
            "pro": settings.message_allowance_pro,
            "enterprise": settings.message_allowance_enterprise,
        },
        frontend_url=settings.frontend_url.rstrip("/"),
    )


@dataclass(frozen=True)
class BillingParts:
    billing: Billing
    webhooks: StripeWebhooks
    meter: MessageMeter
    gateway: StripeGateway | NotConfiguredGateway

    @property
    def configured(self) -> bool:
        return isinstance(self.gateway, StripeGateway)

    async def aclose(self) -> None:
        await self.webhooks.aclose()
        await self.gateway.aclose()


def build_billing(
    settings: Settings,
    uow_factory: UnitOfWorkFactory[BillingUnitOfWork],
    metrics: BillingMetrics,
    *,
    clock: Clock,
    ids: IdGenerator,
    plan_changed: Callable[[str], None] = lambda user_id: None,
) -> BillingParts:
    config = billing_config(settings)
    gateway: StripeGateway | NotConfiguredGateway = (
        StripeGateway(
            secret_key=settings.stripe_secret_key,
            webhook_secret=settings.stripe_webhook_secret,
            api_base=settings.stripe_api_base,
            timeout_seconds=settings.stripe_timeout_seconds,
            max_network_retries=settings.stripe_max_network_retries,
        )
        if settings.stripe_secret_key
        else NotConfiguredGateway()
    )
    sync = StripeSync(gateway, uow_factory, config, clock=clock, ids=ids, plan_changed=plan_changed)
    return BillingParts(
        billing=Billing(gateway, uow_factory, sync, config, clock=clock),
        webhooks=StripeWebhooks(gateway, uow_factory, sync, metrics, clock=clock),
        meter=MessageMeter(uow_factory, config.allowances, clock=clock, ids=ids),
        gateway=gateway,
    )


async def retry_failed_events(webhooks: StripeWebhooks, *, interval: float) -> None:
    """Forever: process the Stripe events that are due for another try."""
    while True:
        try:
            await webhooks.process_due()
        except Exception:  # the database may be down for a while: keep trying
            logger.exception("retrying stripe events failed")
        await asyncio.sleep(interval)

"""The PaymentGateway when STRIPE_SECRET_KEY is not set: every Stripe call is a 503 naming the
setting (the webhook too, so Stripe retries the delivery once billing is configured)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, NoReturn

from services.billing.model import StripeEvent
from services.errors import Unavailable

NOT_CONFIGURED = "billing is not configured on this server: set STRIPE_SECRET_KEY"


def _refuse(*args: Any, **kwargs: Any) -> NoReturn:
    raise Unavailable(NOT_CONFIGURED)


async def _refuse_async(*args: Any, **kwargs: Any) -> NoReturn:
    _refuse()


class NotConfiguredGateway:
    create_customer = staticmethod(_refuse_async)
    create_checkout = staticmethod(_refuse_async)
    create_portal_session = staticmethod(_refuse_async)
    checkout_session = staticmethod(_refuse_async)
    subscription = staticmethod(_refuse_async)
    subscriptions_of = staticmethod(_refuse_async)
    set_cancel_at_period_end = staticmethod(_refuse_async)
    cancel_now = staticmethod(_refuse_async)
    invoice = staticmethod(_refuse_async)
    charge = staticmethod(_refuse_async)
    charge_of_payment = staticmethod(_refuse_async)
    dispute = staticmethod(_refuse_async)
    disputes_of = staticmethod(_refuse_async)
    verify_event = staticmethod(_refuse)

    def events(self, *, created_after: datetime | None) -> AsyncIterator[StripeEvent]:
        _refuse()

    async def aclose(self) -> None:
        return None

"""The PaymentGateway over Stripe's official SDK (async client, httpx transport).

Stripe's objects become the plain records of services.billing.model here, and its errors
become domain errors: a missing object is NotFound; Stripe down, slow, rate limiting or
refusing our key is Unavailable (503, retry later), never a 500.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime
from typing import Any

import stripe

from services.billing.model import (
    Charge,
    CheckoutSession,
    Dispute,
    Invoice,
    LineItem,
    StripeEvent,
    StripeSubscription,
)
from services.errors import InvalidArgument, NotFound, Unavailable

SIGNATURE_TOLERANCE_SECONDS = 300


def _time(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None


def _get(obj: Any, *path: str) -> Any:
    """obj[a][b]..., None where a step is missing (Stripe omits or nulls many fields)."""
    for key in path:
        if obj is None:
            return None
        try:
            obj = obj[key]
        except (KeyError, TypeError):
            return None
    return obj


def _id(value: Any) -> str:
    """An id, whether Stripe sent the id or the expanded object."""
    if value is None:
        return ""
    return str(value if isinstance(value, str) else value["id"])


def _metadata(obj: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (_get(obj, "metadata") or {}).items()}


def subscription_of(obj: Any) -> StripeSubscription:
    item = (_get(obj, "items", "data") or [None])[0]
    return StripeSubscription(
        id=obj["id"],
        customer_id=_id(obj["customer"]),
        status=obj["status"],
        price_id=_id(_get(item, "price")),
        current_period_end=_time(_get(item, "current_period_end")),
        cancel_at_period_end=bool(_get(obj, "cancel_at_period_end")),
        cancel_at=_time(_get(obj, "cancel_at")),
        created_at=_time(obj["created"]) or datetime.now(UTC),
        metadata=_metadata(obj),
    )


def checkout_of(obj: Any) -> CheckoutSession:
    items = _get(obj, "line_items", "data") or []
    return CheckoutSession(
        id=obj["id"],
        mode=obj["mode"],
        status=_get(obj, "status") or "",
        payment_status=_get(obj, "payment_status") or "",
        customer_id=_id(_get(obj, "customer")),
        client_reference_id=_get(obj, "client_reference_id") or "",
        subscription_id=_id(_get(obj, "subscription")),
        payment_intent_id=_id(_get(obj, "payment_intent")),
        amount_total=_get(obj, "amount_total") or 0,
        currency=_get(obj, "currency") or "",
        url=_get(obj, "url") or "",
        metadata=_metadata(obj),
        line_items=tuple(
            LineItem(_id(_get(item, "price")), int(_get(item, "quantity") or 1)) for item in items
        ),
    )


def invoice_of(obj: Any) -> Invoice:
    return Invoice(
        id=obj["id"],
        customer_id=_id(_get(obj, "customer")),
        subscription_id=_id(_get(obj, "parent", "subscription_details", "subscription")),
        status=_get(obj, "status") or "",
        number=_get(obj, "number") or "",
        amount_paid=_get(obj, "amount_paid") or 0,
        currency=_get(obj, "currency") or "",
        hosted_invoice_url=_get(obj, "hosted_invoice_url") or "",
        period_start=_time(_get(obj, "period_start")),
        period_end=_time(_get(obj, "period_end")),
        paid_at=_time(_get(obj, "status_transitions", "paid_at")),
    )


def charge_of(obj: Any) -> Charge:
    return Charge(
        id=obj["id"],
        payment_intent_id=_id(_get(obj, "payment_intent")),
        amount=_get(obj, "amount") or 0,
        amount_refunded=_get(obj, "amount_refunded") or 0,
    )


def dispute_of(obj: Any) -> Dispute:
    return Dispute(
        id=obj["id"],
        charge_id=_id(_get(obj, "charge")),
        payment_intent_id=_id(_get(obj, "payment_intent")),
        status=_get(obj, "status") or "",
    )


def event_of(data: Any) -> StripeEvent:
    obj = _get(data, "data", "object")
    if not isinstance(_get(data, "id"), str) or not isinstance(_get(data, "type"), str):
        raise InvalidArgument("not a Stripe event: it needs an id and a type")
    if not isinstance(_get(obj, "id"), str):
        raise InvalidArgument("not a Stripe event: data.object needs an id")
    created = _get(data, "created")
    return StripeEvent(
        id=data["id"],
        type=data["type"],
        object_id=obj["id"],
        created=_time(created if isinstance(created, int) else None) or datetime.now(UTC),
        payload=data,
    )


class StripeGateway:
    def __init__(
        self,
        *,
        secret_key: str,
        webhook_secret: str,
        api_base: str = "",
        timeout_seconds: float = 10.0,
        max_network_retries: int = 2,
    ) -> None:
        self._http = stripe.HTTPXClient(timeout=timeout_seconds)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else None,
            http_client=self._http,
            max_network_retries=max_network_retries,
        )
        self._webhook_secret = webhook_secret

    async def aclose(self) -> None:
        await self._http.close_async()

    async def create_customer(self, *, user_id: str, email: str, name: str) -> str:
        customer = await _call(
            self._client.v1.customers.create_async(
                {"email": email, "name": name, "metadata": {"user_id": user_id}},
                {"idempotency_key": f"customer-{user_id}"},
            )
        )
        return str(customer["id"])

    async def create_checkout(
        self,
        *,
        mode: str,
        customer_id: str,
        user_id: str,
        price_id: str,
        success_url: str,
        cancel_url: str,
        metadata: dict[str, str],
    ) -> CheckoutSession:
        params: dict[str, Any] = {
            "mode": mode,
            "customer": customer_id,
            "client_reference_id": user_id,
            "line_items": [{"price": price_id, "quantity": 1}],
            "success_url": success_url,
            "cancel_url": cancel_url,
            "metadata": metadata,
        }
        if mode == "subscription":
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["payment_intent_data"] = {"metadata": metadata}
        session = await _call(self._client.v1.checkout.sessions.create_async(params))  # type: ignore[arg-type]
        return checkout_of(session)

    async def create_portal_session(self, *, customer_id: str, return_url: str) -> str:
        session = await _call(
            self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}
            )
        )
        return str(session["url"])

    async def checkout_session(self, session_id: str) -> CheckoutSession:
        session = await _call(
            self._client.v1.checkout.sessions.retrieve_async(session_id, {"expand": ["line_items"]})
        )
        return checkout_of(session)

    async def subscription(self, subscription_id: str) -> StripeSubscription:
        return subscription_of(
            await _call(self._client.v1.subscriptions.retrieve_async(subscription_id))
        )

    async def subscriptions_of(self, customer_id: str) -> list[StripeSubscription]:
        listed = await _call(
            self._client.v1.subscriptions.list_async(
                {"customer": customer_id, "status": "all", "limit": 100}
            )
        )
        return [subscription_of(obj) for obj in listed["data"]]

    async def set_cancel_at_period_end(
        self, subscription_id: str, cancel: bool
    ) -> StripeSubscription:
        return subscription_of(
            await _call(
                self._client.v1.subscriptions.update_async(
                    subscription_id, {"cancel_at_period_end": cancel}
                )
            )
        )

    async def cancel_now(self, subscription_id: str) -> StripeSubscription:
        return subscription_of(
            await _call(self._client.v1.subscriptions.cancel_async(subscription_id))
        )

    async def invoice(self, invoice_id: str) -> Invoice:
        return invoice_of(await _call(self._client.v1.invoices.retrieve_async(invoice_id)))

    async def charge(self, charge_id: str) -> Charge:
        return charge_of(await _call(self._client.v1.charges.retrieve_async(charge_id)))

    async def charge_of_payment(self, payment_intent_id: str) -> Charge | None:
        intent = await _call(self._client.v1.payment_intents.retrieve_async(payment_intent_id))
        charge_id = _id(_get(intent, "latest_charge"))
        return await self.charge(charge_id) if charge_id else None

    async def dispute(self, dispute_id: str) -> Dispute:
        return dispute_of(await _call(self._client.v1.disputes.retrieve_async(dispute_id)))

    async def disputes_of(self, charge_id: str) -> list[Dispute]:
        listed = await _call(
            self._client.v1.disputes.list_async({"charge": charge_id, "limit": 100})
        )
        return [dispute_of(obj) for obj in listed["data"]]

    def verify_event(self, payload: bytes, signature: str) -> StripeEvent:
        if not signature:
            raise InvalidArgument("the Stripe-Signature header is missing")
        try:
            stripe.WebhookSignature.verify_header(
                payload.decode("utf-8"),
                signature,
                self._webhook_secret,
                tolerance=SIGNATURE_TOLERANCE_SECONDS,
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError) as error:
            raise InvalidArgument(
                "the Stripe-Signature header does not match this body, or is older than "
                f"{SIGNATURE_TOLERANCE_SECONDS} s"
            ) from error
        try:
            data = json.loads(payload)
        except ValueError as error:
            raise InvalidArgument("the webhook body is not JSON") from error
        return event_of(data)

    async def events(self, *, created_after: datetime | None) -> AsyncIterator[StripeEvent]:
        """Stripe lists newest first; pages are collected, then yielded oldest first."""
        params: dict[str, Any] = {"limit": 100}
        if created_after is not None:
            params["created"] = {"gt": int(created_after.timestamp())}
        collected: list[StripeEvent] = []
        while True:
            page = await _call(self._client.v1.events.list_async(params))  # type: ignore[arg-type]
            # As JSON: the SDK turns *_decimal fields into Decimal, which JSON columns refuse.
            collected += [
                event_of(json.loads(json.dumps(obj, default=str))) for obj in page["data"]
            ]
            if not page["has_more"] or not page["data"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
        for event in reversed(collected):
            yield event


async def _call(request: Awaitable[Any]) -> dict[str, Any]:
    """The answer as plain dicts (Stripe's objects shadow keys like `items` with methods)."""
    try:
        return (await request).to_dict()
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise NotFound(f"Stripe has no such object: {error.user_message or error}") from error
        raise Unavailable(f"Stripe refused the request: {error.user_message or error}") from error
    except stripe.RateLimitError as error:
        raise Unavailable("Stripe is rate limiting us, retry", retry_after=2) from error
    except (stripe.AuthenticationError, stripe.PermissionError) as error:
        raise Unavailable("Stripe refused the configured STRIPE_SECRET_KEY") from error
    except stripe.StripeError as error:
        raise Unavailable("Stripe is unavailable, retry", retry_after=2) from error

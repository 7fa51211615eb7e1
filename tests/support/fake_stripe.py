"""A local Stripe API server for tests: real HTTP, Stripe's wire protocol, state kept like Stripe's.

Like `fake_openai`, uvicorn runs in a background thread with its own event loop, so one object
serves sync tests, async tests on any loop, and server subprocesses (give them `base_url`).

    with FakeStripe("sk_test_x", prices={"price_pro": Price(2900)}) as stripe_server:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": stripe_server.base_url},
                                     http_client=stripe.HTTPXClient(), max_network_retries=0)

Constructor: `FakeStripe(secret_key="sk_test_fake", *, prices={id: Price}, clock=time.time,
extra_keys=(), latency=0.0, idempotency_conflicts=False)`. `clock` returns unix seconds (or an
aware datetime, e.g. support.clock.FakeClock) and dates every object and event. `extra_keys` are
more accepted API keys (idempotency keys are per API key). `latency` (seconds) makes every POST
take that long, so concurrent requests really overlap.

The API (objects shaped as in API version 2026-10-28, `livemode: false`, integer timestamps):
    POST /v1/customers, GET /v1/customers/{id}
    POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}[/line_items],
        POST /v1/checkout/sessions/{id}/expire (a session's `url` is <base_url>/pay/{id})
    POST /v1/billing_portal/sessions
    GET /v1/subscriptions (customer, price, status incl. all / ended), GET, POST and DELETE
        /v1/subscriptions/{id} (cancel_at_period_end, cancel_at, items[i][id|price|quantity|
        deleted], metadata, cancellation_details; proration_behavior and the like are ignored)
    GET /v1/invoices/{id}, GET /v1/invoice_payments (invoice, payment[payment_intent]: the way
        from a payment intent to its invoice in this API version), GET /v1/prices/{id}
    GET /v1/payment_intents/{id}, /v1/charges/{id}, /v1/disputes/{id}, GET /v1/disputes (charge,
        payment_intent)
    GET /v1/events (limit, starting_after, ending_before, type with `*`, types[],
        delivery_success, created[gt|gte|lt|lte]) and GET /v1/events/{id}
Lists are newest first. `expand` works on id fields and on the fields Stripe leaves out unless
expanded: checkout.session `line_items`, charge `refunds`, invoice `payments`. Unknown
parameters are ignored (Stripe would answer 400). Errors are Stripe's `{"error": {...}}`: 401
for a bad key, 404 for unknown ids in the path, 400 for bad parameters (with `param`).
Idempotency: a POST's `Idempotency-Key` (per API key) saves the first answer that began
executing (2xx and 5xx, not validation errors) and replays it byte for byte with
`Idempotent-Replayed: true`; other parameters with the key are an `idempotency_error` (400).
A request arriving while another with its key is running waits for it and replays, unless
`idempotency_conflicts=True`: then it gets Stripe's real answer, 409 `idempotency_key_in_use`
(an `APIError` in the SDK, retried when `max_network_retries` > 0).

Test controls (thread-safe; each returns the events it appended, oldest first):
    pay_checkout(session_id, payment="paid"|"async_pending"|"unpaid")
        subscription mode: [customer.created when Checkout made the customer],
        customer.subscription.created (active; incomplete with an open invoice if unpaid),
        invoice.paid (if paid), checkout.session.completed. Payment mode: a payment intent
        (succeeded / processing / requires_payment_method) with payment_intent_data[metadata]
        and its charge, then checkout.session.completed.
    settle_async(session_id, succeeded)  checkout.session.async_payment_succeeded | _failed
    expire_checkout(session_id)          checkout.session.expired
    create_incomplete_subscription(session_id)  customer.subscription.created (incomplete); the
        session stays open and a later pay_checkout pays and activates that subscription
    set_subscription_status(sub_id, status)  customer.subscription.updated with
        previous_attributes (+ .paused / .resumed; .deleted for canceled); active pays an open
        latest invoice first (invoice.paid)
    renew(sub_id)         customer.subscription.updated (period advanced), invoice.paid
                          (subscription_cycle); with a cancellation due: .deleted instead
    fail_renewal(sub_id)  .updated (period), invoice.payment_failed, .updated (past_due)
    portal_change_price(sub_id, price_id), portal_cancel(sub_id, at_period_end=True),
    portal_undo_cancel(sub_id)           customer.subscription.updated (.deleted if immediate)
    refund(charge_id, amount=None)       charge.refunded (amount_refunded is cumulative)
    dispute(charge_id, amount=None, reason="fraudulent")  charge.dispute.created
    close_dispute(dispute_id, won)       charge.dispute.closed (status won / lost)
Observing and steering: `events`, `event(id)`, `get(id)`, `objects(kind)`, `requests`,
`mark_delivered(*event_ids)`, `fail_next(method, path_prefix, status=500, times=1, ...)`,
`signed(event_or_payload, secret, timestamp=None) -> (raw bytes, Stripe-Signature header)`,
`reset()`. Controls raise ValueError for what Stripe could not do (paying a session that is
not open, renewing an ended subscription, refunding more than is left).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import fnmatch
import json
import re
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from support.asgi_thread import ThreadedASGIServer
from support.fake_stripe_forms import (
    StripeError,
    as_bool,
    as_int,
    as_list,
    bad_param,
    created_matches,
    hash_param,
    matches,
    merge_metadata,
    metadata_param,
    no_such,
    parse_form,
    required_param,
)

API_VERSION = "2026-10-28.endive"
DAY = 86_400
_INTERVAL_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_STATUSES = {"active", "past_due", "unpaid", "canceled", "paused", "incomplete"}
_STATUSES |= {"incomplete_expired", "trialing"}
_ENDED = {"canceled", "incomplete_expired"}
Obj = dict[str, Any]


@dataclass(frozen=True)
class Price:
    """A catalogue entry; `recurring=False` is a one-time price. Periods: month = 30 days."""

    unit_amount: int
    recurring: bool = True
    currency: str = "usd"
    interval: str = "month"
    product: str | None = None  # default: "prod_<price id>"

    def __post_init__(self) -> None:
        if self.interval not in _INTERVAL_DAYS:
            raise ValueError(f"interval must be one of {sorted(_INTERVAL_DAYS)}")


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, Any]  # parsed like the body: nested dicts and lists
    params: dict[str, Any]  # the form body
    headers: dict[str, str]  # lower-cased names
    request_id: str
    status: int = 0
    replayed: bool = False


@dataclass
class _Failure:
    method: str
    path_prefix: str
    status: int
    times: int
    error: Obj
    headers: dict[str, str]
    saved: bool


@dataclass(frozen=True)
class _Saved:
    fingerprint: str
    status: int
    body: bytes
    request_id: str


@dataclass
class _Call:
    method: str
    path: str
    params: dict[str, Any]  # query and body together
    path_id: str
    request_id: str
    idempotency_key: str | None

    @property
    def expand(self) -> list[str]:
        return [str(path) for path in as_list(self.params.get("expand"))]


@dataclass
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    saved: bool = True  # may be kept as an idempotent result


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2).encode()


def _previous(before: Obj, after: Obj) -> Obj:
    """Stripe's `previous_attributes`: the old values of what changed, hashes diffed per key."""
    out: Obj = {}
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            out[key] = _previous(old, new)
        else:
            out[key] = copy.deepcopy(old)
    return out


def _period(price: Obj) -> int:
    """A price's billing period in seconds (month = 30 days)."""
    return _INTERVAL_DAYS[price["recurring"]["interval"]] * DAY


def _sublist(data: list[Obj], url: str) -> Obj:
    return {"object": "list", "data": data, "has_more": False, "url": url}


def _invoice_line(invoice_id: str, sub_id: str, item: Obj) -> Obj:
    price = item["price"]
    return {
        "id": _new_id("il"),
        "object": "line_item",
        "amount": price["unit_amount"] * item["quantity"],
        "currency": price["currency"],
        "description": f"{item['quantity']} x {price['product']}",
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "type": "subscription_item_details",
            "subscription_item_details": {
                "subscription": sub_id,
                "subscription_item": item["id"],
                "proration": False,
            },
        },
        "period": {"start": item["current_period_start"], "end": item["current_period_end"]},
        "pricing": {
            "type": "price_details",
            "price_details": {"price": price["id"], "product": price["product"]},
            "unit_amount_decimal": price["unit_amount_decimal"],
        },
        "quantity": item["quantity"],
    }


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """A valid `Stripe-Signature` header for the raw payload (the SDK's own test helper)."""
    return stripe.WebhookSignature.generate_signature_header(
        payload.decode(), secret, timestamp=timestamp
    )


class FakeStripe(ThreadedASGIServer):
    """The server; a context manager (start on enter, stop on exit). See the module docstring."""

    def __init__(
        self,
        secret_key: str = "sk_test_fake",
        *,
        prices: Mapping[str, Price] | None = None,
        clock: Callable[[], float | datetime] = time.time,
        extra_keys: Iterable[str] = (),
        latency: float = 0.0,
        idempotency_conflicts: bool = False,
    ) -> None:
        super().__init__(thread_name="fake-stripe", description="the fake Stripe server")
        self.secret_key = secret_key
        self._keys = {secret_key, *extra_keys}
        self._prices = dict(prices or {})
        self._clock = clock
        self._latency = latency
        self._conflicts = idempotency_conflicts
        self._lock = threading.RLock()
        self._routes = self._route_table()
        self.reset()

    # -- lifecycle: start, stop, the context manager and `port` come from ThreadedASGIServer ----

    @property
    def base_url(self) -> str:
        """The SDK's `base_addresses={"api": ...}` (no /v1: the SDK adds it)."""
        return f"http://127.0.0.1:{self.port}"

    def _origin(self) -> str:
        return self.base_url if self._socket is not None else "http://fake-stripe.invalid"

    # -- observing and steering ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget every object, event, request, idempotency key and scripted failure."""
        with self._lock:
            self._objects: dict[str, Obj] = {}
            self._events: list[Obj] = []
            self._requests: list[RecordedRequest] = []
            self._failures: list[_Failure] = []
            self._saved: dict[tuple[str, str], _Saved] = {}
            self._in_flight: dict[tuple[str, str], asyncio.Event] = {}
            self._lines: dict[str, list[Obj]] = {}  # checkout session id -> its line items
            self._checkout: dict[str, Obj] = {}  # session id -> subscription/payment data
            for price_id, price in self._prices.items():
                self._objects[price_id] = self._price_object(price_id, price)

    @property
    def events(self) -> list[Obj]:
        with self._lock:
            return copy.deepcopy(self._events)

    def event(self, event_id: str) -> Obj:
        with self._lock:
            return copy.deepcopy(self._event(event_id))

    def get(self, object_id: str) -> Obj:
        """A snapshot of any object by id (KeyError if unknown)."""
        with self._lock:
            return copy.deepcopy(self._objects[object_id])

    def objects(self, kind: str) -> list[Obj]:
        """Snapshots of every object whose `object` is `kind`, oldest first."""
        with self._lock:
            return copy.deepcopy([o for o in self._objects.values() if o["object"] == kind])

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def mark_delivered(self, *event_ids: str) -> None:
        """Count the events as delivered: `delivery_success=false` no longer lists them."""
        with self._lock:
            for event_id in event_ids:
                self._event(event_id)["pending_webhooks"] = 0

    def clear_failures(self) -> None:
        """Forget the scripted failures not used up yet."""
        with self._lock:
            self._failures.clear()

    def fail_next(
        self,
        method: str,
        path_prefix: str,
        status: int = 500,
        times: int = 1,
        *,
        message: str = "Scripted failure.",
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        saved: bool = False,
    ) -> None:
        """The next `times` matching requests get a Stripe error (after auth and replays).

        `saved=True` keeps the failure as the idempotency key's result, as Stripe does for
        errors raised while executing; by default a retry with the key runs normally.
        """
        kind = {402: "card_error", 409: "idempotency_error"}.get(status, "invalid_request_error")
        kind = "api_error" if status >= 500 else kind
        code = code or {429: "rate_limit", 402: "card_declined"}.get(status)
        error = {"type": kind, "message": message, **({"code": code} if code else {})}
        rule = _Failure(
            method.upper(), path_prefix, status, times, error, dict(headers or {}), saved
        )
        with self._lock:
            self._failures.append(rule)

    def signed(
        self,
        event_or_payload: Mapping[str, Any] | str | bytes,
        secret: str,
        timestamp: int | None = None,
    ) -> tuple[bytes, str]:
        """The raw webhook body and its `Stripe-Signature` header.

        Takes an event (dict), an event id from the log, or raw bytes/JSON text. The timestamp
        defaults to the real time, since receivers check it against their own clock.
        """
        if isinstance(event_or_payload, Mapping):
            payload = _json(event_or_payload)
        elif isinstance(event_or_payload, str) and event_or_payload.startswith("evt_"):
            payload = _json(self.event(event_or_payload))
        elif isinstance(event_or_payload, str):
            payload = event_or_payload.encode()
        else:
            payload = bytes(event_or_payload)
        return payload, sign_payload(payload, secret, timestamp)

    # -- test controls: what customers, banks and Stripe's clock do ----------------------------

    def pay_checkout(self, session_id: str, *, payment: str = "paid") -> list[Obj]:
        """The buyer completes Checkout; `payment` other than "paid" leaves it unpaid."""
        if payment not in ("paid", "async_pending", "unpaid"):
            raise ValueError(f"unknown payment outcome {payment!r}")
        paid = payment == "paid"
        with self._lock:
            session = self._open_session(session_id)
            events = self._ensure_customer(session)
            data = self._checkout[session_id]
            if session["mode"] == "subscription":
                if data.get("subscription"):  # an incomplete one, now paid (after SCA)
                    sub = self._objects[data["subscription"]]
                    events += self._activate(sub) if paid else []
                else:
                    status = "active" if paid else "incomplete"
                    sub, sub_events = self._start_subscription(session, status)
                    events += sub_events
                session["subscription"] = sub["id"]
                session["invoice"] = sub["latest_invoice"]
            else:
                status = {"paid": "succeeded", "async_pending": "processing"}
                pi = self._payment(
                    session["customer"],
                    session["amount_total"],
                    session["currency"],
                    data["payment_metadata"],
                    status.get(payment, "requires_payment_method"),
                )
                session["payment_intent"] = pi["id"]
            session["status"] = "complete"
            session["payment_status"] = "paid" if paid else "unpaid"
            session["url"] = None
            return [*events, self._emit("checkout.session.completed", session)]

    def settle_async(self, session_id: str, succeeded: bool) -> list[Obj]:
        """The delayed payment of a completed, unpaid session succeeds or fails."""
        with self._lock:
            session = self._session(session_id)
            if session["status"] != "complete" or session["payment_status"] != "unpaid":
                raise ValueError(f"{session_id} has no pending payment")
            events: list[Obj] = []
            if session["mode"] == "subscription":
                sub = self._objects[session["subscription"]]
                if succeeded:
                    events += self._activate(sub)
                else:
                    invoice = self._objects[sub["latest_invoice"]]
                    events.append(self._emit("invoice.payment_failed", invoice))
            else:
                pi = self._objects[session["payment_intent"]]
                pi["status"] = "succeeded" if succeeded else "requires_payment_method"
                pi["amount_received"] = pi["amount"] if succeeded else 0
                if pi["latest_charge"]:
                    charge = self._objects[pi["latest_charge"]]
                    charge.update(status="succeeded" if succeeded else "failed", paid=succeeded)
            if succeeded:
                session["payment_status"] = "paid"
            outcome = "succeeded" if succeeded else "failed"
            events.append(self._emit(f"checkout.session.async_payment_{outcome}", session))
            return events

    def expire_checkout(self, session_id: str) -> list[Obj]:
        with self._lock:
            return [self._expire(self._open_session(session_id), None)]

    def create_incomplete_subscription(self, session_id: str) -> list[Obj]:
        """The first payment needs SCA: an `incomplete` subscription, its invoice open.

        The session stays open; `pay_checkout` later pays and activates this subscription,
        `set_subscription_status(id, "incomplete_expired")` lets it lapse.
        """
        with self._lock:
            session = self._open_session(session_id)
            if session["mode"] != "subscription":
                raise ValueError(f"{session_id} is not in subscription mode")
            events = self._ensure_customer(session)
            sub, sub_events = self._start_subscription(session, "incomplete")
            self._checkout[session_id]["subscription"] = sub["id"]
            return events + sub_events

    def set_subscription_status(self, sub_id: str, status: str) -> list[Obj]:
        """Any status, as Stripe's lifecycle would set it (active pays an open invoice)."""
        if status not in _STATUSES:
            raise ValueError(f"unknown subscription status {status!r}")
        with self._lock:
            sub = self._subscription(sub_id)
            if status == "active":
                return self._activate(sub)
            with self._changing(sub) as events:
                sub["status"] = status
                if status in _ENDED:
                    sub["canceled_at"] = sub["canceled_at"] or self._now()
                    sub["ended_at"] = self._now()
            return events

    def renew(self, sub_id: str) -> list[Obj]:
        """The period ends and the renewal is paid (or a scheduled cancellation takes effect)."""
        with self._lock:
            sub = self._live_subscription(sub_id)
            end = sub["items"]["data"][0]["current_period_end"]
            if sub["cancel_at_period_end"] or (sub["cancel_at"] and sub["cancel_at"] <= end):
                with self._changing(sub) as events:
                    sub.update(status="canceled", ended_at=self._now())
                return events
            with self._changing(sub) as events:
                invoice = self._next_period(sub, paid=True)
                sub["status"] = "active"
            return [*events, self._emit("invoice.paid", invoice)]

    def fail_renewal(self, sub_id: str) -> list[Obj]:
        """The period ends, the renewal charge fails: invoice.payment_failed, then past_due."""
        with self._lock:
            sub = self._live_subscription(sub_id)
            with self._changing(sub) as events:
                invoice = self._next_period(sub, paid=False)
            events.append(self._emit("invoice.payment_failed", invoice))
            with self._changing(sub) as more:
                sub["status"] = "past_due"
            return events + more

    def portal_change_price(self, sub_id: str, price_id: str) -> list[Obj]:
        with self._lock:
            sub = self._live_subscription(sub_id)
            price = self._price(price_id, "price")
            with self._changing(sub) as events:
                sub["items"]["data"][0]["price"] = copy.deepcopy(price)
            return events

    def portal_cancel(self, sub_id: str, at_period_end: bool = True) -> list[Obj]:
        with self._lock:
            sub = self._live_subscription(sub_id)
            with self._changing(sub) as events:
                if at_period_end:
                    self._schedule_cancel(sub, self._period_end(sub), at_period_end=True)
                else:
                    self._cancel_now(sub)
            return events

    def portal_undo_cancel(self, sub_id: str) -> list[Obj]:
        with self._lock:
            sub = self._live_subscription(sub_id)
            with self._changing(sub) as events:
                self._schedule_cancel(sub, None)
            return events

    def refund(self, charge_id: str, amount: int | None = None) -> list[Obj]:
        """Refund (part of) a charge, as from the Dashboard: charge.refunded."""
        with self._lock:
            return self._refund(self._charge(charge_id), amount)

    def dispute(
        self, charge_id: str, amount: int | None = None, reason: str = "fraudulent"
    ) -> list[Obj]:
        with self._lock:
            charge = self._charge(charge_id)
            dispute = self._new(
                "dispute",
                "dp",
                amount=charge["amount"] if amount is None else amount,
                balance_transactions=[],
                charge=charge["id"],
                currency=charge["currency"],
                evidence_details={"due_by": self._now() + 7 * DAY, "has_evidence": False},
                is_charge_refundable=False,
                payment_intent=charge["payment_intent"],
                reason=reason,
                status="needs_response",
            )
            charge["disputed"] = True
            return [self._emit("charge.dispute.created", dispute)]

    def close_dispute(self, dispute_id: str, won: bool) -> list[Obj]:
        with self._lock:
            dispute = self._get(dispute_id, "dispute")
            before = copy.deepcopy(dispute)
            dispute["status"] = "won" if won else "lost"
            return [self._emit("charge.dispute.closed", dispute, _previous(before, dispute))]

    # -- state ---------------------------------------------------------------------------------

    def _now(self) -> int:
        value = self._clock()
        return int(value.timestamp() if isinstance(value, datetime) else value)

    def _store(self, obj: Obj) -> Obj:
        self._objects[obj["id"]] = obj
        return obj

    def _get(self, object_id: str, kind: str, status: int = 404, param: str = "id") -> Obj:
        obj = self._objects.get(object_id)
        if obj is None or obj["object"] != kind:
            raise no_such(kind, object_id, status, param)
        return obj

    def _event(self, event_id: str) -> Obj:
        for event in self._events:
            if event["id"] == event_id:
                return event
        raise no_such("event", event_id)

    def _session(self, session_id: str) -> Obj:
        return self._get(session_id, "checkout.session")

    def _open_session(self, session_id: str) -> Obj:
        session = self._session(session_id)
        if session["status"] != "open":
            raise ValueError(f"{session_id} is {session['status']}, not open")
        return session

    def _subscription(self, sub_id: str) -> Obj:
        return self._get(sub_id, "subscription")

    def _live_subscription(self, sub_id: str) -> Obj:
        sub = self._subscription(sub_id)
        if sub["status"] in _ENDED:
            raise ValueError(f"{sub_id} has ended ({sub['status']})")
        return sub

    def _charge(self, charge_id: str) -> Obj:
        return self._get(charge_id, "charge")

    def _price(self, price_id: Any, param: str) -> Obj:
        return self._get(str(price_id), "price", status=400, param=param)

    def _emit(
        self, kind: str, obj: Obj, previous: Obj | None = None, call: _Call | None = None
    ) -> Obj:
        data: Obj = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": _new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self._now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {
                "id": call.request_id if call else None,
                "idempotency_key": call.idempotency_key if call else None,
            },
            "type": kind,
        }
        self._events.append(event)
        return copy.deepcopy(event)

    @contextlib.contextmanager
    def _changing(self, sub: Obj, call: _Call | None = None) -> Iterator[list[Obj]]:
        """Emit the subscription events Stripe sends for whatever the block changed."""
        before = copy.deepcopy(sub)
        events: list[Obj] = []
        try:
            yield events
        except BaseException:
            sub.clear()
            sub.update(before)  # a rejected request changes nothing
            raise
        if before == sub:
            return
        old, new = before["status"], sub["status"]
        if new == "canceled" and old != "canceled":
            events.append(self._emit("customer.subscription.deleted", sub, None, call))
            return
        previous = _previous(before, sub)
        events.append(self._emit("customer.subscription.updated", sub, previous, call))
        if "paused" in (old, new) and old != new:
            kind = "paused" if new == "paused" else "resumed"
            events.append(self._emit(f"customer.subscription.{kind}", sub, previous, call))

    def _new(self, kind: str, prefix: str, nulls: str = "", **fields: Any) -> Obj:
        """Store a new object: the envelope every Stripe object has, `nulls` (names) set to null."""
        obj = {"id": _new_id(prefix), "object": kind, "created": self._now(), "livemode": False}
        obj |= {"metadata": {}, **dict.fromkeys(nulls.split()), **fields}
        return self._store(obj)

    def _price_object(self, price_id: str, price: Price) -> Obj:
        recurring = None
        if price.recurring:
            recurring = {"interval": price.interval, "interval_count": 1, "meter": None}
            recurring |= {"trial_period_days": None, "usage_type": "licensed"}
        return {
            "id": price_id,
            "object": "price",
            "active": True,
            "billing_scheme": "per_unit",
            "created": self._now(),
            "currency": price.currency,
            "livemode": False,
            "lookup_key": None,
            "metadata": {},
            "nickname": None,
            "product": price.product or f"prod_{price_id}",
            "recurring": recurring,
            "tax_behavior": "unspecified",
            "type": "recurring" if price.recurring else "one_time",
            "unit_amount": price.unit_amount,
            "unit_amount_decimal": str(price.unit_amount),
        }

    def _new_customer(self, params: Mapping[str, Any]) -> Obj:
        email = params.get("email")
        if email is not None and "@" not in str(email):
            raise bad_param(f"Invalid email address: {email}", "email")
        return self._new(
            "customer",
            "cus",
            "address currency default_source shipping test_clock",
            balance=0,
            delinquent=False,
            description=params.get("description"),
            email=email,
            invoice_prefix=secrets.token_hex(4).upper(),
            invoice_settings={"default_payment_method": None, "footer": None},
            metadata=metadata_param(params.get("metadata"), "metadata"),
            name=params.get("name"),
            phone=params.get("phone"),
            preferred_locales=[],
            tax_exempt="none",
        )

    def _ensure_customer(self, session: Obj) -> list[Obj]:
        """Checkout creates a customer when the session had none (always for subscriptions)."""
        events = []
        if session["customer"] is None and session["mode"] == "subscription":
            email = session["customer_email"] or "buyer@example.com"
            customer = self._new_customer({"email": email})
            session["customer"] = customer["id"]
            events.append(self._emit("customer.created", customer))
        details = {"email": session["customer_email"], "name": None}
        if session["customer"]:
            customer = self._objects[session["customer"]]
            details = {"email": customer["email"], "name": customer["name"]}
        session["customer_details"] = details
        return events

    def _period_end(self, sub: Obj) -> int:
        return int(sub["items"]["data"][0]["current_period_end"])

    def _start_subscription(self, session: Obj, status: str) -> tuple[Obj, list[Obj]]:
        now = self._now()
        sub = self._new(
            "subscription",
            "sub",
            "cancel_at canceled_at default_payment_method description ended_at latest_invoice "
            "pause_collection trial_end trial_start",
            billing_cycle_anchor=now,
            cancel_at_period_end=False,
            cancellation_details={"comment": None, "feedback": None, "reason": None},
            collection_method="charge_automatically",
            currency=session["currency"],
            customer=session["customer"],
            metadata=dict(self._checkout[session["id"]]["subscription_metadata"]),
            start_date=now,
            status=status,
        )
        items = [
            {
                "id": _new_id("si"),
                "object": "subscription_item",
                "created": now,
                "current_period_end": now + _period(line["price"]),
                "current_period_start": now,
                "metadata": {},
                "price": copy.deepcopy(line["price"]),
                "quantity": line["quantity"],
                "subscription": sub["id"],
            }
            for line in self._lines[session["id"]]
            if line["price"]["recurring"]
        ]
        sub["items"] = _sublist(items, f"/v1/subscription_items?subscription={sub['id']}")
        invoice = self._invoice(sub, "subscription_create", paid=status == "active")
        sub["latest_invoice"] = invoice["id"]
        events = [self._emit("customer.subscription.created", sub)]
        if status == "active":
            events.append(self._emit("invoice.paid", invoice))
        return sub, events

    def _next_period(self, sub: Obj, *, paid: bool) -> Obj:
        for item in sub["items"]["data"]:
            item["current_period_start"] = item["current_period_end"]
            item["current_period_end"] += _period(item["price"])
        invoice = self._invoice(sub, "subscription_cycle", paid=paid)
        sub["latest_invoice"] = invoice["id"]
        return invoice

    def _activate(self, sub: Obj) -> list[Obj]:
        """Pay the subscription's open invoice, if any, and make it active."""
        events = []
        invoice = self._objects.get(sub["latest_invoice"] or "")
        if invoice is not None and invoice["status"] == "open":
            self._pay_invoice(invoice)
            events.append(self._emit("invoice.paid", invoice))
        with self._changing(sub) as changes:
            sub["status"] = "active"
        return events + changes

    def _invoice(self, sub: Obj, reason: str, *, paid: bool) -> Obj:
        customer = self._objects[sub["customer"]]
        count = len(self._find("invoice", lambda o: o["customer"] == customer["id"]))
        item = sub["items"]["data"][0]
        total = sum(it["price"]["unit_amount"] * it["quantity"] for it in sub["items"]["data"])
        invoice = self._new(
            "invoice",
            "in",
            amount_due=total,
            amount_paid=0,
            amount_remaining=total,
            attempt_count=1,
            attempted=True,
            billing_reason=reason,
            collection_method="charge_automatically",
            currency=sub["currency"],
            customer=customer["id"],
            customer_email=customer["email"],
            number=f"{customer['invoice_prefix']}-{count + 1:04d}",
            parent={
                "type": "subscription_details",
                "quote_details": None,
                "subscription_details": {
                    "subscription": sub["id"],
                    "metadata": dict(sub["metadata"]),
                },
            },
            period_end=item["current_period_end"],
            period_start=item["current_period_start"],
            status="open",
            status_transitions={"finalized_at": self._now(), "paid_at": None, "voided_at": None},
            subtotal=total,
            total=total,
        )
        url = f"{self._origin()}/invoice/{invoice['id']}"
        invoice |= {"hosted_invoice_url": url, "invoice_pdf": f"{url}/pdf"}
        lines = [_invoice_line(invoice["id"], sub["id"], it) for it in sub["items"]["data"]]
        invoice["lines"] = _sublist(lines, f"/v1/invoices/{invoice['id']}/lines")
        if paid:
            self._pay_invoice(invoice)
        return invoice

    def _pay_invoice(self, invoice: Obj) -> None:
        amount = invoice["amount_due"]
        pi = self._payment(invoice["customer"], amount, invoice["currency"], {}, "succeeded")
        invoice.update(status="paid", amount_paid=amount, amount_remaining=0)
        invoice["status_transitions"]["paid_at"] = self._now()
        self._new(
            "invoice_payment",
            "inpay",
            amount_paid=amount,
            amount_requested=amount,
            currency=invoice["currency"],
            invoice=invoice["id"],
            is_default=True,
            payment={"type": "payment_intent", "payment_intent": pi["id"]},
            status="paid",
            status_transitions={"canceled_at": None, "paid_at": self._now()},
        )

    def _payment(
        self,
        customer: str | None,
        amount: int,
        currency: str,
        metadata: dict[str, str],
        status: str,
    ) -> Obj:
        """A payment intent and, unless it still awaits a payment method, its charge."""
        pi = self._new(
            "payment_intent",
            "pi",
            "description last_payment_error latest_charge payment_method",
            amount=amount,
            amount_received=amount if status == "succeeded" else 0,
            capture_method="automatic_async",
            currency=currency,
            customer=customer,
            metadata=dict(metadata),
            payment_method_types=["card"],
            status=status,
        )
        pi["client_secret"] = f"{pi['id']}_secret_{secrets.token_hex(8)}"
        if status != "requires_payment_method":
            succeeded = status == "succeeded"
            charge = self._new(
                "charge",
                "ch",
                "balance_transaction description failure_code failure_message",
                amount=amount,
                amount_captured=amount if succeeded else 0,
                amount_refunded=0,
                captured=succeeded,
                currency=currency,
                customer=customer,
                disputed=False,
                metadata=dict(metadata),
                paid=succeeded,
                payment_intent=pi["id"],
                refunded=False,
                status="succeeded" if succeeded else "pending",
            )
            charge["receipt_url"] = f"{self._origin()}/receipts/{charge['id']}"
            pi["latest_charge"] = charge["id"]
        return pi

    def _refund(self, charge: Obj, amount: int | None) -> list[Obj]:
        remaining = charge["amount"] - charge["amount_refunded"]
        if remaining == 0:
            raise ValueError(f"charge {charge['id']} has already been refunded")
        amount = remaining if amount is None else amount
        if not 0 < amount <= remaining:
            raise ValueError(f"cannot refund {amount} of {charge['id']}: {remaining} left")
        self._new(
            "refund",
            "re",
            "balance_transaction reason",
            amount=amount,
            charge=charge["id"],
            currency=charge["currency"],
            payment_intent=charge["payment_intent"],
            status="succeeded",
        )
        before = copy.deepcopy(charge)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        return [self._emit("charge.refunded", charge, _previous(before, charge))]

    def _schedule_cancel(
        self, sub: Obj, cancel_at: int | None, at_period_end: bool = False
    ) -> None:
        sub["cancel_at"] = cancel_at
        sub["cancel_at_period_end"] = at_period_end and cancel_at is not None
        sub["canceled_at"] = self._now() if cancel_at is not None else None
        reason = "cancellation_requested" if cancel_at is not None else None
        sub["cancellation_details"]["reason"] = reason

    def _cancel_now(self, sub: Obj) -> None:
        now = self._now()
        sub.update(status="canceled", canceled_at=now, ended_at=now)
        sub["cancellation_details"]["reason"] = "cancellation_requested"

    def _expire(self, session: Obj, call: _Call | None) -> Obj:
        session.update(status="expired", url=None)
        return self._emit("checkout.session.expired", session, None, call)

    # -- rendering: expansion and lists --------------------------------------------------------

    def _computed(self, obj: Obj, name: str) -> Obj | None:
        """The fields Stripe includes only when expanded."""
        kind, obj_id = obj.get("object"), obj.get("id")
        if (kind, name) == ("checkout.session", "line_items"):
            data = copy.deepcopy(self._lines.get(str(obj_id), []))
            url = f"/v1/checkout/sessions/{obj_id}/line_items"
        elif (kind, name) == ("charge", "refunds"):
            data = self._find("refund", lambda o: o["charge"] == obj_id)
            url = f"/v1/charges/{obj_id}/refunds"
        elif (kind, name) == ("invoice", "payments"):
            data = self._find("invoice_payment", lambda o: o["invoice"] == obj_id)
            url = f"/v1/invoices/{obj_id}/payments"
        else:
            return None
        return _sublist(data, url)

    def _find(self, kind: str, keep: Callable[[Obj], bool]) -> list[Obj]:
        found = [o for o in reversed(self._objects.values()) if o["object"] == kind and keep(o)]
        return copy.deepcopy(found)

    def _render(self, obj: Obj, expand: Iterable[str]) -> Obj:
        out = copy.deepcopy(obj)
        for path in expand:
            self._expand(out, path.split("."), path)
        return out

    def _expand(self, node: Obj, path: list[str], full: str) -> None:
        head, rest = path[0], path[1:]
        computed = self._computed(node, head)
        if computed is not None:
            node[head] = computed
        elif isinstance(node.get(head), str) and node[head] in self._objects:
            node[head] = copy.deepcopy(self._objects[node[head]])
        elif head not in node or isinstance(node[head], str | int | list):
            raise bad_param(f"This property cannot be expanded ({full}).", "expand")
        value = node[head]
        if not rest or not isinstance(value, dict):
            return
        if value.get("object") == "list" and rest[0] == "data":
            for item in value["data"]:
                if rest[1:]:
                    self._expand(item, rest[1:], full)
        else:
            self._expand(value, rest, full)

    def _page(self, items: list[Obj], keep: Callable[[Obj], bool], call: _Call, url: str) -> Obj:
        """One page of a newest-first list; cursors are positions in the unfiltered order."""
        params = call.params
        limit = as_int(params.get("limit", 10), "limit")
        if not 1 <= limit <= 100:
            raise bad_param("Invalid limit: must be between 1 and 100.", "limit")
        ids = [o["id"] for o in items]
        after, before = params.get("starting_after"), params.get("ending_before")
        if after is not None or before is not None:
            cursor, name = (
                (after, "starting_after") if after is not None else (before, "ending_before")
            )
            if cursor not in ids:
                raise bad_param(f"No such object: '{cursor}'", name)
            position = ids.index(cursor)
        if after is not None:
            matching = [o for o in items[position + 1 :] if keep(o)]
            page, has_more = matching[:limit], len(matching) > limit
        elif before is not None:
            matching = [o for o in items[:position] if keep(o)]
            page, has_more = matching[-limit:], len(matching) > limit
        else:
            matching = [o for o in items if keep(o)]
            page, has_more = matching[:limit], len(matching) > limit
        expand = [p.removeprefix("data.") for p in call.expand if p.startswith("data.")]
        data = [self._render(o, expand) for o in page]
        return {"object": "list", "data": data, "has_more": has_more, "url": url}

    def _list(self, call: _Call, kind: str, keep: Callable[[Obj], bool], url: str) -> Obj:
        items = [o for o in reversed(self._objects.values()) if o["object"] == kind]
        return self._page(items, keep, call, url)

    # -- the API -------------------------------------------------------------------------------

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Callable[[_Call], Obj]]]:
        def retrieve(kind: str) -> Callable[[_Call], Obj]:
            return lambda call: self._render(self._get(call.path_id, kind), call.expand)

        table: list[tuple[str, str, Callable[[_Call], Obj]]] = [
            ("POST", "/v1/customers", self._create_customer),
            ("GET", "/v1/customers/{id}", retrieve("customer")),
            ("POST", "/v1/checkout/sessions", self._create_session),
            ("GET", "/v1/checkout/sessions/{id}", retrieve("checkout.session")),
            ("GET", "/v1/checkout/sessions/{id}/line_items", self._session_line_items),
            ("POST", "/v1/checkout/sessions/{id}/expire", self._expire_session),
            ("POST", "/v1/billing_portal/sessions", self._create_portal_session),
            ("GET", "/v1/subscriptions", self._list_subscriptions),
            ("GET", "/v1/subscriptions/{id}", retrieve("subscription")),
            ("POST", "/v1/subscriptions/{id}", self._update_subscription),
            ("DELETE", "/v1/subscriptions/{id}", self._cancel_subscription),
            ("GET", "/v1/invoices/{id}", retrieve("invoice")),
            ("GET", "/v1/invoice_payments", self._list_invoice_payments),
            ("GET", "/v1/prices/{id}", retrieve("price")),
            ("GET", "/v1/payment_intents/{id}", retrieve("payment_intent")),
            ("GET", "/v1/charges/{id}", retrieve("charge")),
            ("GET", "/v1/disputes", self._list_disputes),
            ("GET", "/v1/disputes/{id}", retrieve("dispute")),
            ("GET", "/v1/events", self._list_events),
            ("GET", "/v1/events/{id}", lambda call: copy.deepcopy(self._event(call.path_id))),
        ]
        return [
            (method, re.compile("^" + path.replace("{id}", "(?P<id>[^/]+)") + "$"), handler)
            for method, path, handler in table
        ]

    def _create_customer(self, call: _Call) -> Obj:
        customer = self._new_customer(call.params)
        self._emit("customer.created", customer, None, call)
        return self._render(customer, call.expand)

    def _line_items(self, raw: Any, mode: str) -> list[Obj]:
        if raw is None:
            raise bad_param("Missing required param: line_items.", "line_items")
        if not isinstance(raw, list):
            raise bad_param("Invalid array", "line_items")
        lines = []
        for i, item in enumerate(raw):
            param = f"line_items[{i}]"
            if not isinstance(item, dict):
                raise bad_param("Invalid object", param)
            price = self._price(required_param(item, "price", param), f"{param}[price]")
            quantity = as_int(required_param(item, "quantity", param), f"{param}[quantity]")
            if quantity < 1:
                raise bad_param(
                    "This value must be greater than or equal to 1.", f"{param}[quantity]"
                )
            amount = price["unit_amount"] * quantity
            lines.append(
                {
                    "id": _new_id("li"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": price["currency"],
                    "description": price["product"],
                    "price": copy.deepcopy(price),
                    "quantity": quantity,
                }
            )
        recurring = [line for line in lines if line["price"]["recurring"]]
        if mode == "subscription" and not recurring:
            raise bad_param(
                "You must provide at least one recurring price in `subscription` mode "
                "when using prices.",
                "line_items",
            )
        if mode == "payment" and recurring:
            raise bad_param(
                "You specified `payment` mode but passed a recurring price. Either switch "
                "to `subscription` mode or use only one-time prices.",
                "mode",
            )
        return lines

    def _create_session(self, call: _Call) -> Obj:
        p = call.params
        mode = required_param(p, "mode")
        if mode not in ("payment", "subscription"):
            raise bad_param(
                f"Invalid mode: {mode} (the fake supports payment and subscription)", "mode"
            )
        customer = p.get("customer")
        if customer is not None:
            self._get(customer, "customer", status=400, param="customer")
            if p.get("customer_email"):
                raise bad_param(
                    "You may only specify one of these parameters: customer, customer_email.",
                    "customer_email",
                )
        other = "payment_intent_data" if mode == "subscription" else "subscription_data"
        if other in p:
            raise bad_param(f"You can not pass `{other}` in `{mode}` mode.", other)
        lines = self._line_items(p.get("line_items"), mode)
        subscription_data, payment_data = (
            hash_param(p, "subscription_data"),
            hash_param(p, "payment_intent_data"),
        )
        data = {
            "subscription_metadata": metadata_param(
                subscription_data.get("metadata"), "subscription_data[metadata]"
            ),
            "payment_metadata": metadata_param(
                payment_data.get("metadata"), "payment_intent_data[metadata]"
            ),
        }
        session = self._new(
            "checkout.session",
            "cs_test",
            "customer_details invoice payment_intent subscription",
            amount_subtotal=sum(line["amount_subtotal"] for line in lines),
            amount_total=sum(line["amount_total"] for line in lines),
            cancel_url=p.get("cancel_url"),
            client_reference_id=p.get("client_reference_id"),
            currency=lines[0]["currency"],
            customer=customer,
            customer_email=p.get("customer_email"),
            expires_at=self._now() + DAY,
            metadata=metadata_param(p.get("metadata"), "metadata"),
            mode=mode,
            payment_status="unpaid",
            status="open",
            success_url=p.get("success_url"),
            ui_mode="hosted",
        )
        session["url"] = f"{self._origin()}/pay/{session['id']}"
        self._checkout[session["id"]] = data
        self._lines[session["id"]] = lines
        return self._render(session, call.expand)

    def _session_line_items(self, call: _Call) -> Obj:
        self._session(call.path_id)
        url = f"/v1/checkout/sessions/{call.path_id}/line_items"
        return self._page(self._lines[call.path_id], lambda o: True, call, url)

    def _expire_session(self, call: _Call) -> Obj:
        session = self._session(call.path_id)
        if session["status"] != "open":
            raise bad_param(
                f'Only Checkout Sessions with a status in ["open"] can be expired. '
                f'This Checkout Session has a status of "{session["status"]}".',
                "session",
            )
        self._expire(session, call)
        return self._render(session, call.expand)

    def _create_portal_session(self, call: _Call) -> Obj:
        customer = self._get(required_param(call.params, "customer"), "customer", 400, "customer")
        session_id = _new_id("bps")
        return {
            "id": session_id,
            "object": "billing_portal.session",
            "configuration": "bpc_fake",
            "created": self._now(),
            "customer": customer["id"],
            "flow": None,
            "livemode": False,
            "locale": None,
            "on_behalf_of": None,
            "return_url": call.params.get("return_url"),
            "url": f"{self._origin()}/portal/{session_id}",
        }

    def _list_disputes(self, call: _Call) -> Obj:
        def keep(o: Obj) -> bool:
            return matches(o, call.params, "charge") and matches(o, call.params, "payment_intent")

        return self._list(call, "dispute", keep, "/v1/disputes")

    def _list_subscriptions(self, call: _Call) -> Obj:
        p = call.params
        status = p.get("status")
        if status not in (None, "all", "ended", *_STATUSES):
            raise bad_param(f"Invalid status: {status}", "status")

        def keep(o: Obj) -> bool:
            if status is None and o["status"] in _ENDED:
                return False
            if status not in (None, "all", "ended") and o["status"] != status:
                return False
            if status == "ended" and o["status"] not in _ENDED:
                return False
            prices = {item["price"]["id"] for item in o["items"]["data"]}
            return matches(o, p, "customer") and p.get("price") in (None, *prices)

        return self._list(call, "subscription", keep, "/v1/subscriptions")

    def _update_subscription(self, call: _Call) -> Obj:
        sub = self._get(call.path_id, "subscription")
        p = call.params
        others = sorted(set(p) - {"metadata", "cancellation_details", "expand"})
        if sub["status"] in _ENDED and others:
            raise bad_param(
                "A canceled subscription can only update its cancellation_details and metadata.",
                others[0],
            )
        if "cancel_at" in p and "cancel_at_period_end" in p:
            raise bad_param(
                "You may only specify one of these parameters: cancel_at, cancel_at_period_end.",
                "cancel_at",
            )
        with self._changing(sub, call):
            if "cancel_at_period_end" in p:
                at_end = as_bool(p["cancel_at_period_end"], "cancel_at_period_end")
                self._schedule_cancel(sub, self._period_end(sub) if at_end else None, at_end)
            if "cancel_at" in p:
                at = None if p["cancel_at"] == "" else as_int(p["cancel_at"], "cancel_at")
                if at is not None and at <= self._now():
                    raise bad_param("cancel_at must be in the future.", "cancel_at")
                self._schedule_cancel(sub, at)
            if "items" in p:
                self._change_items(sub, p["items"])
            if "metadata" in p:
                merge_metadata(sub["metadata"], p["metadata"])
            details = hash_param(p, "cancellation_details")
            for name in ("comment", "feedback"):
                if name in details:
                    sub["cancellation_details"][name] = details[name] or None
        return self._render(sub, call.expand)

    def _change_items(self, sub: Obj, raw: Any) -> None:
        if not isinstance(raw, list):
            raise bad_param("Invalid array", "items")
        items = sub["items"]["data"]
        for i, change in enumerate(raw):
            if not isinstance(change, dict):
                raise bad_param("Invalid object", f"items[{i}]")
            price = (
                self._price(change["price"], f"items[{i}][price]") if "price" in change else None
            )
            item = next((it for it in items if it["id"] == change.get("id")), None)
            if "id" in change and item is None:
                raise no_such("subscription_item", str(change["id"]), 400, f"items[{i}][id]")
            if item is None:
                if price is None:
                    raise bad_param(
                        f"Missing required param: items[{i}][price].", f"items[{i}][price]"
                    )
                item = {**copy.deepcopy(items[0]), "id": _new_id("si"), "quantity": 1}
                items.append(item)
            if change.get("deleted") is not None and as_bool(
                change["deleted"], f"items[{i}][deleted]"
            ):
                items.remove(item)
                continue
            if price is not None:
                item["price"] = copy.deepcopy(price)
            if "quantity" in change:
                item["quantity"] = as_int(change["quantity"], f"items[{i}][quantity]")

    def _cancel_subscription(self, call: _Call) -> Obj:
        sub = self._get(call.path_id, "subscription")
        if sub["status"] in _ENDED:
            raise bad_param(
                f"The subscription {sub['id']} has already been canceled.", "subscription"
            )
        with self._changing(sub, call):
            self._cancel_now(sub)
            details = hash_param(call.params, "cancellation_details")
            for name in ("comment", "feedback"):
                if name in details:
                    sub["cancellation_details"][name] = details[name] or None
        return self._render(sub, call.expand)

    def _list_invoice_payments(self, call: _Call) -> Obj:
        payment = hash_param(call.params, "payment")

        def keep(o: Obj) -> bool:
            pi = payment.get("payment_intent")
            return matches(o, call.params, "invoice") and pi in (
                None,
                o["payment"]["payment_intent"],
            )

        return self._list(call, "invoice_payment", keep, "/v1/invoice_payments")

    def _list_events(self, call: _Call) -> Obj:
        p = call.params
        if "type" in p and "types" in p:
            raise bad_param("You may only specify one of these parameters: type, types.", "types")
        patterns = [str(t) for t in as_list(p.get("type") or p.get("types"))]
        delivered = p.get("delivery_success")
        delivered = None if delivered is None else as_bool(delivered, "delivery_success")

        def keep(event: Obj) -> bool:
            if patterns and not any(fnmatch.fnmatchcase(event["type"], t) for t in patterns):
                return False
            if delivered is not None and delivered != (event["pending_webhooks"] == 0):
                return False
            return "created" not in p or created_matches(event["created"], p["created"])

        return self._page(copy.deepcopy(self._events[::-1]), keep, call, "/v1/events")

    # -- the server ----------------------------------------------------------------------------

    def _app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            self._ready.set()
            yield

        async def page(request: Request) -> Response:
            return HTMLResponse(f"<h1>Fake Stripe: {request.url.path}</h1>")

        return Starlette(
            routes=[
                Route("/v1/{rest:path}", self._handle, methods=["GET", "POST", "DELETE"]),
                Route("/{kind:str}/{rest:path}", page, methods=["GET"]),
            ],
            lifespan=lifespan,
        )

    async def _handle(self, request: Request) -> Response:
        request_id = _new_id("req")
        headers = {k.lower(): v for k, v in request.headers.items()}
        record = RecordedRequest(request.method, request.url.path, {}, {}, headers, request_id)
        with self._lock:
            self._requests.append(record)
        try:
            record.query = parse_form(request.url.query)
            record.params = parse_form(await request.body())
            answer = await self._answer(record)
        except StripeError as exc:  # an unreadable body
            answer = _error(exc)
        record.status = answer.status
        record.replayed = "Idempotent-Replayed" in answer.headers
        out = {
            "Request-Id": request_id,
            "Stripe-Version": headers.get("stripe-version", API_VERSION),
        }
        if "idempotency-key" in headers and request.method == "POST":
            out["Idempotency-Key"] = headers["idempotency-key"]
        return Response(
            answer.body, answer.status, {**out, **answer.headers}, media_type="application/json"
        )

    async def _answer(self, record: RecordedRequest) -> _Answer:
        api_key = _api_key(record.headers.get("authorization", ""))
        if api_key not in self._keys:
            return _error(_auth_error(api_key))
        call = _Call(
            record.method,
            record.path,
            {**record.query, **record.params},
            "",
            record.request_id,
            record.headers.get("idempotency-key"),
        )
        if record.method != "POST" or call.idempotency_key is None:
            if record.method == "POST" and self._latency:
                await asyncio.sleep(self._latency)
            return self._execute(call)
        slot = (api_key, call.idempotency_key)
        fingerprint = json.dumps([record.method, record.path, record.params], sort_keys=True)
        while True:
            with self._lock:
                saved = self._saved.get(slot)
                running = self._in_flight.get(slot)
                if saved is None and running is None:
                    done = self._in_flight[slot] = asyncio.Event()
                    break
            if saved is not None:
                return _replay(saved, fingerprint, call.idempotency_key)
            if self._conflicts:
                return _error(
                    StripeError(
                        409,
                        "There is currently another in-progress request using this Stripe API "
                        "Key and idempotency key.",
                        type="idempotency_error",
                        code="idempotency_key_in_use",
                    )
                )
            assert running is not None
            await running.wait()
        try:
            if self._latency:
                await asyncio.sleep(self._latency)
            answer = self._execute(call)
            if answer.saved and (answer.status < 400 or answer.status >= 500):
                with self._lock:
                    self._saved[slot] = _Saved(
                        fingerprint, answer.status, answer.body, record.request_id
                    )
            return answer
        finally:
            with self._lock:
                self._in_flight.pop(slot, None)
            done.set()

    def _execute(self, call: _Call) -> _Answer:
        with self._lock:
            failure = self._take_failure(call)
            if failure is not None:
                return _Answer(
                    failure.status,
                    _json({"error": failure.error}),
                    failure.headers,
                    saved=failure.saved,
                )
            for method, pattern, handler in self._routes:
                match = pattern.match(call.path)
                if method == call.method and match is not None:
                    call.path_id = match.groupdict().get("id") or ""
                    try:
                        return _Answer(200, _json(handler(call)))
                    except StripeError as exc:
                        return _error(exc)
            message = f"Unrecognized request URL ({call.method}: {call.path})."
            return _error(StripeError(404, message))

    def _take_failure(self, call: _Call) -> _Failure | None:
        for failure in self._failures:
            if failure.method in (call.method, "*") and call.path.startswith(failure.path_prefix):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return failure
        return None


def _error(exc: StripeError) -> _Answer:
    return _Answer(exc.status, _json({"error": exc.error}), saved=False)


def _replay(saved: _Saved, fingerprint: str, key: str) -> _Answer:
    if saved.fingerprint != fingerprint:
        return _error(
            StripeError(
                400,
                f"Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to execute "
                "a different request.",
                type="idempotency_error",
            )
        )
    headers = {"Idempotent-Replayed": "true", "Original-Request": saved.request_id}
    return _Answer(saved.status, saved.body, headers)


def _api_key(authorization: str) -> str:
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        with contextlib.suppress(ValueError):
            return base64.b64decode(value).decode().partition(":")[0]
    return ""


def _auth_error(api_key: str) -> StripeError:
    if not api_key:
        return StripeError(
            401,
            "You did not provide an API key. You need to provide your API "
            "key in the Authorization header, using Bearer auth (e.g. "
            "'Authorization: Bearer YOUR_SECRET_KEY').",
        )
    prefix = "_".join(api_key.split("_")[:2]) + "_" if api_key.count("_") >= 2 else ""
    masked = prefix + "*" * max(len(api_key) - len(prefix) - 4, 0) + api_key[-4:]
    return StripeError(401, f"Invalid API Key provided: {masked}")

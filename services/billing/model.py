"""Billing records: what Stripe tells us (snapshots, re-fetched, never taken from an event
alone) and what we keep (subscriptions, credit accounts, grants, ledger entries, invoices)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class MessagePack:
    name: str
    credits: int
    price_id: str


@dataclass(frozen=True)
class BillingConfig:
    """Plain values from the settings: prices, packs, allowances and where buyers return to."""

    price_plans: dict[str, str]  # Stripe price id -> plan ("pro" | "enterprise")
    packs: dict[str, MessagePack]
    allowances: dict[str, int]  # plan -> messages included per calendar month
    frontend_url: str

    def price_of(self, plan: str) -> str:
        return next(price for price, named in self.price_plans.items() if named == plan)

    def pack_of_price(self, price_id: str) -> MessagePack | None:
        return next((pack for pack in self.packs.values() if pack.price_id == price_id), None)


# --- Stripe's side, as re-fetched through the gateway ------------------------------------


@dataclass(frozen=True)
class StripeSubscription:
    id: str
    customer_id: str
    status: str
    price_id: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    cancel_at: datetime | None
    created_at: datetime
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LineItem:
    price_id: str
    quantity: int


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    mode: str  # "subscription" | "payment"
    status: str  # "open" | "complete" | "expired"
    payment_status: str  # "paid" | "unpaid" | "no_payment_required"
    customer_id: str
    client_reference_id: str
    subscription_id: str
    payment_intent_id: str
    amount_total: int
    currency: str
    url: str
    metadata: dict[str, str]
    line_items: tuple[LineItem, ...] = ()


@dataclass(frozen=True)
class Charge:
    id: str
    payment_intent_id: str
    amount: int
    amount_refunded: int


@dataclass(frozen=True)
class Dispute:
    id: str
    charge_id: str
    payment_intent_id: str
    status: str  # "needs_response" | "under_review" | "won" | "lost" | ...

    @property
    def outcome(self) -> str:
        """ "won", "lost" or "open"."""
        if self.status in ("won", "warning_closed"):
            return "won"
        if self.status == "lost":
            return "lost"
        return "open"


@dataclass(frozen=True)
class Invoice:
    id: str
    customer_id: str
    subscription_id: str
    status: str
    number: str
    amount_paid: int
    currency: str
    hosted_invoice_url: str
    period_start: datetime | None
    period_end: datetime | None
    paid_at: datetime | None


@dataclass(frozen=True)
class StripeEvent:
    """A verified webhook event (or one listed by the API): its id, type, the id of the object
    it is about, and the raw payload kept for the operator."""

    id: str
    type: str
    object_id: str
    created: datetime
    payload: dict[str, Any]


# --- Ours ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    id: str
    user_id: str
    stripe_subscription_id: str
    status: str
    plan: str
    price_id: str
    current_period_end: datetime | None
    cancel_at_period_end: bool
    cancel_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CreditAccount:
    """One user's purchased credits (`balance`, never negative; `frozen`: held by an open
    dispute) and the monthly allowance used in `allowance_month` ("2026-11")."""

    user_id: str
    balance: int = 0
    frozen: int = 0
    allowance_month: str = ""
    allowance_used: int = 0


@dataclass(frozen=True)
class CreditGrant:
    """The credits one paid Checkout session granted, and what refunds and a dispute took."""

    id: str
    user_id: str
    checkout_session_id: str
    payment_intent_id: str
    pack: str
    credits: int
    amount_paid: int
    currency: str
    refund_claimed: int  # credits the refunds so far entitle us to take back
    dispute_id: str
    dispute_state: str  # "" | "frozen" | "won" | "lost"
    frozen: int  # credits this grant's dispute holds
    created_at: datetime


@dataclass(frozen=True)
class LedgerEntry:
    """One change of a credit account, unique on its source (`checkout:cs_…`, `usage:<id>`,
    `refund:ch_…:<cumulative cents>`, `dispute:dp_…:freeze`, ...). `amount` changes the balance;
    `allowance` the month's used allowance; `frozen` the held credits."""

    id: str
    user_id: str
    source: str
    # purchase | usage | usage_return | refund | dispute_freeze | dispute_release | dispute_revoke
    kind: str
    amount: int
    allowance: int
    frozen: int
    balance_after: int
    description: str
    created_at: datetime

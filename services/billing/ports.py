"""What billing needs of the outside world: Stripe (PaymentGateway) and persistence."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Protocol

from services.billing.model import (
    Charge,
    CheckoutSession,
    CreditAccount,
    CreditGrant,
    Dispute,
    Invoice,
    LedgerEntry,
    StripeEvent,
    StripeSubscription,
    Subscription,
)
from services.common.uow import UnitOfWork
from services.users.ports import Users


class PaymentGateway(Protocol):
    """Stripe. Every call may raise services.errors.Unavailable (Stripe down or refusing) or
    NotFound (no such object)."""

    async def create_customer(self, *, user_id: str, email: str, name: str) -> str:
        """A customer for the user, once: the same user always gets the same customer id, even
        from concurrent calls (an idempotency key per user)."""
        ...

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
    ) -> CheckoutSession: ...

    async def create_portal_session(self, *, customer_id: str, return_url: str) -> str:
        """The Customer Portal's URL."""
        ...

    async def checkout_session(self, session_id: str) -> CheckoutSession:
        """With its line items."""
        ...

    async def subscription(self, subscription_id: str) -> StripeSubscription: ...

    async def subscriptions_of(self, customer_id: str) -> list[StripeSubscription]:
        """Every subscription of the customer, ended ones too."""
        ...

    async def set_cancel_at_period_end(
        self, subscription_id: str, cancel: bool
    ) -> StripeSubscription: ...

    async def cancel_now(self, subscription_id: str) -> StripeSubscription: ...

    async def invoice(self, invoice_id: str) -> Invoice: ...

    async def charge(self, charge_id: str) -> Charge: ...

    async def charge_of_payment(self, payment_intent_id: str) -> Charge | None:
        """The payment intent's latest charge."""
        ...

    async def dispute(self, dispute_id: str) -> Dispute: ...

    async def disputes_of(self, charge_id: str) -> list[Dispute]: ...

    def verify_event(self, payload: bytes, signature: str) -> StripeEvent:
        """The event a webhook delivered; InvalidArgument for a missing, forged or stale
        signature, or a body that is not an event."""
        ...

    def events(self, *, created_after: datetime | None) -> AsyncIterator[StripeEvent]:
        """The events Stripe still holds, oldest first."""
        ...


class BillingCustomers(Protocol):
    async def customer_of(self, user_id: str) -> str | None: ...

    async def user_of(self, customer_id: str) -> str | None: ...

    async def add(self, user_id: str, customer_id: str, *, now: datetime) -> str:
        """The user's customer id: the first one stored (a concurrent request's) wins."""
        ...


class Subscriptions(Protocol):
    async def get(self, subscription_id: str) -> Subscription | None: ...

    async def get_by_stripe_id(self, stripe_subscription_id: str) -> Subscription | None: ...

    async def list_for_user(self, user_id: str) -> list[Subscription]:
        """Newest first."""
        ...

    async def save(self, subscription: Subscription) -> None:
        """Insert or update (by stripe_subscription_id)."""
        ...


class Credits(Protocol):
    async def lock_account(self, user_id: str) -> CreditAccount:
        """The user's credit account (created empty), locked until the unit of work ends: the
        lock every change of the user's billing state (credits, subscriptions, plan) takes
        first, so concurrent events for one user apply one after the other."""
        ...

    async def get_account(self, user_id: str) -> CreditAccount | None: ...

    async def save_account(self, account: CreditAccount) -> None: ...

    async def add_entry(self, entry: LedgerEntry) -> bool:
        """False, and nothing stored, when an entry with the same source exists."""
        ...

    async def has_entry(self, source: str) -> bool: ...

    async def recent_entries(self, user_id: str, *, limit: int) -> list[LedgerEntry]:
        """Newest first."""
        ...

    async def add_grant(self, grant: CreditGrant) -> bool:
        """False when the Checkout session already granted."""
        ...

    async def grant_of_payment(self, payment_intent_id: str) -> CreditGrant | None: ...

    async def save_grant(self, grant: CreditGrant) -> None: ...


class Invoices(Protocol):
    async def save(self, user_id: str, invoice: Invoice) -> None:
        """Insert or update (by invoice id)."""
        ...

    async def list_for_user(self, user_id: str, *, limit: int) -> list[Invoice]:
        """Newest first."""
        ...


class StripeEvents(Protocol):
    async def add(self, event: StripeEvent, *, now: datetime, processed: bool = False) -> bool:
        """Store a received event (`processed`: as done already, for types nobody handles);
        False when it was stored before (a duplicate delivery)."""
        ...

    async def claim(self, event_id: str, *, now: datetime, lease_until: datetime) -> bool:
        """Take an unprocessed event for processing until `lease_until` (one processor at a
        time across workers) and count the attempt; False when it is processed or someone else
        holds it."""
        ...

    async def attempts(self, event_id: str) -> int: ...

    async def due(self, *, now: datetime, limit: int) -> list[str]:
        """Ids of unprocessed events whose next attempt is due, oldest first."""
        ...

    async def processed(self, event_ids: list[str]) -> set[str]: ...

    async def finish(self, event_id: str, *, now: datetime) -> None: ...

    async def fail(self, event_id: str, *, error: str, retry_at: datetime) -> None:
        """Release the event with its error, to be tried again from `retry_at`."""
        ...

    async def get(self, event_id: str) -> StripeEvent | None: ...

    async def failed_count(self) -> int:
        """Unprocessed events whose last attempt failed (an event being processed for the first
        time is not failed)."""
        ...


class BillingUnitOfWork(UnitOfWork, Protocol):
    users: Users
    customers: BillingCustomers
    subscriptions: Subscriptions
    credits: Credits
    invoices: Invoices
    stripe_events: StripeEvents

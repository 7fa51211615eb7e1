"""In-memory billing repositories (services.billing.ports), part of tests/support/fakes.py's
unit of work; test_repository_contract.py holds them to the SQL ones' behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from services.billing.model import (
    CreditAccount,
    CreditGrant,
    Invoice,
    LedgerEntry,
    StripeEvent,
    Subscription,
)


@dataclass
class StoredEvent:
    event: StripeEvent
    received_at: datetime
    next_attempt_at: datetime
    processed_at: datetime | None = None
    attempts: int = 0
    last_error: str = ""
    locked_until: datetime | None = None


@dataclass
class BillingTables:
    customers: dict[str, str] = field(default_factory=dict)  # user id -> customer id
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    accounts: dict[str, CreditAccount] = field(default_factory=dict)
    entries: dict[str, LedgerEntry] = field(default_factory=dict)  # by source
    grants: dict[str, CreditGrant] = field(default_factory=dict)  # by checkout session
    invoices: dict[str, tuple[str, Invoice]] = field(default_factory=dict)
    events: dict[str, StoredEvent] = field(default_factory=dict)


class MemoryBillingCustomers:
    def __init__(self, tables: BillingTables) -> None:
        self._t = tables

    async def customer_of(self, user_id: str) -> str | None:
        return self._t.customers.get(user_id)

    async def user_of(self, customer_id: str) -> str | None:
        return next((u for u, c in self._t.customers.items() if c == customer_id), None)

    async def add(self, user_id: str, customer_id: str, *, now: datetime) -> str:
        return self._t.customers.setdefault(user_id, customer_id)


class MemorySubscriptions:
    def __init__(self, tables: BillingTables) -> None:
        self._t = tables

    async def get(self, subscription_id: str) -> Subscription | None:
        return next((s for s in self._t.subscriptions.values() if s.id == subscription_id), None)

    async def get_by_stripe_id(self, stripe_subscription_id: str) -> Subscription | None:
        return self._t.subscriptions.get(stripe_subscription_id)

    async def list_for_user(self, user_id: str) -> list[Subscription]:
        mine = [s for s in self._t.subscriptions.values() if s.user_id == user_id]
        return sorted(mine, key=lambda s: (-s.created_at.timestamp(), s.id))

    async def save(self, subscription: Subscription) -> None:
        existing = self._t.subscriptions.get(subscription.stripe_subscription_id)
        if existing is not None:
            subscription = replace(subscription, id=existing.id, created_at=existing.created_at)
        self._t.subscriptions[subscription.stripe_subscription_id] = subscription


class MemoryCredits:
    def __init__(self, tables: BillingTables) -> None:
        self._t = tables

    async def lock_account(self, user_id: str) -> CreditAccount:
        return self._t.accounts.setdefault(user_id, CreditAccount(user_id))

    async def get_account(self, user_id: str) -> CreditAccount | None:
        return self._t.accounts.get(user_id)

    async def save_account(self, account: CreditAccount) -> None:
        if min(account.balance, account.frozen, account.allowance_used) < 0:
            raise ValueError("a credit account cannot go negative")  # the SQL CHECKs
        self._t.accounts[account.user_id] = account

    async def add_entry(self, entry: LedgerEntry) -> bool:
        if entry.source in self._t.entries:
            return False
        self._t.entries[entry.source] = entry
        return True

    async def has_entry(self, source: str) -> bool:
        return source in self._t.entries

    async def recent_entries(self, user_id: str, *, limit: int) -> list[LedgerEntry]:
        mine = [e for e in self._t.entries.values() if e.user_id == user_id]
        mine.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        return mine[:limit]

    async def add_grant(self, grant: CreditGrant) -> bool:
        if grant.checkout_session_id in self._t.grants:
            return False
        self._t.grants[grant.checkout_session_id] = grant
        return True

    async def grant_of_payment(self, payment_intent_id: str) -> CreditGrant | None:
        if not payment_intent_id:
            return None
        return next(
            (g for g in self._t.grants.values() if g.payment_intent_id == payment_intent_id),
            None,
        )

    async def save_grant(self, grant: CreditGrant) -> None:
        self._t.grants[grant.checkout_session_id] = grant


class MemoryInvoices:
    def __init__(self, tables: BillingTables) -> None:
        self._t = tables

    async def save(self, user_id: str, invoice: Invoice) -> None:
        self._t.invoices[invoice.id] = (user_id, replace(invoice, customer_id=""))

    async def list_for_user(self, user_id: str, *, limit: int) -> list[Invoice]:
        mine = [i for u, i in self._t.invoices.values() if u == user_id and i.status == "paid"]
        mine.sort(key=lambda i: (-(i.paid_at.timestamp() if i.paid_at else 0), i.id))
        return mine[:limit]


class MemoryStripeEvents:
    def __init__(self, tables: BillingTables) -> None:
        self._t = tables

    async def add(self, event: StripeEvent, *, now: datetime, processed: bool = False) -> bool:
        if event.id in self._t.events:
            return False
        self._t.events[event.id] = StoredEvent(
            event, received_at=now, next_attempt_at=now, processed_at=now if processed else None
        )
        return True

    def _free(self, stored: StoredEvent, now: datetime) -> bool:
        return stored.processed_at is None and (
            stored.locked_until is None or stored.locked_until <= now
        )

    async def claim(self, event_id: str, *, now: datetime, lease_until: datetime) -> bool:
        stored = self._t.events.get(event_id)
        if stored is None or not self._free(stored, now):
            return False
        stored.locked_until = lease_until
        stored.attempts += 1
        return True

    async def attempts(self, event_id: str) -> int:
        stored = self._t.events.get(event_id)
        return stored.attempts if stored else 0

    async def due(self, *, now: datetime, limit: int) -> list[str]:
        due = [
            s for s in self._t.events.values() if self._free(s, now) and s.next_attempt_at <= now
        ]
        due.sort(key=lambda s: (s.event.created, s.event.id))
        return [s.event.id for s in due[:limit]]

    async def processed(self, event_ids: list[str]) -> set[str]:
        return {i for i in event_ids if i in self._t.events and self._t.events[i].processed_at}

    async def finish(self, event_id: str, *, now: datetime) -> None:
        stored = self._t.events[event_id]
        stored.processed_at, stored.locked_until, stored.last_error = now, None, ""

    async def fail(self, event_id: str, *, error: str, retry_at: datetime) -> None:
        stored = self._t.events[event_id]
        stored.last_error, stored.next_attempt_at, stored.locked_until = error, retry_at, None

    async def get(self, event_id: str) -> StripeEvent | None:
        stored = self._t.events.get(event_id)
        return stored.event if stored else None

    async def failed_count(self) -> int:
        return sum(1 for s in self._t.events.values() if s.processed_at is None and s.last_error)

"""The billing repositories (services.billing.ports) over SQLAlchemy: rows in, records out."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Result, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.billing.model import (
    CreditAccount,
    CreditGrant,
    Invoice,
    LedgerEntry,
    StripeEvent,
    Subscription,
)
from services.db.models import (
    BillingCustomerRow,
    CreditAccountRow,
    CreditEntryRow,
    CreditGrantRow,
    InvoiceRow,
    StripeEventRow,
    SubscriptionRow,
)
from services.db.repositories import insert_for


def _inserted(result: Result[Any]) -> bool:
    """Whether the statement (with RETURNING) touched a row: psycopg reports no rowcount for
    INSERT ... ON CONFLICT DO NOTHING (-1), so the returned row is the answer."""
    return result.first() is not None


class SqlBillingCustomers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def customer_of(self, user_id: str) -> str | None:
        row = await self._session.get(BillingCustomerRow, user_id)
        return row.stripe_customer_id if row is not None else None

    async def user_of(self, customer_id: str) -> str | None:
        return await self._session.scalar(
            select(BillingCustomerRow.user_id).where(
                BillingCustomerRow.stripe_customer_id == customer_id
            )
        )

    async def add(self, user_id: str, customer_id: str, *, now: datetime) -> str:
        await self._session.execute(
            insert_for(self._session)(BillingCustomerRow)
            .values(user_id=user_id, stripe_customer_id=customer_id, created_at=now)
            .on_conflict_do_nothing()
        )
        stored = await self.customer_of(user_id)
        assert stored is not None  # inserted above or by a concurrent request
        return stored


def _subscription(row: SubscriptionRow) -> Subscription:
    return Subscription(
        id=row.id,
        user_id=row.user_id,
        stripe_subscription_id=row.stripe_subscription_id,
        status=row.status,
        plan=row.plan,
        price_id=row.price_id,
        current_period_end=row.current_period_end,
        cancel_at_period_end=row.cancel_at_period_end,
        cancel_at=row.cancel_at,
        created_at=row.created_at,
        updated_at=row.updated_at or row.created_at,
    )


class SqlSubscriptions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, subscription_id: str) -> Subscription | None:
        row = await self._session.get(SubscriptionRow, subscription_id)
        return _subscription(row) if row is not None else None

    async def get_by_stripe_id(self, stripe_subscription_id: str) -> Subscription | None:
        row = await self._session.scalar(
            select(SubscriptionRow).where(
                SubscriptionRow.stripe_subscription_id == stripe_subscription_id
            )
        )
        return _subscription(row) if row is not None else None

    async def list_for_user(self, user_id: str) -> list[Subscription]:
        rows = await self._session.scalars(
            select(SubscriptionRow)
            .where(SubscriptionRow.user_id == user_id)
            .order_by(SubscriptionRow.created_at.desc(), SubscriptionRow.id)
        )
        return [_subscription(row) for row in rows]

    async def save(self, subscription: Subscription) -> None:
        values = asdict(subscription)
        await self._session.execute(
            insert_for(self._session)(SubscriptionRow)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[SubscriptionRow.stripe_subscription_id],
                set_={k: v for k, v in values.items() if k not in ("id", "created_at")},
            )
        )


def _account(row: CreditAccountRow) -> CreditAccount:
    return CreditAccount(
        user_id=row.user_id,
        balance=row.balance,
        frozen=row.frozen,
        allowance_month=row.allowance_month,
        allowance_used=row.allowance_used,
    )


def _entry(row: CreditEntryRow) -> LedgerEntry:
    return LedgerEntry(
        id=row.id,
        user_id=row.user_id,
        source=row.source,
        kind=row.kind,
        amount=row.amount,
        allowance=row.allowance,
        frozen=row.frozen,
        balance_after=row.balance_after,
        description=row.description,
        created_at=row.created_at,
    )


def _grant(row: CreditGrantRow) -> CreditGrant:
    return CreditGrant(
        id=row.id,
        user_id=row.user_id,
        checkout_session_id=row.checkout_session_id,
        payment_intent_id=row.payment_intent_id,
        pack=row.pack,
        credits=row.credits,
        amount_paid=row.amount_paid,
        currency=row.currency,
        refund_claimed=row.refund_claimed,
        dispute_id=row.dispute_id,
        dispute_state=row.dispute_state,
        frozen=row.frozen,
        created_at=row.created_at,
    )


class SqlCredits:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_account(self, user_id: str) -> CreditAccount:
        """Created if missing, then locked until the unit of work ends (FOR UPDATE on
        PostgreSQL; SQLite write transactions are serialised already)."""
        await self._session.execute(
            insert_for(self._session)(CreditAccountRow)
            .values(user_id=user_id, balance=0, frozen=0, allowance_month="", allowance_used=0)
            .on_conflict_do_nothing()
        )
        row = await self._session.scalar(
            select(CreditAccountRow)
            .where(CreditAccountRow.user_id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        assert row is not None  # inserted above; only a user delete removes it
        return _account(row)

    async def get_account(self, user_id: str) -> CreditAccount | None:
        row = await self._session.get(CreditAccountRow, user_id)
        return _account(row) if row is not None else None

    async def save_account(self, account: CreditAccount) -> None:
        await self._session.execute(
            update(CreditAccountRow)
            .where(CreditAccountRow.user_id == account.user_id)
            .values(
                balance=account.balance,
                frozen=account.frozen,
                allowance_month=account.allowance_month,
                allowance_used=account.allowance_used,
            )
        )

    async def add_entry(self, entry: LedgerEntry) -> bool:
        result = await self._session.execute(
            insert_for(self._session)(CreditEntryRow)
            .values(**asdict(entry))
            .on_conflict_do_nothing(index_elements=[CreditEntryRow.source])
            .returning(CreditEntryRow.id)
        )
        return _inserted(result)

    async def has_entry(self, source: str) -> bool:
        found = await self._session.scalar(
            select(CreditEntryRow.id).where(CreditEntryRow.source == source)
        )
        return found is not None

    async def recent_entries(self, user_id: str, *, limit: int) -> list[LedgerEntry]:
        rows = await self._session.scalars(
            select(CreditEntryRow)
            .where(CreditEntryRow.user_id == user_id)
            .order_by(CreditEntryRow.created_at.desc(), CreditEntryRow.id.desc())
            .limit(limit)
        )
        return [_entry(row) for row in rows]

    async def add_grant(self, grant: CreditGrant) -> bool:
        result = await self._session.execute(
            insert_for(self._session)(CreditGrantRow)
            .values(**asdict(grant))
            .on_conflict_do_nothing(index_elements=[CreditGrantRow.checkout_session_id])
            .returning(CreditGrantRow.id)
        )
        return _inserted(result)

    async def grant_of_payment(self, payment_intent_id: str) -> CreditGrant | None:
        if not payment_intent_id:
            return None
        row = await self._session.scalar(
            select(CreditGrantRow)
            .where(CreditGrantRow.payment_intent_id == payment_intent_id)
            .execution_options(populate_existing=True)
        )
        return _grant(row) if row is not None else None

    async def save_grant(self, grant: CreditGrant) -> None:
        values = asdict(grant)
        await self._session.execute(
            update(CreditGrantRow).where(CreditGrantRow.id == grant.id).values(**values)
        )


def _invoice(row: InvoiceRow) -> Invoice:
    return Invoice(
        id=row.id,
        customer_id="",
        subscription_id=row.subscription_id,
        status=row.status,
        number=row.number,
        amount_paid=row.amount_paid,
        currency=row.currency,
        hosted_invoice_url=row.hosted_invoice_url,
        period_start=row.period_start,
        period_end=row.period_end,
        paid_at=row.paid_at,
    )


class SqlInvoices:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def save(self, user_id: str, invoice: Invoice) -> None:
        values = {k: v for k, v in asdict(invoice).items() if k != "customer_id"}
        values["user_id"] = user_id
        await self._session.execute(
            insert_for(self._session)(InvoiceRow)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[InvoiceRow.id],
                set_={k: v for k, v in values.items() if k != "id"},
            )
        )

    async def list_for_user(self, user_id: str, *, limit: int) -> list[Invoice]:
        rows = await self._session.scalars(
            select(InvoiceRow)
            .where(InvoiceRow.user_id == user_id, InvoiceRow.status == "paid")
            .order_by(InvoiceRow.paid_at.desc(), InvoiceRow.id)
            .limit(limit)
        )
        return [_invoice(row) for row in rows]


class SqlStripeEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, event: StripeEvent, *, now: datetime, processed: bool = False) -> bool:
        result = await self._session.execute(
            insert_for(self._session)(StripeEventRow)
            .values(
                id=event.id,
                type=event.type,
                object_id=event.object_id,
                created=event.created,
                payload=event.payload,
                received_at=now,
                processed_at=now if processed else None,
                attempts=0,
                last_error="",
                next_attempt_at=now,
            )
            .on_conflict_do_nothing(index_elements=[StripeEventRow.id])
            .returning(StripeEventRow.id)
        )
        return _inserted(result)

    async def claim(self, event_id: str, *, now: datetime, lease_until: datetime) -> bool:
        result = await self._session.execute(
            update(StripeEventRow)
            .where(
                StripeEventRow.id == event_id,
                StripeEventRow.processed_at.is_(None),
                or_(StripeEventRow.locked_until.is_(None), StripeEventRow.locked_until <= now),
            )
            .values(locked_until=lease_until, attempts=StripeEventRow.attempts + 1)
            .returning(StripeEventRow.id)
        )
        return _inserted(result)

    async def attempts(self, event_id: str) -> int:
        found = await self._session.scalar(
            select(StripeEventRow.attempts).where(StripeEventRow.id == event_id)
        )
        return int(found or 0)

    async def due(self, *, now: datetime, limit: int) -> list[str]:
        rows = await self._session.scalars(
            select(StripeEventRow.id)
            .where(
                StripeEventRow.processed_at.is_(None),
                StripeEventRow.next_attempt_at <= now,
                or_(StripeEventRow.locked_until.is_(None), StripeEventRow.locked_until <= now),
            )
            .order_by(StripeEventRow.created, StripeEventRow.id)
            .limit(limit)
        )
        return list(rows)

    async def processed(self, event_ids: list[str]) -> set[str]:
        rows = await self._session.scalars(
            select(StripeEventRow.id).where(
                StripeEventRow.id.in_(event_ids), StripeEventRow.processed_at.is_not(None)
            )
        )
        return set(rows)

    async def finish(self, event_id: str, *, now: datetime) -> None:
        await self._session.execute(
            update(StripeEventRow)
            .where(StripeEventRow.id == event_id)
            .values(processed_at=now, locked_until=None, last_error="")
        )

    async def fail(self, event_id: str, *, error: str, retry_at: datetime) -> None:
        await self._session.execute(
            update(StripeEventRow)
            .where(StripeEventRow.id == event_id)
            .values(last_error=error, next_attempt_at=retry_at, locked_until=None)
        )

    async def get(self, event_id: str) -> StripeEvent | None:
        row = await self._session.get(StripeEventRow, event_id)
        if row is None:
            return None
        return StripeEvent(row.id, row.type, row.object_id, row.created, row.payload)

    async def failed_count(self) -> int:
        failed = await self._session.scalar(
            select(func.count()).where(
                StripeEventRow.processed_at.is_(None), StripeEventRow.last_error != ""
            )
        )
        return int(failed or 0)

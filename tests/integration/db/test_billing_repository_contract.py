"""The billing repositories' contract, on memory, SQLite and PostgreSQL (the `uow` fixture of
test_repository_contract.py's kind): what sync, metering and the webhook rely on."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from support.fakes import an_account

from server.app import AppUnitOfWork
from services.billing.model import (
    CreditAccount,
    CreditGrant,
    Invoice,
    LedgerEntry,
    StripeEvent,
    Subscription,
)
from services.common.ids import new_id
from services.common.uow import UnitOfWorkFactory

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
Factory = UnitOfWorkFactory[AppUnitOfWork]


@pytest.fixture
async def user_id(uow: Factory) -> str:
    user = an_account(email=f"{new_id()}@example.com", created_at=NOW, updated_at=NOW)
    async with uow() as unit:
        await unit.users.add(user)
        await unit.commit()
    return user.id


def entry(user_id: str, source: str, amount: int, at: datetime = NOW) -> LedgerEntry:
    return LedgerEntry(new_id(), user_id, source, "purchase", amount, 0, 0, amount, "", at)


async def test_the_first_customer_id_stored_wins(uow: Factory, user_id: str) -> None:
    async with uow() as unit:
        assert await unit.customers.add(user_id, "cus_first", now=NOW) == "cus_first"
        assert await unit.customers.add(user_id, "cus_second", now=NOW) == "cus_first"
        await unit.commit()
    async with uow(write=False) as unit:
        assert await unit.customers.customer_of(user_id) == "cus_first"
        assert await unit.customers.user_of("cus_first") == user_id
        assert await unit.customers.user_of("cus_second") is None


async def test_subscriptions_upsert_on_the_stripe_id(uow: Factory, user_id: str) -> None:
    first = Subscription(
        new_id(), user_id, "sub_1", "incomplete", "pro", "price_pro", None, False, None, NOW, NOW
    )
    later = replace(first, id=new_id(), status="active", current_period_end=NOW + timedelta(30))
    async with uow() as unit:
        await unit.subscriptions.save(first)
        await unit.subscriptions.save(later)
        await unit.commit()
    async with uow(write=False) as unit:
        stored = await unit.subscriptions.get_by_stripe_id("sub_1")
        assert stored == replace(later, id=first.id)
        assert await unit.subscriptions.list_for_user(user_id) == [stored]
        assert await unit.subscriptions.get(first.id) == stored


async def test_ledger_entries_are_unique_on_their_source(uow: Factory, user_id: str) -> None:
    async with uow() as unit:
        account = await unit.credits.lock_account(user_id)
        assert account == CreditAccount(user_id)
        assert await unit.credits.add_entry(entry(user_id, "checkout:cs_1", 100))
        assert not await unit.credits.add_entry(entry(user_id, "checkout:cs_1", 100))
        assert await unit.credits.add_entry(entry(user_id, "usage:1", -1, NOW + timedelta(1)))
        await unit.credits.save_account(replace(account, balance=99, allowance_month="2026-03"))
        await unit.commit()
    async with uow(write=False) as unit:
        assert await unit.credits.has_entry("checkout:cs_1")
        recent = await unit.credits.recent_entries(user_id, limit=5)
        assert [e.source for e in recent] == ["usage:1", "checkout:cs_1"]
        stored = await unit.credits.get_account(user_id)
        assert stored == CreditAccount(user_id, balance=99, allowance_month="2026-03")


async def test_a_grant_is_stored_once_per_checkout_session(uow: Factory, user_id: str) -> None:
    grant = CreditGrant(
        new_id(), user_id, "cs_1", "pi_1", "small", 100, 900, "usd", 0, "", "", 0, NOW
    )
    async with uow() as unit:
        assert await unit.credits.add_grant(grant)
        assert not await unit.credits.add_grant(replace(grant, id=new_id()))
        await unit.credits.save_grant(replace(grant, refund_claimed=50, dispute_state="frozen"))
        await unit.commit()
    async with uow(write=False) as unit:
        stored = await unit.credits.grant_of_payment("pi_1")
        assert stored == replace(grant, refund_claimed=50, dispute_state="frozen")
        assert await unit.credits.grant_of_payment("") is None


async def test_only_paid_invoices_are_listed_newest_first(uow: Factory, user_id: str) -> None:
    def invoice(invoice_id: str, status: str, paid: datetime | None) -> Invoice:
        return Invoice(
            invoice_id, "", "sub_1", status, "N-1", 2900, "usd", "https://x", NOW, NOW, paid
        )

    async with uow() as unit:
        await unit.invoices.save(user_id, invoice("in_1", "paid", NOW))
        await unit.invoices.save(user_id, invoice("in_2", "open", None))
        await unit.invoices.save(user_id, invoice("in_3", "paid", NOW + timedelta(30)))
        await unit.invoices.save(user_id, invoice("in_2", "paid", NOW + timedelta(1)))
        await unit.commit()
    async with uow(write=False) as unit:
        listed = await unit.invoices.list_for_user(user_id, limit=10)
    assert [i.id for i in listed] == ["in_3", "in_2", "in_1"]


async def test_events_are_stored_once_claimed_by_one_and_retried_when_due(uow: Factory) -> None:
    event = StripeEvent("evt_1", "invoice.paid", "in_1", NOW, {"id": "evt_1"})
    lease = NOW + timedelta(seconds=60)
    async with uow() as unit:
        assert await unit.stripe_events.add(event, now=NOW)
        assert not await unit.stripe_events.add(event, now=NOW)
        assert await unit.stripe_events.due(now=NOW, limit=10) == ["evt_1"]
        assert await unit.stripe_events.claim("evt_1", now=NOW, lease_until=lease)
        assert not await unit.stripe_events.claim("evt_1", now=NOW, lease_until=lease)
        assert await unit.stripe_events.due(now=NOW, limit=10) == []
        await unit.stripe_events.fail("evt_1", error="boom", retry_at=NOW + timedelta(seconds=5))
        assert await unit.stripe_events.attempts("evt_1") == 1
        assert await unit.stripe_events.failed_count() == 1
        assert await unit.stripe_events.due(now=NOW, limit=10) == []
        later = NOW + timedelta(seconds=5)
        assert await unit.stripe_events.due(now=later, limit=10) == ["evt_1"]
        assert await unit.stripe_events.claim("evt_1", now=later, lease_until=lease)
        await unit.stripe_events.finish("evt_1", now=later)
        await unit.commit()
        ignored = StripeEvent("evt_2", "customer.updated", "cus_1", NOW, {"id": "evt_2"})
        assert await unit.stripe_events.add(ignored, now=NOW, processed=True)
        await unit.commit()
    async with uow(write=False) as unit:
        assert await unit.stripe_events.processed(["evt_1", "evt_2", "evt_3"]) == {
            "evt_1",
            "evt_2",
        }
        assert await unit.stripe_events.get("evt_1") == event
        assert await unit.stripe_events.failed_count() == 0
        assert not await unit.stripe_events.claim("evt_1", now=later, lease_until=lease)

"""Subscriptions end to end below the API: Checkout, webhooks, the success page's sync, the
status mapping, cancel and resume, portal changes; the real SDK against the Stripe-protocol
server, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from services.errors import Conflict, NotFound

if TYPE_CHECKING:
    from conftest import Billed


async def subscribe(billed: Billed, plan: str = "pro"):  # type: ignore[no-untyped-def]
    user = await billed.user()
    session = await billed.parts.billing.start_subscription(
        user, plan, success_url="", cancel_url=""
    )
    return user, session


async def test_checkout_then_webhooks_make_the_user_pro(billed: Billed) -> None:
    user, session = await subscribe(billed)
    assert session.url.startswith(billed.stripe.base_url)
    created = billed.stripe.get(session.id)
    assert created["mode"] == "subscription"
    assert created["client_reference_id"] == user.user_id
    assert created["success_url"] == (
        "https://app.example.com/billing/success?plan=1&session_id={CHECKOUT_SESSION_ID}"
    )

    await billed.deliver(*billed.stripe.pay_checkout(session.id))

    assert await billed.plan(user) == "pro"
    current = await billed.parts.billing.current(user)
    assert current.plan == "pro"
    assert current.subscription is not None
    assert current.subscription.status == "active"
    assert current.subscription.current_period_end is not None
    invoices = await billed.parts.billing.invoices(user)
    assert [(i.amount_paid, i.currency) for i in invoices] == [(2900, "usd")]
    assert invoices[0].hosted_invoice_url


async def test_the_success_page_sees_the_plan_before_any_webhook(billed: Billed) -> None:
    user, session = await subscribe(billed)
    billed.stripe.pay_checkout(session.id)  # events never delivered

    current = await billed.parts.billing.current(user, checkout_session_id=session.id)

    assert current.plan == "pro"
    assert await billed.plan(user) == "pro"


async def test_someone_elses_checkout_session_is_not_found(billed: Billed) -> None:
    _, session = await subscribe(billed)
    stranger = await billed.user()
    with pytest.raises(NotFound):
        await billed.parts.billing.current(stranger, checkout_session_id=session.id)


async def test_a_second_subscription_is_refused_even_before_the_webhook(billed: Billed) -> None:
    user, session = await subscribe(billed)
    billed.stripe.pay_checkout(session.id)  # paid, webhook late

    with pytest.raises(Conflict) as refused:
        await billed.parts.billing.start_subscription(
            user, "enterprise", success_url="", cancel_url=""
        )
    assert refused.value.metadata["portal"] == "/api/billing/portal"


async def test_one_customer_per_user_under_concurrent_checkouts(billed: Billed) -> None:
    user = await billed.user()
    sessions = await asyncio.gather(
        *(
            billed.parts.billing.start_pack_checkout(user, "small", success_url="", cancel_url="")
            for _ in range(8)
        )
    )
    assert len({billed.stripe.get(s.id)["customer"] for s in sessions}) == 1
    assert len(billed.stripe.objects("customer")) == 1


@pytest.mark.parametrize(
    ("status", "plan"),
    [("past_due", "pro"), ("unpaid", "free"), ("paused", "free"), ("canceled", "free")],
)
async def test_statuses_map_to_plans(billed: Billed, status: str, plan: str) -> None:
    user, session = await subscribe(billed)
    await billed.deliver(*billed.stripe.pay_checkout(session.id))
    (subscription,) = billed.stripe.objects("subscription")

    await billed.deliver(*billed.stripe.set_subscription_status(subscription["id"], status))

    assert await billed.plan(user) == plan


async def test_an_incomplete_first_payment_neither_grants_nor_downgrades(billed: Billed) -> None:
    user = await billed.user(plan="enterprise")
    session = await billed.parts.billing.start_subscription(
        user, "pro", success_url="", cancel_url=""
    )
    await billed.deliver(*billed.stripe.create_incomplete_subscription(session.id))
    assert await billed.plan(user) == "enterprise"

    newcomer, other = await subscribe(billed)
    await billed.deliver(*billed.stripe.create_incomplete_subscription(other.id))
    assert await billed.plan(newcomer) == "free"
    await billed.deliver(*billed.stripe.pay_checkout(other.id))
    assert await billed.plan(newcomer) == "pro"


async def test_cancel_at_period_end_keeps_the_plan_and_can_be_undone(billed: Billed) -> None:
    user, session = await subscribe(billed)
    await billed.deliver(*billed.stripe.pay_checkout(session.id))
    current = await billed.parts.billing.current(user)
    assert current.subscription is not None

    cancelled = await billed.parts.billing.cancel(user, current.subscription.id, at_period_end=True)
    assert cancelled.cancel_at_period_end
    assert await billed.plan(user) == "pro"

    resumed = await billed.parts.billing.resume(user, current.subscription.id)
    assert not resumed.cancel_at_period_end

    ended = await billed.parts.billing.cancel(user, current.subscription.id, at_period_end=False)
    assert ended.status == "canceled"
    assert await billed.plan(user) == "free"
    with pytest.raises(Conflict):
        await billed.parts.billing.resume(user, current.subscription.id)


async def test_only_the_owner_may_cancel(billed: Billed) -> None:
    user, session = await subscribe(billed)
    await billed.deliver(*billed.stripe.pay_checkout(session.id))
    current = await billed.parts.billing.current(user)
    assert current.subscription is not None
    stranger = await billed.user()
    with pytest.raises(NotFound):
        await billed.parts.billing.cancel(stranger, current.subscription.id, at_period_end=True)


async def test_portal_changes_are_reflected(billed: Billed) -> None:
    user, session = await subscribe(billed)
    await billed.deliver(*billed.stripe.pay_checkout(session.id))
    (subscription,) = billed.stripe.objects("subscription")

    await billed.deliver(*billed.stripe.portal_change_price(subscription["id"], "price_enterprise"))
    assert await billed.plan(user) == "enterprise"

    await billed.deliver(*billed.stripe.portal_cancel(subscription["id"]))
    current = await billed.parts.billing.current(user)
    assert current.subscription is not None and current.subscription.cancel_at_period_end
    assert current.plan == "enterprise"

    await billed.deliver(*billed.stripe.portal_cancel(subscription["id"], at_period_end=False))
    assert await billed.plan(user) == "free"


async def test_renewals_add_invoices_and_failures_keep_the_plan(billed: Billed) -> None:
    user, session = await subscribe(billed)
    await billed.deliver(*billed.stripe.pay_checkout(session.id))
    (subscription,) = billed.stripe.objects("subscription")

    await billed.deliver(*billed.stripe.renew(subscription["id"]))
    await billed.deliver(*billed.stripe.fail_renewal(subscription["id"]))

    assert len(await billed.parts.billing.invoices(user)) == 2
    current = await billed.parts.billing.current(user)
    assert current.subscription is not None and current.subscription.status == "past_due"
    assert current.plan == "pro"


async def test_portal_url_returns_to_the_frontend(billed: Billed) -> None:
    user = await billed.user()
    url = await billed.parts.billing.portal(user, return_url="")
    assert url.startswith(billed.stripe.base_url)
    (portal,) = [r for r in billed.stripe.requests if r.path == "/v1/billing_portal/sessions"]
    assert portal.params["return_url"] == "https://app.example.com/billing"

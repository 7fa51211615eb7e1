"""Message packs on the credit ledger: granted once per paid session, refunds and disputes
take back what remains, spending draws allowance then credits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.common.principal import Principal

if TYPE_CHECKING:
    from conftest import Billed


async def buy(billed: Billed, user: Principal, pack: str = "small", payment: str = "paid"):  # type: ignore[no-untyped-def]
    session = await billed.parts.billing.start_pack_checkout(
        user, pack, success_url="", cancel_url=""
    )
    return session, billed.stripe.pay_checkout(session.id, payment=payment)


def charge_of(billed: Billed, session_id: str) -> dict[str, Any]:
    intent = billed.stripe.get(billed.stripe.get(session_id)["payment_intent"])
    return billed.stripe.get(intent["latest_charge"])


async def balance(billed: Billed, user: Principal) -> tuple[int, int]:
    view = await billed.parts.billing.credits(user)
    return view.balance, view.frozen


async def test_a_paid_pack_grants_its_credits_once(billed: Billed) -> None:
    user = await billed.user()
    session, events = await buy(billed, user)
    created = billed.stripe.get(session.id)
    assert created["mode"] == "payment"
    assert created["metadata"] == {"user_id": user.user_id, "pack": "small"}
    assert billed.stripe.get(created["payment_intent"])["metadata"]["pack"] == "small"

    await billed.deliver(*events, *events)
    await billed.parts.billing.credits(user, checkout_session_id=session.id)

    view = await billed.parts.billing.credits(user)
    assert view.balance == 100
    assert [(e.kind, e.amount, e.balance_after) for e in view.entries] == [("purchase", 100, 100)]


async def test_an_unpaid_session_grants_nothing_until_the_payment_succeeds(billed: Billed) -> None:
    user = await billed.user()
    session, events = await buy(billed, user, payment="async_pending")
    await billed.deliver(*events)
    assert await balance(billed, user) == (0, 0)

    await billed.deliver(*billed.stripe.settle_async(session.id, succeeded=True))
    assert await balance(billed, user) == (100, 0)


async def test_a_failed_async_payment_grants_nothing(billed: Billed) -> None:
    user = await billed.user()
    session, events = await buy(billed, user, payment="async_pending")
    await billed.deliver(*events, *billed.stripe.settle_async(session.id, succeeded=False))
    assert await balance(billed, user) == (0, 0)


async def test_refunds_take_back_their_share_of_what_remains(billed: Billed) -> None:
    user = await billed.user()
    session, events = await buy(billed, user)  # 100 credits for 900 cents
    await billed.deliver(*events)
    charge = charge_of(billed, session.id)

    await billed.deliver(*billed.stripe.refund(charge["id"], 450))
    assert await balance(billed, user) == (50, 0)

    reservation = await billed.parts.meter.reserve(user.user_id, 45)  # spend most of the rest
    assert reservation.from_credits == 45
    await billed.deliver(*billed.stripe.refund(charge["id"], 450))  # cumulative: all of it
    assert await balance(billed, user) == (0, 0)  # 5 taken back: the 45 spent are not clawed

    view = await billed.parts.billing.credits(user)
    assert [e.kind for e in view.entries][:2] == ["refund", "usage"]


async def test_a_refund_before_fulfilment_is_applied_at_fulfilment(billed: Billed) -> None:
    user = await billed.user()
    session, events = await buy(billed, user)
    refund = billed.stripe.refund(charge_of(billed, session.id)["id"])
    await billed.deliver(*refund, *events)
    assert await balance(billed, user) == (0, 0)


async def test_a_dispute_freezes_then_a_loss_revokes(billed: Billed) -> None:
    user = await billed.user()
    session, events = await buy(billed, user)
    await billed.deliver(*events)
    opened = billed.stripe.dispute(charge_of(billed, session.id)["id"])
    await billed.deliver(*opened)
    assert await balance(billed, user) == (0, 100)

    dispute_id = opened[-1]["data"]["object"]["id"]
    await billed.deliver(*billed.stripe.close_dispute(dispute_id, won=False))
    assert await balance(billed, user) == (0, 0)


async def test_a_won_dispute_releases_the_credits(billed: Billed) -> None:
    user = await billed.user()
    session, events = await buy(billed, user)
    await billed.deliver(*events)
    opened = billed.stripe.dispute(charge_of(billed, session.id)["id"])
    closed = billed.stripe.close_dispute(opened[-1]["data"]["object"]["id"], won=True)
    await billed.deliver(*closed, *opened)  # out of order: closed first
    assert await balance(billed, user) == (100, 0)


async def test_spending_draws_allowance_then_credits(billed: Billed) -> None:
    user = await billed.user()
    _, events = await buy(billed, user)
    await billed.deliver(*events)
    await billed.parts.meter.reserve(user.user_id, 3)  # free allowance is 0 here
    view = await billed.parts.billing.credits(user)
    assert (view.balance, view.used_this_month, view.monthly_allowance) == (97, 0, 0)

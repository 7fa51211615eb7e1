"""Reconciliation with Stripe, shared by the webhook and the buyer's success page.

Every step re-fetches the object from Stripe and writes what it says now, so events may arrive
twice, late or in any order and the end state is the same. No unit of work is open while Stripe
is called: fetch first, then one short unit of work that locks the user's credit account (the
order of locks is always: credit account, then grants) or upserts the subscription.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from services.billing.ledger import refund_claim
from services.billing.model import (
    BillingConfig,
    Charge,
    CheckoutSession,
    CreditAccount,
    CreditGrant,
    Dispute,
    LedgerEntry,
    StripeSubscription,
    Subscription,
)
from services.billing.plans import plan_of
from services.billing.ports import BillingUnitOfWork, PaymentGateway
from services.common.clock import Clock
from services.common.ids import IdGenerator
from services.common.uow import UnitOfWorkFactory

logger = logging.getLogger("huntaze.billing")


class StripeSync:
    def __init__(
        self,
        gateway: PaymentGateway,
        uow_factory: UnitOfWorkFactory[BillingUnitOfWork],
        config: BillingConfig,
        *,
        clock: Clock,
        ids: IdGenerator,
        plan_changed: Callable[[str], None] = lambda user_id: None,
    ) -> None:
        self._gateway = gateway
        self._uow = uow_factory
        self._config = config
        self._clock = clock
        self._ids = ids
        self._plan_changed = plan_changed

    # --- subscriptions ------------------------------------------------------------------

    async def subscription(self, stripe_subscription_id: str) -> Subscription | None:
        """Store the subscription as Stripe has it now and set its user's plan from it."""
        return await self.store_subscription(
            await self._gateway.subscription(stripe_subscription_id)
        )

    async def store_subscription(self, remote: StripeSubscription) -> Subscription | None:
        now = self._clock()
        async with self._uow() as uow:
            user_id = await self._user_of(uow, remote.customer_id, remote.metadata)
            if user_id is None:
                logger.warning("subscription %s of an unknown customer: ignored", remote.id)
                return None
            # The plan is computed from all the user's subscriptions: one sync at a time.
            await uow.credits.lock_account(user_id)
            existing = await uow.subscriptions.get_by_stripe_id(remote.id)
            record = Subscription(
                id=existing.id if existing else self._ids(),
                user_id=user_id,
                stripe_subscription_id=remote.id,
                status=remote.status,
                plan=self._config.price_plans.get(remote.price_id, ""),
                price_id=remote.price_id,
                current_period_end=remote.current_period_end,
                cancel_at_period_end=remote.cancel_at_period_end,
                cancel_at=remote.cancel_at,
                created_at=existing.created_at if existing else remote.created_at,
                updated_at=now,
            )
            await uow.subscriptions.save(record)
            changed = await self._settle_plan(uow, user_id)
            await uow.commit()
        if changed:
            self._plan_changed(user_id)
        return record

    async def customer_subscriptions(self, customer_id: str) -> list[Subscription]:
        """Every subscription Stripe has for the customer, stored (a webhook may be late)."""
        stored = []
        for remote in await self._gateway.subscriptions_of(customer_id):
            record = await self.store_subscription(remote)
            if record is not None:
                stored.append(record)
        return stored

    async def _settle_plan(self, uow: BillingUnitOfWork, user_id: str) -> bool:
        account = await uow.users.get(user_id)
        if account is None:
            return False
        subscriptions = await uow.subscriptions.list_for_user(user_id)
        plan = plan_of(account.subscription, [(s.status, s.plan) for s in subscriptions])
        if plan == account.subscription:
            return False
        logger.info("plan of %s: %s -> %s", user_id, account.subscription, plan)
        await uow.users.save(
            dataclasses.replace(account, subscription=plan, updated_at=self._clock())
        )
        return True

    # --- Checkout -----------------------------------------------------------------------

    async def checkout(self, session: CheckoutSession) -> None:
        """Fulfil a Checkout session (re-fetched, with its line items): its subscription, or
        the credits of a paid message-pack purchase, exactly once."""
        if session.mode == "subscription" and session.subscription_id:
            await self.subscription(session.subscription_id)
        elif (
            session.mode == "payment"
            and session.payment_status == "paid"
            and await self._grant(session)
            and session.payment_intent_id
        ):
            # A refund or dispute may have arrived before this purchase was fulfilled.
            await self.payment(session.payment_intent_id)

    async def checkout_session(self, session_id: str) -> CheckoutSession:
        session = await self._gateway.checkout_session(session_id)
        await self.checkout(session)
        return session

    async def _grant(self, session: CheckoutSession) -> bool:
        credits = sum(
            pack.credits * item.quantity
            for item in session.line_items
            if (pack := self._config.pack_of_price(item.price_id)) is not None
        )
        if credits <= 0:
            logger.warning("checkout %s buys no configured message pack: ignored", session.id)
            return False
        now = self._clock()
        async with self._uow() as uow:
            user_id = await self._user_of(
                uow, session.customer_id, {"user_id": session.client_reference_id}
            )
            if user_id is None:
                logger.warning("checkout %s of an unknown customer: ignored", session.id)
                return False
            account = await uow.credits.lock_account(user_id)
            grant = CreditGrant(
                id=self._ids(),
                user_id=user_id,
                checkout_session_id=session.id,
                payment_intent_id=session.payment_intent_id,
                pack=session.metadata.get("pack", ""),
                credits=credits,
                amount_paid=session.amount_total,
                currency=session.currency,
                refund_claimed=0,
                dispute_id="",
                dispute_state="",
                frozen=0,
                created_at=now,
            )
            if not await uow.credits.add_grant(grant):
                return False  # granted before: a duplicate or a race with the success page
            balance = account.balance + credits
            await uow.credits.add_entry(
                self._entry(
                    user_id,
                    f"checkout:{session.id}",
                    "purchase",
                    amount=credits,
                    balance_after=balance,
                    description=f"{grant.pack or 'message'} pack: {credits} credits",
                )
            )
            await uow.credits.save_account(dataclasses.replace(account, balance=balance))
            await uow.commit()
        return True

    # --- refunds and disputes -----------------------------------------------------------

    async def payment(self, payment_intent_id: str) -> None:
        """Apply the payment's refunds and disputes as Stripe has them now."""
        charge = await self._gateway.charge_of_payment(payment_intent_id)
        if charge is None:
            return
        await self.refund(charge)
        for dispute in await self._gateway.disputes_of(charge.id):
            await self.dispute(dispute)

    async def charge(self, charge_id: str) -> None:
        await self.refund(await self._gateway.charge(charge_id))

    async def refund(self, charge: Charge) -> None:
        """Take back the refunded share of the purchase's credits (cumulative, so recomputed
        each time), at most what the balance holds."""
        if charge.amount_refunded <= 0:
            return
        async with self._uow() as uow:
            locked = await _locked_grant(uow, charge.payment_intent_id)
            if locked is None:
                return  # not fulfilled yet: fulfilment applies the refund itself
            account, grant = locked
            claim = refund_claim(grant.credits, grant.amount_paid, charge.amount_refunded)
            if claim <= grant.refund_claimed:
                return
            # A lost dispute took the purchase back already.
            owed = 0 if grant.dispute_state == "lost" else claim - grant.refund_claimed
            taken = min(owed, account.balance)
            added = await uow.credits.add_entry(
                self._entry(
                    grant.user_id,
                    f"refund:{charge.id}:{charge.amount_refunded}",
                    "refund",
                    amount=-taken,
                    balance_after=account.balance - taken,
                    description=(
                        f"refund of {charge.amount_refunded} of {grant.amount_paid} "
                        f"{grant.currency}: {taken} of {owed} credits taken back"
                    ),
                )
            )
            if not added:
                return
            await uow.credits.save_account(
                dataclasses.replace(account, balance=account.balance - taken)
            )
            await uow.credits.save_grant(dataclasses.replace(grant, refund_claimed=claim))
            await uow.commit()

    async def dispute_by_id(self, dispute_id: str) -> None:
        await self.dispute(await self._gateway.dispute(dispute_id))

    async def dispute(self, dispute: Dispute) -> None:
        """An open dispute freezes the purchase's remaining credits; won releases them, lost
        revokes them. The dispute's state is re-fetched, so `closed` before `created` is fine."""
        async with self._uow() as uow:
            locked = await _locked_grant(uow, dispute.payment_intent_id)
            if locked is None:
                return  # not fulfilled yet: fulfilment applies the dispute itself
            account, grant = locked
            change = _dispute_change(grant, account.balance, dispute)
            if change is None:
                return
            kind, amount, frozen, state = change
            balance = account.balance + amount
            added = await uow.credits.add_entry(
                self._entry(
                    grant.user_id,
                    f"dispute:{dispute.id}:{kind.removeprefix('dispute_')}",
                    kind,
                    amount=amount,
                    frozen=frozen,
                    balance_after=balance,
                    description=f"dispute {dispute.id} ({dispute.status})",
                )
            )
            if not added:
                return
            await uow.credits.save_account(
                dataclasses.replace(account, balance=balance, frozen=account.frozen + frozen)
            )
            await uow.credits.save_grant(
                dataclasses.replace(
                    grant, dispute_id=dispute.id, dispute_state=state, frozen=grant.frozen + frozen
                )
            )
            await uow.commit()

    # --- invoices -----------------------------------------------------------------------

    async def invoice(self, invoice_id: str) -> None:
        """Store the invoice (what the user paid) and sync its subscription."""
        invoice = await self._gateway.invoice(invoice_id)
        async with self._uow() as uow:
            user_id = await uow.customers.user_of(invoice.customer_id)
            if user_id is not None:
                await uow.invoices.save(user_id, invoice)
                await uow.commit()
        if invoice.subscription_id:
            await self.subscription(invoice.subscription_id)

    # --- helpers ------------------------------------------------------------------------

    async def _user_of(
        self, uow: BillingUnitOfWork, customer_id: str, metadata: dict[str, str]
    ) -> str | None:
        user_id = await uow.customers.user_of(customer_id) if customer_id else None
        user_id = user_id or metadata.get("user_id") or None
        if user_id is None or await uow.users.get(user_id) is None:
            return None
        return user_id

    def _entry(
        self,
        user_id: str,
        source: str,
        kind: str,
        *,
        amount: int = 0,
        allowance: int = 0,
        frozen: int = 0,
        balance_after: int,
        description: str,
    ) -> LedgerEntry:
        return LedgerEntry(
            id=self._ids(),
            user_id=user_id,
            source=source,
            kind=kind,
            amount=amount,
            allowance=allowance,
            frozen=frozen,
            balance_after=balance_after,
            description=description,
            created_at=self._clock(),
        )


async def _locked_grant(
    uow: BillingUnitOfWork, payment_intent_id: str
) -> tuple[CreditAccount, CreditGrant] | None:
    """The payment's grant, read again once its user's credit account is locked (the grant
    names the user to lock; a concurrent refund or dispute may have changed it meanwhile)."""
    grant = await uow.credits.grant_of_payment(payment_intent_id)
    if grant is None:
        return None
    account = await uow.credits.lock_account(grant.user_id)
    grant = await uow.credits.grant_of_payment(payment_intent_id)
    assert grant is not None  # grants are never deleted but with their user
    return account, grant


def _dispute_change(
    grant: CreditGrant, balance: int, dispute: Dispute
) -> tuple[str, int, int, str] | None:
    """(entry kind, balance change, frozen change, new state) or None when nothing changes."""
    remaining = grant.credits - grant.refund_claimed
    outcome, state = dispute.outcome, grant.dispute_state
    if state in ("won", "lost"):
        return None
    if outcome == "open":
        if state == "frozen":
            return None
        held = min(remaining, balance)
        return "dispute_freeze", -held, held, "frozen"
    if outcome == "won":
        if state == "frozen":
            return "dispute_release", grant.frozen, -grant.frozen, "won"
        return "dispute_release", 0, 0, "won"
    if state == "frozen":
        return "dispute_revoke", 0, -grant.frozen, "lost"
    return "dispute_revoke", -min(remaining, balance), 0, "lost"

"""The billing use cases the API serves: checkout for a plan or a message pack, the Customer
Portal, cancel and resume, the current plan (synced from Stripe on the success page), credits
and invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.billing.ledger import allowance_used, month_of, next_month_start
from services.billing.model import (
    BillingConfig,
    CheckoutSession,
    CreditAccount,
    Invoice,
    LedgerEntry,
    Subscription,
)
from services.billing.plans import LIVE
from services.billing.ports import BillingUnitOfWork, PaymentGateway
from services.billing.sync import StripeSync
from services.common.clock import Clock
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory, retry_read
from services.errors import Conflict, InvalidArgument, NotFound

PORTAL_PATH = "/api/billing/portal"
RECENT_ENTRIES = 20
INVOICES_SHOWN = 100


@dataclass(frozen=True)
class CurrentPlan:
    plan: str
    subscription: Subscription | None


@dataclass(frozen=True)
class CreditsView:
    balance: int
    frozen: int
    monthly_allowance: int
    used_this_month: int
    resets_at: datetime
    entries: list[LedgerEntry]


class Billing:
    def __init__(
        self,
        gateway: PaymentGateway,
        uow_factory: UnitOfWorkFactory[BillingUnitOfWork],
        sync: StripeSync,
        config: BillingConfig,
        *,
        clock: Clock,
    ) -> None:
        self._gateway = gateway
        self._uow = uow_factory
        self._sync = sync
        self._config = config
        self._clock = clock

    async def start_subscription(
        self, caller: Principal, plan: str, *, success_url: str, cancel_url: str
    ) -> CheckoutSession:
        """A Checkout session for `plan`; Conflict when the user already has a live
        subscription (change plans in the portal instead). Stripe is asked too, so a webhook
        that is late cannot let the buyer pay twice."""
        customer_id = await self._customer(caller.user_id)
        live = [s for s in await self._sync.customer_subscriptions(customer_id) if s.status in LIVE]
        if live:
            raise Conflict(
                f"you already have a {live[0].plan or 'paid'} subscription ({live[0].status}): "
                f"change or cancel it in the customer portal (POST {PORTAL_PATH})",
                metadata={"subscriptionId": live[0].id, "portal": PORTAL_PATH},
            )
        return await self._gateway.create_checkout(
            mode="subscription",
            customer_id=customer_id,
            user_id=caller.user_id,
            price_id=self._config.price_of(plan),
            success_url=success_url or self._success_url("plan"),
            cancel_url=cancel_url or self._cancel_url(),
            metadata={"user_id": caller.user_id, "plan": plan},
        )

    async def start_pack_checkout(
        self, caller: Principal, pack: str, *, success_url: str, cancel_url: str
    ) -> CheckoutSession:
        chosen = self._config.packs.get(pack)
        if chosen is None:
            raise InvalidArgument(f"no message pack named {pack!r}")
        return await self._gateway.create_checkout(
            mode="payment",
            customer_id=await self._customer(caller.user_id),
            user_id=caller.user_id,
            price_id=chosen.price_id,
            success_url=success_url or self._success_url("credits"),
            cancel_url=cancel_url or self._cancel_url(),
            metadata={"user_id": caller.user_id, "pack": pack},
        )

    async def portal(self, caller: Principal, *, return_url: str) -> str:
        return await self._gateway.create_portal_session(
            customer_id=await self._customer(caller.user_id),
            return_url=return_url or f"{self._config.frontend_url}/billing",
        )

    async def cancel(
        self, caller: Principal, subscription_id: str, *, at_period_end: bool
    ) -> Subscription:
        """Cancel at the end of the paid period (undo with `resume`), or at once."""
        owned = await self._owned(caller, subscription_id)
        if owned.status not in LIVE:
            raise Conflict(f"this subscription is {owned.status} already")
        if at_period_end:
            remote = await self._gateway.set_cancel_at_period_end(
                owned.stripe_subscription_id, True
            )
        else:
            remote = await self._gateway.cancel_now(owned.stripe_subscription_id)
        return await self._sync.store_subscription(remote) or owned

    async def resume(self, caller: Principal, subscription_id: str) -> Subscription:
        """Undo a cancellation at period end, before the period ends."""
        owned = await self._owned(caller, subscription_id)
        if owned.status not in LIVE:
            raise Conflict(f"this subscription is {owned.status}: start a new one instead")
        remote = await self._gateway.set_cancel_at_period_end(owned.stripe_subscription_id, False)
        return await self._sync.store_subscription(remote) or owned

    async def current(self, caller: Principal, *, checkout_session_id: str = "") -> CurrentPlan:
        """The plan and the subscription that gives it. With the Checkout session id the
        success page got, the purchase is first synced from Stripe: the buyer sees the plan
        they paid for even when the webhook is late."""
        if checkout_session_id:
            await self._sync_own_checkout(caller, checkout_session_id)
        return await self._current(caller.user_id)

    @retry_read
    async def _current(self, user_id: str) -> CurrentPlan:
        async with self._uow(write=False) as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("user not found")
            subscriptions = await uow.subscriptions.list_for_user(user_id)
        live = [s for s in subscriptions if s.status in LIVE]
        return CurrentPlan(user.subscription, (live or subscriptions or [None])[0])

    async def credits(self, caller: Principal, *, checkout_session_id: str = "") -> CreditsView:
        """Balance, the month's allowance and use, and the latest ledger entries; with a
        Checkout session id, a message-pack purchase is synced from Stripe first."""
        if checkout_session_id:
            await self._sync_own_checkout(caller, checkout_session_id)
        return await self._credits(caller.user_id)

    @retry_read
    async def _credits(self, user_id: str) -> CreditsView:
        now = self._clock()
        async with self._uow(write=False) as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("user not found")
            account = await uow.credits.get_account(user_id) or CreditAccount(user_id)
            entries = await uow.credits.recent_entries(user_id, limit=RECENT_ENTRIES)
        return CreditsView(
            balance=account.balance,
            frozen=account.frozen,
            monthly_allowance=self._config.allowances.get(user.subscription, 0),
            used_this_month=allowance_used(account, month_of(now)),
            resets_at=next_month_start(now),
            entries=entries,
        )

    @retry_read
    async def invoices(self, caller: Principal) -> list[Invoice]:
        async with self._uow(write=False) as uow:
            return await uow.invoices.list_for_user(caller.user_id, limit=INVOICES_SHOWN)

    async def _sync_own_checkout(self, caller: Principal, session_id: str) -> None:
        session = await self._gateway.checkout_session(session_id)
        async with self._uow(write=False) as uow:
            customer_id = await uow.customers.customer_of(caller.user_id)
        if session.client_reference_id != caller.user_id and session.customer_id != customer_id:
            raise NotFound("no such checkout session")
        await self._sync.checkout(session)

    async def _customer(self, user_id: str) -> str:
        async with self._uow(write=False) as uow:
            customer_id = await uow.customers.customer_of(user_id)
            user = await uow.users.get(user_id)
        if customer_id:
            return customer_id
        if user is None:
            raise NotFound("user not found")
        created = await self._gateway.create_customer(
            user_id=user_id, email=user.email, name=user.name
        )
        async with self._uow() as uow:
            stored = await uow.customers.add(user_id, created, now=self._clock())
            await uow.commit()
        return stored

    async def _owned(self, caller: Principal, subscription_id: str) -> Subscription:
        async with self._uow(write=False) as uow:
            subscription = await uow.subscriptions.get(subscription_id)
        if subscription is None or subscription.user_id != caller.user_id:
            raise NotFound("no such subscription")
        return subscription

    def _success_url(self, what: str) -> str:
        # Stripe fills in {CHECKOUT_SESSION_ID}: the success page passes it to the sync call.
        base = self._config.frontend_url
        return f"{base}/billing/success?{what}=1&session_id={{CHECKOUT_SESSION_ID}}"

    def _cancel_url(self) -> str:
        return f"{self._config.frontend_url}/billing"

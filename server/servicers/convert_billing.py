"""Billing records -> huntaze.v1 billing messages."""

from __future__ import annotations

from huntaze.v1 import billing_pb2

from server.servicers.convert import timestamp
from services.billing.model import Invoice, LedgerEntry, Subscription
from services.billing.service import CreditsView, CurrentPlan


def subscription_message(subscription: Subscription) -> billing_pb2.BillingSubscription:
    message = billing_pb2.BillingSubscription(
        id=subscription.id,
        stripe_subscription_id=subscription.stripe_subscription_id,
        status=subscription.status,
        plan=subscription.plan,
        cancel_at_period_end=subscription.cancel_at_period_end,
        created_at=timestamp(subscription.created_at),
    )
    if subscription.current_period_end is not None:
        message.current_period_end.CopyFrom(timestamp(subscription.current_period_end))
    if subscription.cancel_at is not None:
        message.cancel_at.CopyFrom(timestamp(subscription.cancel_at))
    return message


def current_plan_response(current: CurrentPlan) -> billing_pb2.GetCurrentSubscriptionResponse:
    response = billing_pb2.GetCurrentSubscriptionResponse(plan=current.plan)
    if current.subscription is not None:
        response.subscription.CopyFrom(subscription_message(current.subscription))
    return response


def entry_message(entry: LedgerEntry) -> billing_pb2.CreditLedgerEntry:
    return billing_pb2.CreditLedgerEntry(
        kind=entry.kind,
        amount=entry.amount,
        allowance=entry.allowance,
        balance_after=entry.balance_after,
        description=entry.description,
        created_at=timestamp(entry.created_at),
    )


def credits_response(view: CreditsView) -> billing_pb2.GetCreditsResponse:
    return billing_pb2.GetCreditsResponse(
        balance=view.balance,
        frozen=view.frozen,
        monthly_allowance=view.monthly_allowance,
        used_this_month=view.used_this_month,
        resets_at=timestamp(view.resets_at),
        entries=[entry_message(entry) for entry in view.entries],
    )


def invoice_message(invoice: Invoice) -> billing_pb2.BillingInvoice:
    message = billing_pb2.BillingInvoice(
        id=invoice.id,
        number=invoice.number,
        amount_paid=invoice.amount_paid,
        currency=invoice.currency,
        hosted_invoice_url=invoice.hosted_invoice_url,
    )
    for field, moment in (
        ("period_start", invoice.period_start),
        ("period_end", invoice.period_end),
        ("paid_at", invoice.paid_at),
    ):
        if moment is not None:
            getattr(message, field).CopyFrom(timestamp(moment))
    return message

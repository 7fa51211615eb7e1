"""huntaze.v1.BillingService: Stripe Checkout and the Customer Portal, subscriptions, credits,
invoices and Stripe's webhook."""

from __future__ import annotations

import grpc
from google.api import httpbody_pb2
from huntaze.v1 import billing_pb2, billing_pb2_grpc

from interceptors.context import current_principal, current_request
from server.servicers.convert import optional
from server.servicers.convert_billing import (
    credits_response,
    current_plan_response,
    invoice_message,
    subscription_message,
)
from services.billing.service import Billing
from services.billing.webhooks import StripeWebhooks

SIGNATURE_HEADER = "stripe-signature"


class BillingServicer(billing_pb2_grpc.BillingServiceServicer):
    def __init__(self, billing: Billing, webhooks: StripeWebhooks) -> None:
        self._billing = billing
        self._webhooks = webhooks

    async def HandleStripeWebhook(
        self, request: httpbody_pb2.HttpBody, context: grpc.aio.ServicerContext
    ) -> billing_pb2.HandleStripeWebhookResponse:
        signatures = current_request().header_values(SIGNATURE_HEADER)
        await self._webhooks.receive(request.data, signatures[0] if len(signatures) == 1 else "")
        return billing_pb2.HandleStripeWebhookResponse(received=True)

    async def CreateMessagePackCheckout(
        self,
        request: billing_pb2.CreateMessagePackCheckoutRequest,
        context: grpc.aio.ServicerContext,
    ) -> billing_pb2.CreateMessagePackCheckoutResponse:
        session = await self._billing.start_pack_checkout(
            current_principal(),
            request.pack,
            success_url=request.success_url,
            cancel_url=request.cancel_url,
        )
        return billing_pb2.CreateMessagePackCheckoutResponse(session_id=session.id, url=session.url)

    async def CreateSubscription(
        self, request: billing_pb2.CreateSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> billing_pb2.CreateSubscriptionResponse:
        session = await self._billing.start_subscription(
            current_principal(),
            request.plan,
            success_url=request.success_url,
            cancel_url=request.cancel_url,
        )
        return billing_pb2.CreateSubscriptionResponse(session_id=session.id, url=session.url)

    async def CreatePortalSession(
        self, request: billing_pb2.CreatePortalSessionRequest, context: grpc.aio.ServicerContext
    ) -> billing_pb2.CreatePortalSessionResponse:
        url = await self._billing.portal(current_principal(), return_url=request.return_url)
        return billing_pb2.CreatePortalSessionResponse(url=url)

    async def CancelSubscription(
        self, request: billing_pb2.CancelSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> billing_pb2.CancelSubscriptionResponse:
        at_period_end = optional(request, "at_period_end")
        subscription = await self._billing.cancel(
            current_principal(),
            request.id,
            at_period_end=True if at_period_end is None else at_period_end,
        )
        return billing_pb2.CancelSubscriptionResponse(
            subscription=subscription_message(subscription)
        )

    async def ResumeSubscription(
        self, request: billing_pb2.ResumeSubscriptionRequest, context: grpc.aio.ServicerContext
    ) -> billing_pb2.ResumeSubscriptionResponse:
        subscription = await self._billing.resume(current_principal(), request.id)
        return billing_pb2.ResumeSubscriptionResponse(
            subscription=subscription_message(subscription)
        )

    async def GetCurrentSubscription(
        self,
        request: billing_pb2.GetCurrentSubscriptionRequest,
        context: grpc.aio.ServicerContext,
    ) -> billing_pb2.GetCurrentSubscriptionResponse:
        current = await self._billing.current(
            current_principal(), checkout_session_id=request.checkout_session_id
        )
        return current_plan_response(current)

    async def GetCredits(
        self, request: billing_pb2.GetCreditsRequest, context: grpc.aio.ServicerContext
    ) -> billing_pb2.GetCreditsResponse:
        view = await self._billing.credits(
            current_principal(), checkout_session_id=request.checkout_session_id
        )
        return credits_response(view)

    async def ListInvoices(
        self, request: billing_pb2.ListInvoicesRequest, context: grpc.aio.ServicerContext
    ) -> billing_pb2.ListInvoicesResponse:
        invoices = await self._billing.invoices(current_principal())
        return billing_pb2.ListInvoicesResponse(
            invoices=[invoice_message(invoice) for invoice in invoices]
        )

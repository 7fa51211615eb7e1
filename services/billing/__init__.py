"""Billing: Stripe subscriptions that set the plan, message packs on a credit ledger, and the
webhook events that drive both."""

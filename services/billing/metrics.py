"""Prometheus metrics of billing: webhook events by type and outcome, and the backlog."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class BillingMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        kwargs = {"registry": registry} if registry is not None else {}
        self.received = Counter(
            "huntaze_billing_webhook_events_total",
            "Stripe events received, by type and whether they were new or a duplicate delivery.",
            ("type", "delivery"),
            **kwargs,
        )
        self.processed = Counter(
            "huntaze_billing_events_processed_total",
            "Stripe events processed, by type and outcome (ok, failed, ignored).",
            ("type", "outcome"),
            **kwargs,
        )
        self.refused = Counter(
            "huntaze_billing_webhook_refused_total",
            "Webhook deliveries refused (bad signature or body); nothing stored.",
            **kwargs,
        )

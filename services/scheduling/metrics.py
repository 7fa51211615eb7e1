"""Prometheus metrics of the scheduler."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LAG_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600)


class SchedulerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        kwargs = {"registry": registry} if registry is not None else {}
        self.claimed = Counter(
            "huntaze_scheduler_claimed_total", "Posts claimed for publishing.", **kwargs
        )
        self.published = Counter(
            "huntaze_scheduler_published_total", "Posts published (every platform sent).", **kwargs
        )
        self.failed = Counter(
            "huntaze_scheduler_failed_total",
            "Posts that failed, by reason (refused, attempts, missed).",
            ("reason",),
            **kwargs,
        )
        self.retried = Counter(
            "huntaze_scheduler_retries_total",
            "Publishing rounds that will be retried after a transient failure.",
            **kwargs,
        )
        self.sends = Counter(
            "huntaze_scheduler_sends_total",
            "Sends to a publisher, by outcome (sent, refused, failed, unknown).",
            ("outcome",),
            **kwargs,
        )
        self.lag = Histogram(
            "huntaze_scheduler_publish_lag_seconds",
            "Published minus scheduled time.",
            buckets=LAG_BUCKETS,
            **kwargs,
        )
        self.backlog = Gauge(
            "huntaze_scheduler_backlog",
            "Posts due for more than a minute and not yet claimed (as last seen).",
            multiprocess_mode="max",
            **kwargs,
        )
        self.heartbeat = Gauge(
            "huntaze_scheduler_heartbeat_timestamp_seconds",
            "When a scheduler last completed a round (Unix time).",
            multiprocess_mode="max",
            **kwargs,
        )

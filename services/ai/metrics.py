"""Prometheus metrics of the AI layer, labelled by task, deployment and provider.

In multiprocess mode counters and histograms are summed across workers; the breaker-state gauge
shows the worst state any live worker sees (breakers are per process).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from services.ai.breaker import BreakerState

BREAKER_STATE_VALUES = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}
_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)
_TTFT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8)


class AIMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        kwargs = {"registry": registry} if registry is not None else {}
        route = ("task", "deployment", "provider")
        self.requests = Counter(
            "huntaze_ai_requests_total",
            "AI calls answered, by the deployment that answered (cached answers included).",
            (*route, "cached"),
            **kwargs,
        )
        self.attempt_errors = Counter(
            "huntaze_ai_attempt_errors_total",
            "Failed upstream attempts, by failure kind (timeout, rate_limited, ...).",
            (*route, "kind"),
            **kwargs,
        )
        self.failures = Counter(
            "huntaze_ai_failures_total",
            "AI calls that failed for the user (every deployment failed or was open).",
            ("task", "reason"),
            **kwargs,
        )
        self.tokens = Counter(
            "huntaze_ai_tokens_total",
            "Tokens reported by the upstream, by direction (prompt, completion).",
            (*route, "direction"),
            **kwargs,
        )
        self.cost = Counter(
            "huntaze_ai_cost_usd_total", "Cost charged to users, in USD.", route, **kwargs
        )
        self.unpriced = Counter(
            "huntaze_ai_unpriced_calls_total",
            "Calls with tokens > 0 but cost 0: the model is missing from AI_PRICES.",
            ("deployment", "model"),
            **kwargs,
        )
        self.latency = Histogram(
            "huntaze_ai_request_duration_seconds",
            "Time from the first attempt to the whole answer (streams: to the last token).",
            route,
            buckets=_LATENCY_BUCKETS,
            **kwargs,
        )
        self.time_to_first_token = Histogram(
            "huntaze_ai_time_to_first_token_seconds",
            "Streams: time from the request to the first token.",
            route,
            buckets=_TTFT_BUCKETS,
            **kwargs,
        )
        self.breaker_state = Gauge(
            "huntaze_ai_breaker_state",
            "Circuit breaker per deployment: 0 closed, 1 half-open, 2 open.",
            ("deployment",),
            multiprocess_mode="max",
            **kwargs,
        )
        self.cache = Counter(
            "huntaze_ai_cache_requests_total",
            "Prompt-cache lookups, by result (hit, miss).",
            ("task", "result"),
            **kwargs,
        )
        self.budget_refusals = Counter(
            "huntaze_ai_budget_refusals_total",
            "Calls refused because the monthly budget was used up.",
            ("plan",),
            **kwargs,
        )

    def breaker_changed(self, deployment: str, state: BreakerState) -> None:
        self.breaker_state.labels(deployment).set(BREAKER_STATE_VALUES[state])

"""The interceptor chain, outermost first, and why in this order:

1. context     request id + client address into the RequestContext before anything else runs,
               so every later layer and every log line can use them; sends x-request-id and the
               queued response headers back.
2. access log  sees every outcome, including the status the errors layer chose, with the
3. metrics     request id and (after auth ran) the user id; timing covers all inner work.
4. errors      the one domain-exception -> gRPC status mapping; it sits outside auth, rate limit
               and validation because they fail by raising domain errors too.
5. auth        who is calling (and may they): rate limiting needs the user id.
6. rate limit  before validation and the servicer so rejected floods cost as little as possible;
               after auth so authenticated callers get their own bucket.
7. validation  protovalidate on each request message, just before the servicer.
"""

from __future__ import annotations

import logging

import grpc.aio
import protovalidate

from interceptors.auth import AuthInterceptor, TokenVerifier
from interceptors.context import ContextInterceptor
from interceptors.errors import ErrorInterceptor
from interceptors.logging import AccessLogInterceptor
from interceptors.metrics import MetricsInterceptor, RpcMetrics
from interceptors.policies import AccessPolicies
from interceptors.rate_limit import RateLimiter, RateLimitInterceptor
from interceptors.validation import ValidationInterceptor
from server.config import Settings


def build_interceptors(
    *,
    settings: Settings,
    tokens: TokenVerifier,
    limiter: RateLimiter,
    metrics: RpcMetrics,
    logger_name: str = "huntaze",
    policies: AccessPolicies | None = None,
) -> list[grpc.aio.ServerInterceptor]:
    """Outermost first, ready for grpc.aio.server(interceptors=...).

    `policies` defaults to the huntaze.v1 protos' access options (tests may pass their own).
    """
    if policies is None:
        policies = AccessPolicies.from_package("huntaze.v1")
    return [
        ContextInterceptor(settings.trusted_proxies),
        AccessLogInterceptor(logging.getLogger(f"{logger_name}.access")),
        MetricsInterceptor(metrics),
        ErrorInterceptor(logging.getLogger(f"{logger_name}.errors")),
        AuthInterceptor(policies, tokens, logging.getLogger(f"{logger_name}.security")),
        RateLimitInterceptor(policies, limiter, settings),
        ValidationInterceptor(protovalidate.Validator()),
    ]

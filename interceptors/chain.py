"""The interceptor chain, outermost first, and why in this order:

1. context     request id, client address and request headers into the RequestContext before
               anything else runs, so every later layer and every log line can use them; sends
               x-request-id and the queued response headers back.
2. access log  sees every outcome, including the status the errors layer chose, with the
3. metrics     request id and (after auth ran) the user id; timing covers all inner work.
4. errors      the one domain-exception -> gRPC status mapping; it sits outside auth, origin,
               rate limit and validation because they fail by raising domain errors too.
5. auth        who is calling (and may they, is the account still active): rate limiting needs
               the user id.
6. origin      the cross-site check of cookie-session methods, before the rate limiter so a
               refused request spends no token.
7. rate limit  before validation and the servicer so rejected floods cost as little as possible;
               after auth so authenticated callers get their own bucket.
8. validation  decoding, protovalidate and the NUL rule on each request message, just before
               the servicer.

Every value comes from the composition root (server/app.py) as plain values and small ports;
nothing here reads settings.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc.aio
import protovalidate

from interceptors.auth import AccountStatus, AuthInterceptor, TokenVerifier
from interceptors.context import ContextInterceptor
from interceptors.errors import ErrorInterceptor
from interceptors.logging import AccessLogInterceptor
from interceptors.metrics import MetricsInterceptor, RpcMetrics
from interceptors.origin import OriginInterceptor
from interceptors.policies import AccessPolicies
from interceptors.rate_limit import RateLimiter, RateLimitInterceptor, RateLimitRule, SessionOf
from interceptors.validation import ValidationInterceptor


@dataclass(frozen=True)
class ChainConfig:
    """What the interceptors need to know, as plain values."""

    # Browser origins accepted by same-origin-only methods (frontends and the API's own).
    allowed_origins: Sequence[str]
    # One rule per rate-limit family (interceptors.rate_limit.RULE_NAMES).
    rate_limit_rules: Mapping[str, RateLimitRule]


def build_interceptors(
    *,
    config: ChainConfig,
    tokens: TokenVerifier,
    accounts: AccountStatus,
    limiter: RateLimiter,
    session_of: SessionOf,
    metrics: RpcMetrics,
    logger_name: str = "huntaze",
    policies: AccessPolicies | None = None,
) -> list[grpc.aio.ServerInterceptor]:
    """Outermost first, ready for grpc.aio.server(interceptors=...).

    `policies` defaults to the huntaze.v1 protos' access options (tests may pass their own).
    """
    if policies is None:
        policies = AccessPolicies.from_package("huntaze.v1")
    security_log = logging.getLogger(f"{logger_name}.security")
    return [
        ContextInterceptor(),
        AccessLogInterceptor(logging.getLogger(f"{logger_name}.access")),
        MetricsInterceptor(metrics),
        ErrorInterceptor(logging.getLogger(f"{logger_name}.errors"), metrics),
        AuthInterceptor(policies, tokens, accounts, security_log),
        OriginInterceptor(policies, config.allowed_origins),
        RateLimitInterceptor(policies, limiter, config.rate_limit_rules, session_of=session_of),
        ValidationInterceptor(protovalidate.Validator()),
    ]

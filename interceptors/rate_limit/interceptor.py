"""Token-bucket rate limiting per caller and per method family.

The family comes from the method's `huntaze.v1.access` option (UNSPECIFIED = STANDARD, NONE = not
limited); its size from the rules the composition root hands over (RATE_LIMIT_* settings). The
caller is, in this order: the browser session for the SESSION family (refresh and logout, keyed
by the refresh token's family, whatever address it shares), the authenticated user, or the
client address the context interceptor derived (Envoy's view of the peer; IPv6 by /64, the
block one subscriber usually gets). Every limited response carries the IETF `RateLimit-Policy`
/ `RateLimit` headers; exhaustion raises QuotaExceeded (429 + Retry-After).
"""

from __future__ import annotations

import functools
import ipaddress
import math
from collections.abc import Callable, Mapping

import grpc
import grpc.aio
from huntaze.v1 import options_pb2

from interceptors.context import RequestContext, current_request
from interceptors.handlers import CallHooks, HookInterceptor
from interceptors.policies import AccessPolicies
from interceptors.rate_limit.buckets import RateLimiter, RateLimitRule
from services.errors import QuotaExceeded

# RateLimitClass (the protos' enum) -> rule name; None: not limited.
CLASS_NAMES: dict[int, str | None] = {
    options_pb2.RATE_LIMIT_CLASS_UNSPECIFIED: "standard",
    options_pb2.RATE_LIMIT_CLASS_STANDARD: "standard",
    options_pb2.RATE_LIMIT_CLASS_AUTH: "auth",
    options_pb2.RATE_LIMIT_CLASS_AI: "ai",
    options_pb2.RATE_LIMIT_CLASS_WEBHOOK: "webhook",
    options_pb2.RATE_LIMIT_CLASS_SESSION: "session",
    options_pb2.RATE_LIMIT_CLASS_NONE: None,
}
RULE_NAMES = tuple(sorted({name for name in CLASS_NAMES.values() if name}))

# The browser session a request acts for (the refresh token's family), None when it names none.
SessionOf = Callable[[RequestContext], str | None]


@functools.lru_cache(maxsize=4096)  # a few active addresses make most calls; parsing is ~2 us
def address_key(address: str) -> str:
    """IPv4 as is; IPv6 by its /64 network (one subscriber's usual allocation)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class _RateLimitHooks(CallHooks):
    __slots__ = ("class_name", "interceptor")

    def __init__(self, interceptor: RateLimitInterceptor, class_name: str) -> None:
        self.interceptor = interceptor
        self.class_name = class_name

    def caller(self, request: RequestContext) -> str:
        if self.class_name == "session":
            session = self.interceptor.session_of(request)
            if session is not None:
                return f"session:{session}"
        if request.principal is not None:
            return f"user:{request.principal.user_id}"
        return f"addr:{address_key(request.client_address)}"

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        request = current_request()
        rule = self.interceptor.rules[self.class_name]
        key = f"{self.class_name}:{self.caller(request)}"
        decision = await self.interceptor.limiter.acquire(key, rule)
        name = self.class_name
        request.response_headers.append(
            ("ratelimit-policy", f'"{name}";q={decision.limit};w={math.ceil(rule.per_seconds)}')
        )
        request.response_headers.append(
            ("ratelimit", f'"{name}";r={decision.remaining};t={math.ceil(decision.reset_after)}')
        )
        if not decision.allowed:
            raise QuotaExceeded("too many requests, retry later", retry_after=decision.retry_after)


class RateLimitInterceptor(HookInterceptor):
    def __init__(
        self,
        policies: AccessPolicies,
        limiter: RateLimiter,
        rules: Mapping[str, RateLimitRule],
        *,
        session_of: SessionOf,
    ) -> None:
        missing = set(RULE_NAMES) - set(rules)
        if missing:
            raise ValueError(f"no rate-limit rule for {', '.join(sorted(missing))}")
        self.policies = policies
        self.limiter = limiter
        self.rules = dict(rules)
        self.session_of = session_of

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        class_name = CLASS_NAMES.get(self.policies[method].rate_limit, "standard")
        return None if class_name is None else _RateLimitHooks(self, class_name)

"""Token-bucket rate limiting per caller and per method class.

The class comes from the method's `huntaze.v1.access` option (UNSPECIFIED = STANDARD, NONE = not
limited); its size from settings.rate_limit_rule(class). The caller is the authenticated user id,
or for anonymous calls the client address the context interceptor derived (Envoy's view of the
peer, never a header the client controls). Every limited response carries the IETF
`RateLimit-Policy` / `RateLimit` headers; exhaustion raises QuotaExceeded (429 + Retry-After).

Backends (RateLimiter protocol):
- MemoryRateLimiter: per process, bounded, evicts idle buckets. With several worker processes
  behind Envoy's balancing, create_rate_limiter gives each worker 1/N of every bucket (and
  logs a warning) so the configured limit is not silently multiplied by N.
- RedisRateLimiter: one atomic Lua script (refill + take, Redis server time), shared by every
  process and instance. If Redis is unreachable it fails OPEN (allows the call, logs an error at
  most every few seconds): an outage of the limiter must not take the API down.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import grpc
import grpc.aio
import redis.asyncio as aioredis
from huntaze.v1 import options_pb2
from redis.exceptions import RedisError

from interceptors.context import current_request
from interceptors.handlers import CallHooks, HookInterceptor
from interceptors.policies import AccessPolicies
from server.config import RateLimitRule, Settings
from services.errors import QuotaExceeded

logger = logging.getLogger("huntaze.rate_limit")

# RateLimitClass (the protos' enum) -> settings rule name; None: not limited.
CLASS_NAMES: dict[int, str | None] = {
    options_pb2.RATE_LIMIT_CLASS_UNSPECIFIED: "standard",
    options_pb2.RATE_LIMIT_CLASS_STANDARD: "standard",
    options_pb2.RATE_LIMIT_CLASS_AUTH: "auth",
    options_pb2.RATE_LIMIT_CLASS_AI: "ai",
    options_pb2.RATE_LIMIT_CLASS_WEBHOOK: "webhook",
    options_pb2.RATE_LIMIT_CLASS_NONE: None,
}


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    limit: int  # bucket capacity this backend enforces
    remaining: int  # whole tokens left after this call
    reset_after: float  # seconds until the bucket is full again
    retry_after: float  # seconds until one token is available (0 when allowed)


class RateLimiter(Protocol):
    async def acquire(self, key: str, rule: RateLimitRule) -> RateLimitDecision | None:
        """Take one token from `key`'s bucket. None: no decision (backend down, fail open)."""
        ...

    async def aclose(self) -> None: ...


def _decide(tokens: float, capacity: int, rate: float, allowed: bool) -> RateLimitDecision:
    """tokens: what is left after the attempt."""
    return RateLimitDecision(
        allowed=allowed,
        limit=capacity,
        remaining=max(0, math.floor(tokens)),
        reset_after=max(0.0, (capacity - tokens) / rate),
        retry_after=0.0 if allowed else max(0.0, (1 - tokens) / rate),
    )


def divided(rule: RateLimitRule, workers: int) -> RateLimitRule:
    """Each of `workers` processes' share of a bucket (same window, 1/N of the tokens)."""
    return RateLimitRule(max(1, rule.capacity // workers), rule.per_seconds)


class MemoryRateLimiter:
    """In-process buckets, at most `max_buckets` of them (least recently used evicted first)."""

    def __init__(
        self,
        *,
        workers: int = 1,
        max_buckets: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workers = workers
        self.max_buckets = max_buckets
        self.clock = clock
        # key -> (tokens, updated_at, seconds to refill completely)
        self._buckets: OrderedDict[str, tuple[float, float, float]] = OrderedDict()

    async def acquire(self, key: str, rule: RateLimitRule) -> RateLimitDecision:
        rule = divided(rule, self.workers) if self.workers > 1 else rule
        capacity, rate = rule.capacity, rule.refill_per_second
        now = self.clock()
        state = self._buckets.pop(key, None)
        tokens = (
            float(capacity) if state is None else min(capacity, state[0] + (now - state[1]) * rate)
        )
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        self._buckets[key] = (tokens, now, (capacity - tokens) / rate)
        self._evict(now)
        return _decide(tokens, capacity, rate, allowed)

    def _evict(self, now: float) -> None:
        # Oldest first: drop buckets that have refilled completely (forgetting them changes
        # nothing), then the least recently used ones while over the bound.
        while self._buckets:
            key, (_, updated_at, refill) = next(iter(self._buckets.items()))
            if now - updated_at >= refill or len(self._buckets) > self.max_buckets:
                del self._buckets[key]
            else:
                break

    def __len__(self) -> int:
        return len(self._buckets)

    async def aclose(self) -> None:
        self._buckets.clear()


# KEYS[1] bucket; ARGV capacity, refill tokens/second. Returns {allowed, tokens left (string)}.
# Time comes from the Redis server so instances with skewed clocks agree; Redis 5+ replicates
# script effects, so TIME is allowed before writes.
_TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
local left = string.format('%.6f', tokens)
redis.call('HSET', KEYS[1], 'tokens', left, 'ts', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1)
return {allowed, left}
"""


class RedisRateLimiter:
    """Buckets in Redis, shared by every worker and instance using the same `prefix`."""

    def __init__(
        self,
        client: aioredis.Redis,
        *,
        prefix: str = "huntaze:ratelimit:",
        error_log_interval: float = 10.0,
    ) -> None:
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_TOKEN_BUCKET_LUA)  # EVALSHA, NOSCRIPT -> EVAL
        self._error_log_interval = error_log_interval
        self._last_error_log = -math.inf

    async def acquire(self, key: str, rule: RateLimitRule) -> RateLimitDecision | None:
        capacity, rate = rule.capacity, rule.refill_per_second
        try:
            allowed, tokens = await self._script(
                keys=[self.prefix + key], args=[capacity, repr(rate)]
            )
        except (RedisError, OSError) as error:
            now = time.monotonic()
            if now - self._last_error_log >= self._error_log_interval:
                self._last_error_log = now
                logger.error(
                    "rate limiter backend unavailable, allowing requests: %s",
                    error,
                    extra={"event": "rate_limit.fail_open"},
                )
            return None
        return _decide(float(tokens), capacity, rate, bool(int(allowed)))

    async def aclose(self) -> None:
        await self.client.aclose()


def create_rate_limiter(settings: Settings, *, workers: int) -> RateLimiter:
    """The backend settings.rate_limit_backend names, sized for `workers` processes."""
    if settings.rate_limit_backend == "redis":
        client = aioredis.Redis.from_url(
            settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5
        )
        return RedisRateLimiter(client, prefix=settings.rate_limit_redis_prefix)
    if workers > 1:
        logger.warning(
            "in-memory rate limiting with %d workers: each worker enforces 1/%d of every limit "
            "(Envoy spreads requests across them); "
            "set RATE_LIMIT_BACKEND=redis for one shared limit",
            workers,
            workers,
            extra={"event": "rate_limit.divided", "workers": workers},
        )
    return MemoryRateLimiter(workers=workers)


class _RateLimitHooks(CallHooks):
    __slots__ = ("class_name", "interceptor")

    def __init__(self, interceptor: RateLimitInterceptor, class_name: str) -> None:
        self.interceptor = interceptor
        self.class_name = class_name

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        request = current_request()
        caller = (
            f"user:{request.principal.user_id}"
            if request.principal is not None
            else f"addr:{request.client_address}"
        )
        rule = self.interceptor.rules[self.class_name]
        decision = await self.interceptor.limiter.acquire(f"{self.class_name}:{caller}", rule)
        if decision is None:
            return  # backend down: fail open, no headers we could not stand behind
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
    def __init__(self, policies: AccessPolicies, limiter: RateLimiter, settings: Settings) -> None:
        self.policies = policies
        self.limiter = limiter
        self.rules = {name: settings.rate_limit_rule(name) for name in CLASS_NAMES.values() if name}

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        class_name = CLASS_NAMES.get(self.policies[method].rate_limit, "standard")
        return None if class_name is None else _RateLimitHooks(self, class_name)

"""Redis first, this host's shared table whenever Redis is down or being skipped: an outage of
Redis makes limits per host for a while, it never removes them."""

from __future__ import annotations

from interceptors.rate_limit.buckets import RateLimitDecision, RateLimiter, RateLimitRule
from services.redis_circuit import RedisUnavailable


class FallbackRateLimiter:
    def __init__(self, primary: RateLimiter, fallback: RateLimiter) -> None:
        self.primary = primary
        self.fallback = fallback

    async def acquire(self, key: str, rule: RateLimitRule) -> RateLimitDecision:
        try:
            return await self.primary.acquire(key, rule)
        except RedisUnavailable:
            return await self.fallback.acquire(key, rule)

    async def aclose(self) -> None:
        try:
            await self.primary.aclose()
        finally:
            await self.fallback.aclose()

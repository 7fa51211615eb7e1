"""RedisRateLimiter against the real Redis at 127.0.0.1:6379 (one key prefix per test)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis
from support.redis_keys import REDIS_URL, unique_prefix

from interceptors.rate_limit import RedisRateLimiter, create_rate_limiter
from server.config import RateLimitRule, Settings

pytestmark = pytest.mark.redis


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async for namespace in unique_prefix("ratelimit"):
        yield namespace


def limiter_for(prefix: str) -> RedisRateLimiter:
    return RedisRateLimiter(aioredis.Redis.from_url(REDIS_URL), prefix=prefix)


async def test_two_limiters_share_one_bucket(prefix: str) -> None:
    first, second = limiter_for(prefix), limiter_for(prefix)
    rule = RateLimitRule(capacity=4, per_seconds=3600)
    try:
        decisions = [await (first, second)[i % 2].acquire("auth:addr:1", rule) for i in range(5)]
    finally:
        await first.aclose()
        await second.aclose()
    assert [d.allowed for d in decisions if d] == [True, True, True, True, False]
    assert [d.remaining for d in decisions if d] == [3, 2, 1, 0, 0]
    denied = decisions[-1]
    assert denied is not None
    assert denied.retry_after == pytest.approx(900, abs=1)  # one token per 3600/4 s


async def test_concurrent_acquires_are_atomic(prefix: str) -> None:
    limiters = [limiter_for(prefix) for _ in range(5)]
    rule = RateLimitRule(capacity=10, per_seconds=3600)
    try:
        decisions = await asyncio.gather(
            *(limiters[i % 5].acquire("standard:user:u1", rule) for i in range(50))
        )
    finally:
        for limiter in limiters:
            await limiter.aclose()
    assert sum(1 for d in decisions if d and d.allowed) == 10


async def test_keys_expire(prefix: str) -> None:
    limiter = limiter_for(prefix)
    try:
        await limiter.acquire("k", RateLimitRule(capacity=10, per_seconds=60))
        ttl = await limiter.client.ttl(prefix + "k")
    finally:
        await limiter.aclose()
    assert 0 < ttl <= 8  # 6 s to refill one token, plus a second


async def test_script_is_reloaded_after_script_flush(prefix: str) -> None:
    limiter = limiter_for(prefix)
    rule = RateLimitRule(capacity=10, per_seconds=60)
    try:
        await limiter.acquire("k", rule)
        await limiter.client.script_flush()  # EVALSHA now answers NOSCRIPT
        decision = await limiter.acquire("k", rule)
    finally:
        await limiter.aclose()
    assert decision is not None
    assert decision.remaining == 8


async def test_redis_down_fails_open_with_an_error_log(caplog: pytest.LogCaptureFixture) -> None:
    limiter = RedisRateLimiter(
        aioredis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5)
    )
    try:
        with caplog.at_level(logging.ERROR, logger="huntaze.rate_limit"):
            decisions = [
                await limiter.acquire("k", RateLimitRule(capacity=1, per_seconds=60))
                for _ in range(3)
            ]
    finally:
        await limiter.aclose()
    assert decisions == [None, None, None]
    assert len([r for r in caplog.records if r.name == "huntaze.rate_limit"]) == 1


async def test_create_rate_limiter_builds_the_redis_backend() -> None:
    settings = Settings(environment="test", rate_limit_backend="redis", redis_url=REDIS_URL)
    limiter = create_rate_limiter(settings, workers=8)
    try:
        assert isinstance(limiter, RedisRateLimiter)
    finally:
        await limiter.aclose()

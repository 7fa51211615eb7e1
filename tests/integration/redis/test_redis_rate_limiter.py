"""Rate limits in Redis, against the real Redis at 127.0.0.1:6379 (one key prefix per test),
and what happens when Redis refuses connections or accepts them and never answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.redis_keys import REAL_REDIS_TIMEOUT_SECONDS, REDIS_URL, unique_prefix
from support.silent_redis import silent_server

from interceptors.rate_limit import (
    FallbackRateLimiter,
    RateLimitRule,
    RedisRateLimiter,
    SharedMemoryRateLimiter,
    create_bucket_table,
)
from services.redis_circuit import RedisUnavailable, SharedRedis

pytestmark = pytest.mark.redis


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async for namespace in unique_prefix("ratelimit"):
        yield namespace


def connect(url: str = REDIS_URL) -> SharedRedis:
    """A client of the real Redis; the timeout is generous because these tests are about what
    Redis stores, and a loaded CI machine can take longer than a production budget to connect."""
    return SharedRedis.connect(url, timeout=REAL_REDIS_TIMEOUT_SECONDS, retry_seconds=5)


def limiter_for(redis: SharedRedis, prefix: str) -> RedisRateLimiter:
    return RedisRateLimiter(redis.client, redis.circuit, prefix=prefix)


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[SharedMemoryRateLimiter]:
    limiter = SharedMemoryRateLimiter(create_bucket_table(tmp_path / "buckets", buckets=64))
    yield limiter
    await limiter.aclose()


async def test_two_limiters_share_one_bucket(prefix: str) -> None:
    first, second = connect(), connect()
    rule = RateLimitRule(capacity=4, per_seconds=3600)
    try:
        limiters = (limiter_for(first, prefix), limiter_for(second, prefix))
        decisions = [await limiters[i % 2].acquire("auth:addr:1", rule) for i in range(5)]
    finally:
        await first.aclose()
        await second.aclose()
    assert [d.allowed for d in decisions] == [True, True, True, True, False]
    assert [d.remaining for d in decisions] == [3, 2, 1, 0, 0]
    assert decisions[-1].retry_after == pytest.approx(900, abs=1)  # one token per 3600/4 s


async def test_concurrent_acquires_are_atomic(prefix: str) -> None:
    connections = [connect() for _ in range(5)]
    rule = RateLimitRule(capacity=10, per_seconds=3600)
    try:
        decisions = await asyncio.gather(
            *(
                limiter_for(connections[i % 5], prefix).acquire("standard:user:u1", rule)
                for i in range(50)
            )
        )
    finally:
        for redis in connections:
            await redis.aclose()
    assert sum(1 for d in decisions if d.allowed) == 10


async def test_keys_expire(prefix: str) -> None:
    redis = connect()
    try:
        await limiter_for(redis, prefix).acquire("k", RateLimitRule(capacity=10, per_seconds=60))
        ttl = await redis.client.ttl(prefix + "k")
    finally:
        await redis.aclose()
    assert 0 < ttl <= 8  # 6 s to refill one token, plus a second


async def test_script_is_reloaded_after_script_flush(prefix: str) -> None:
    redis = connect()
    rule = RateLimitRule(capacity=10, per_seconds=60)
    try:
        limiter = limiter_for(redis, prefix)
        await limiter.acquire("k", rule)
        await redis.client.script_flush()  # EVALSHA now answers NOSCRIPT
        decision = await limiter.acquire("k", rule)
    finally:
        await redis.aclose()
    assert decision.remaining == 8


async def test_a_redis_that_refuses_connections_leaves_the_local_limits(
    local: SharedMemoryRateLimiter, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis down: limits are still enforced, from this host's table; one error is logged."""
    redis = connect("redis://127.0.0.1:1/0")
    limiter = FallbackRateLimiter(limiter_for(redis, "p:"), local)
    try:
        with caplog.at_level(logging.ERROR, logger="huntaze.redis"):
            decisions = [
                await limiter.acquire("k", RateLimitRule(capacity=2, per_seconds=60))
                for _ in range(3)
            ]
    finally:
        await limiter.aclose()
    assert [d.allowed for d in decisions] == [True, True, False]
    assert [r.event for r in caplog.records] == ["redis.unavailable"]


async def test_a_redis_that_never_answers_costs_one_timeout_then_is_skipped(
    local: SharedMemoryRateLimiter,
) -> None:
    """Accepted connections, no answers: the first call waits the timeout and falls back;
    until the retry time, no call even reaches Redis (the API does not slow down)."""
    clock = Clock()
    with silent_server() as silent:
        redis = SharedRedis.connect(silent.url, timeout=0.1, retry_seconds=5)
        redis.circuit._clock = clock  # the breaker's time, moved by hand
        limiter = FallbackRateLimiter(limiter_for(redis, "p:"), local)
        rule = RateLimitRule(capacity=100, per_seconds=60)
        try:
            first = await limiter.acquire("k", rule)
            sent = silent.bytes_received
            assert sent > 0
            rest = [await limiter.acquire("k", rule) for _ in range(50)]
            assert silent.bytes_received == sent  # skipped: nothing sent, nothing waited for
            assert redis.circuit.retry_in() == pytest.approx(5)
            clock.now += 5
            await limiter.acquire("k", rule)  # the one probe after the retry time
            assert silent.bytes_received > sent
        finally:
            await limiter.aclose()
    assert first.allowed and all(d.allowed for d in rest)
    assert rest[-1].remaining == 100 - 51 - 1 + 1  # the local table counted every call


async def test_health_sees_redis_degraded_while_skipped() -> None:
    with silent_server() as silent:
        redis = SharedRedis.connect(silent.url, timeout=0.1, retry_seconds=5)
        try:
            with pytest.raises(RedisUnavailable):
                await redis.ping()
            retry_in = redis.circuit.retry_in()
            assert retry_in is not None and retry_in > 4
            with pytest.raises(RedisUnavailable):
                await redis.ping()  # at once, without asking
        finally:
            await redis.aclose()

"""RedisPromptCache against the real Redis at 127.0.0.1:6379 (one key prefix per test)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.redis_keys import REAL_REDIS_TIMEOUT_SECONDS, REDIS_URL, unique_prefix
from support.silent_redis import silent_server

from services.ai.cache import CachedAnswer, RedisPromptCache, cache_key
from services.ai.model import AIRequest, ChatMessage
from services.redis_circuit import SharedRedis

pytestmark = pytest.mark.redis

ANSWER = CachedAnswer(
    text="Three ideas: ...", model="gpt-4o-mini", prompt_tokens=30, completion_tokens=12
)
REQUEST = AIRequest(task="assistant", messages=(ChatMessage("user", "Ideas for Friday?"),))


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    async for namespace in unique_prefix("ai-cache"):
        yield namespace


def connect(url: str = REDIS_URL) -> SharedRedis:
    return SharedRedis.connect(url, timeout=REAL_REDIS_TIMEOUT_SECONDS, retry_seconds=5)


@pytest.fixture
async def cache(prefix: str) -> AsyncIterator[RedisPromptCache]:
    redis = connect()
    yield RedisPromptCache(redis.client, redis.circuit, prefix=prefix, ttl_seconds=120)
    await redis.aclose()


def key_for(user: str) -> str:
    return cache_key(user_id=user, task="assistant", deployment="openai", request=REQUEST)


async def test_round_trip_shared_by_two_clients(prefix: str, cache: RedisPromptCache) -> None:
    redis = connect()
    other = RedisPromptCache(redis.client, redis.circuit, prefix=prefix)
    try:
        assert await other.get(key_for("u1")) is None
        await cache.put(key_for("u1"), ANSWER)
        assert await other.get(key_for("u1")) == ANSWER
    finally:
        await redis.aclose()


async def test_entries_carry_the_ttl(prefix: str, cache: RedisPromptCache) -> None:
    await cache.put(key_for("u1"), ANSWER)
    pttl = await cache.client.pttl(prefix + key_for("u1"))
    assert 119_000 < pttl <= 120_000


async def test_keys_are_per_user(prefix: str, cache: RedisPromptCache) -> None:
    await cache.put(key_for("u1"), ANSWER)
    assert await cache.get(key_for("u2")) is None
    stored = [key async for key in cache.client.scan_iter(match=prefix + "*")]
    assert stored == [(prefix + key_for("u1")).encode()]
    assert stored[0].startswith(f"{prefix}u1:".encode())


async def test_too_large_an_answer_is_not_stored(prefix: str) -> None:
    redis = connect()
    small = RedisPromptCache(redis.client, redis.circuit, prefix=prefix, max_value_bytes=200)
    try:
        await small.put("u1:big", CachedAnswer("x" * 200, "m", 1, 1))
        await small.put("u1:fits", CachedAnswer("x" * 50, "m", 1, 1))
        assert await small.client.exists(prefix + "u1:big") == 0
        assert await small.get("u1:big") is None
        assert await small.get("u1:fits") == CachedAnswer("x" * 50, "m", 1, 1)
    finally:
        await redis.aclose()


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'{"text": "t", "model": "m"}'])
async def test_an_unreadable_entry_is_a_miss(
    prefix: str, cache: RedisPromptCache, raw: bytes
) -> None:
    await cache.client.set(prefix + "u1:odd", raw, px=60_000)
    assert await cache.get("u1:odd") is None


async def test_a_silent_redis_is_a_miss_and_then_skipped() -> None:
    with silent_server() as silent:
        redis = SharedRedis.connect(silent.url, timeout=0.1, retry_seconds=60)
        cache = RedisPromptCache(redis.client, redis.circuit)
        try:
            assert await cache.get(key_for("u1")) is None
            sent = silent.bytes_received
            await cache.put(key_for("u1"), ANSWER)
            assert await cache.get(key_for("u1")) is None
            assert silent.bytes_received == sent  # skipped, not waited for
        finally:
            await redis.aclose()

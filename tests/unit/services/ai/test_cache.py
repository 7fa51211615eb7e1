"""Prompt cache: what the key tells apart, the memory backend's bounds, Redis failing open."""

from __future__ import annotations

import logging
import socket
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import pytest

from services.ai.cache import (
    CachedAnswer,
    MemoryPromptCache,
    NoPromptCache,
    RedisPromptCache,
    cache_key,
)
from services.ai.model import AIRequest, ChatMessage, JsonSchemaFormat
from services.redis_circuit import SharedRedis

SCHEMA = {"type": "object", "properties": {"ideas": {"type": "array"}}, "required": ["ideas"]}
REQUEST = AIRequest(
    task="content_ideas",
    messages=(
        ChatMessage("system", "You write content ideas."),
        ChatMessage("user", "Five ideas for a fitness creator."),
    ),
    max_tokens=800,
    temperature=0.7,
    response_format=JsonSchemaFormat("ideas", SCHEMA),
)
ANSWER = CachedAnswer(
    text='{"ideas": []}', model="gpt-4o-mini", prompt_tokens=42, completion_tokens=7
)


def key(request: AIRequest = REQUEST, *, user: str = "u1", task: str = "t", dep: str = "d") -> str:
    return cache_key(user_id=user, task=task, deployment=dep, request=request)


def with_user_message(content: str) -> AIRequest:
    return replace(REQUEST, messages=(REQUEST.messages[0], ChatMessage("user", content)))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_key_is_namespaced_by_user() -> None:
    first, second = key(user="u1"), key(user="u2")
    assert first.startswith("u1:")
    assert second.startswith("u2:")
    assert first.removeprefix("u1:") == second.removeprefix("u2:")  # same prompt, own entries


def test_key_needs_a_user() -> None:
    with pytest.raises(ValueError):
        key(user="")


@pytest.mark.parametrize(
    "other",
    [
        pytest.param(key(task="messages"), id="task"),
        pytest.param(key(dep="openai-fallback"), id="deployment"),
        pytest.param(key(replace(REQUEST, max_tokens=801)), id="max_tokens"),
        pytest.param(key(replace(REQUEST, temperature=0.2)), id="temperature"),
        pytest.param(key(replace(REQUEST, response_format=None)), id="no_format"),
        pytest.param(
            key(replace(REQUEST, response_format=JsonSchemaFormat("other", SCHEMA))),
            id="format_name",
        ),
        pytest.param(
            key(replace(REQUEST, response_format=JsonSchemaFormat("ideas", {"type": "array"}))),
            id="schema",
        ),
        pytest.param(key(with_user_message("Five ideas for a yoga creator.")), id="content"),
        pytest.param(key(with_user_message("five ideas for a fitness creator.")), id="case"),
        pytest.param(
            key(
                replace(
                    REQUEST,
                    messages=(
                        ChatMessage("user", "You write content ideas."),
                        REQUEST.messages[1],
                    ),
                )
            ),
            id="role",
        ),
        pytest.param(
            key(
                replace(
                    REQUEST,
                    messages=(
                        ChatMessage(
                            "system", "You write content ideas. Five ideas for a fitness creator."
                        ),
                    ),
                )
            ),
            id="message_boundaries",
        ),
    ],
)
def test_key_tells_apart_everything_the_upstream_sees(other: str) -> None:
    assert key() != other


def test_key_is_equal_under_whitespace_normalisation() -> None:
    spaced = with_user_message("  Five   ideas\tfor a\n\nfitness creator.\n")
    assert key(spaced) == key()


def test_key_ignores_schema_key_order_and_mapping_type() -> None:
    reordered = {
        "required": ["ideas"],
        "properties": {"ideas": {"type": "array"}},
        "type": "object",
    }
    frozen = MappingProxyType(reordered)
    assert key(replace(REQUEST, response_format=JsonSchemaFormat("ideas", frozen))) == key()


def test_key_treats_integral_temperatures_alike() -> None:
    assert key(replace(REQUEST, temperature=1)) == key(replace(REQUEST, temperature=1.0))


def test_key_ignores_inputs() -> None:
    # The prompt is written from the inputs; the key is what the upstream sees.
    assert key(replace(REQUEST, inputs={"niches": ["fitness"]})) == key()


async def test_memory_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = MemoryPromptCache(ttl_seconds=60, clock=clock)
    await cache.put("u1:k", ANSWER)
    clock.now += 59.999
    assert await cache.get("u1:k") == ANSWER
    clock.now += 0.001
    assert await cache.get("u1:k") is None
    assert len(cache) == 0


async def test_memory_evicts_the_least_recently_used_entry() -> None:
    cache = MemoryPromptCache(max_entries=2, clock=Clock())
    await cache.put("a", ANSWER)
    await cache.put("b", ANSWER)
    assert await cache.get("a") == ANSWER  # "a" is now more recent than "b"
    await cache.put("c", ANSWER)
    assert len(cache) == 2
    assert await cache.get("b") is None
    assert await cache.get("a") == ANSWER
    assert await cache.get("c") == ANSWER


async def test_memory_put_replaces_and_restarts_the_ttl() -> None:
    clock = Clock()
    cache = MemoryPromptCache(ttl_seconds=60, clock=clock)
    await cache.put("k", ANSWER)
    clock.now += 50
    newer = replace(ANSWER, text="newer")
    await cache.put("k", newer)
    clock.now += 50
    assert await cache.get("k") == newer
    assert len(cache) == 1


@pytest.mark.parametrize("kwargs", [{"max_entries": 0}, {"ttl_seconds": 0}])
def test_memory_rejects_a_disabled_configuration(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        MemoryPromptCache(**kwargs)


async def test_no_cache_never_hits() -> None:
    cache = NoPromptCache()
    await cache.put("k", ANSWER)
    assert await cache.get("k") is None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_redis_down_is_a_miss_and_a_skipped_put(caplog: pytest.LogCaptureFixture) -> None:
    redis = SharedRedis.connect(
        f"redis://127.0.0.1:{closed_port()}/0", timeout=0.5, retry_seconds=5
    )
    cache = RedisPromptCache(redis.client, redis.circuit)
    try:
        with caplog.at_level(logging.WARNING, logger="huntaze.redis"):
            await cache.put("u1:k", ANSWER)
            assert await cache.get("u1:k") is None
    finally:
        await redis.aclose()
    # One error for the outage, not one per call.
    assert [r.event for r in caplog.records] == ["redis.unavailable"]

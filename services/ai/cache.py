"""The prompt cache: an exact-match answer cache, namespaced per user, bounded in time and size.

A key is the user id plus a hash of everything an LLM upstream sees: task, deployment, messages
(whitespace-normalised), max_tokens, temperature and the response format. `AIRequest.inputs` are
not part of it: the prompt is written from them, so equal prompts mean equal inputs as far as a
model can tell. (The offline provider answers from `inputs`, not from the messages: caching its
answers is only sound when the prompt carries every input it reads.) Users never share entries,
even for identical prompts: an answer may quote one creator's private data.

Which calls may be cached (never personalised fan messages, never streams) is the service's
decision; this module only stores and finds answers.

Backends: `MemoryPromptCache` (per process, LRU + TTL), `RedisPromptCache` (shared; fails open:
a Redis error or silence is a miss or a skipped put, never a failed or slow request) and
`NoPromptCache`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import redis.asyncio as aioredis

from services.ai.model import AIRequest
from services.redis_circuit import RedisCircuit, RedisUnavailable

logger = logging.getLogger("huntaze.ai.cache")


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int


def cache_key(*, user_id: str, task: str, deployment: str, request: AIRequest) -> str:
    """`user_id:` + the SHA-256 of a canonical JSON of what the upstream is asked."""
    if not user_id:
        raise ValueError("a cache key needs the user id: entries are never shared across users")
    fmt = request.response_format
    canonical = {
        "task": task,
        "deployment": deployment,
        "messages": [[m.role, _normalise(m.content)] for m in request.messages],
        "max_tokens": request.max_tokens,
        "temperature": float(request.temperature),  # 1 and 1.0 are the same temperature
        "response_format": None if fmt is None else {"name": fmt.name, "schema": fmt.schema},
    }
    document = json.dumps(
        canonical,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=_plain_mapping,
    )
    return f"{user_id}:{hashlib.sha256(document.encode()).hexdigest()}"


def _normalise(content: str) -> str:
    """Strip and collapse every run of whitespace to one space; case is kept."""
    return " ".join(content.split())


def _plain_mapping(value: object) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"not JSON serialisable in a cache key: {type(value).__name__}")


class PromptCache(Protocol):
    async def get(self, key: str) -> CachedAnswer | None: ...

    async def put(self, key: str, answer: CachedAnswer) -> None: ...

    async def aclose(self) -> None: ...


class NoPromptCache:
    """Caching disabled: every get misses, every put is dropped."""

    async def get(self, key: str) -> CachedAnswer | None:
        return None

    async def put(self, key: str, answer: CachedAnswer) -> None:
        return None

    async def aclose(self) -> None:
        return None


class MemoryPromptCache:
    """Per-process cache: entries expire `ttl_seconds` after they are put; past `max_entries`
    the least recently used entry is evicted (a hit makes an entry recent)."""

    def __init__(
        self,
        *,
        max_entries: int = 1024,
        ttl_seconds: float = 300,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1 (use NoPromptCache to disable)")
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive (use NoPromptCache to disable)")
        self._max_entries = max_entries
        self._ttl = ttl_seconds
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, CachedAnswer]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> CachedAnswer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, answer = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return answer

    async def put(self, key: str, answer: CachedAnswer) -> None:
        self._entries[key] = (self._clock() + self._ttl, answer)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def aclose(self) -> None:
        self._entries.clear()


class RedisPromptCache:
    """Shared cache in Redis: one JSON value per key, `SET ... PX ttl`. Values over
    `max_value_bytes` are not stored. Every call goes through the worker's RedisCircuit: a
    failing or silent Redis is a miss or a skipped put, costs one short timeout, then is
    skipped for a while. The client belongs to the composition root, which closes it.
    """

    def __init__(
        self,
        redis: aioredis.Redis,
        circuit: RedisCircuit,
        *,
        prefix: str = "huntaze:ai-cache:",
        ttl_seconds: float = 300,
        max_value_bytes: int = 256_000,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive (use NoPromptCache to disable)")
        self.client = redis
        self.prefix = prefix
        self._circuit = circuit
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._max_value_bytes = max_value_bytes

    async def get(self, key: str) -> CachedAnswer | None:
        try:
            raw = await self._circuit.run(lambda: self.client.get(self.prefix + key))
        except RedisUnavailable:
            return None
        if raw is None:
            return None
        try:
            return _decode(raw)
        except (ValueError, TypeError) as error:
            logger.warning(
                "unreadable prompt cache entry, treating as a miss: %s",
                error,
                extra={"event": "ai.cache.unreadable"},
            )
            return None

    async def put(self, key: str, answer: CachedAnswer) -> None:
        value = json.dumps(asdict(answer), ensure_ascii=False).encode()
        if len(value) > self._max_value_bytes:
            logger.debug(
                "prompt cache: answer of %d bytes not stored (limit %d)",
                len(value),
                self._max_value_bytes,
            )
            return
        with contextlib.suppress(RedisUnavailable):
            await self._circuit.run(
                lambda: self.client.set(self.prefix + key, value, px=self._ttl_ms)
            )

    async def aclose(self) -> None:
        """Nothing of its own to close: the shared client is closed by its owner."""


def _decode(raw: bytes | str) -> CachedAnswer:
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise TypeError("a cached answer is a JSON object")
    text, model = data.get("text"), data.get("model")
    prompt_tokens, completion_tokens = data.get("prompt_tokens"), data.get("completion_tokens")
    if not (isinstance(text, str) and isinstance(model, str)):
        raise TypeError("text and model must be strings")
    if not (isinstance(prompt_tokens, int) and isinstance(completion_tokens, int)):
        raise TypeError("token counts must be integers")
    return CachedAnswer(text, model, prompt_tokens, completion_tokens)

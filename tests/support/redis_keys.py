"""The local Redis the Redis-backed tests use, and a key namespace per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import redis.asyncio as aioredis

REDIS_URL = "redis://127.0.0.1:6379/0"

# Tests of what the real Redis stores use a generous budget: on a loaded CI machine fifty
# connections opened at once can take longer than a production timeout. The fault tests
# (a silent or refusing Redis) keep their short budgets.
REAL_REDIS_TIMEOUT_SECONDS = 5.0


async def unique_prefix(kind: str) -> AsyncIterator[str]:
    """A fresh `test:<kind>:<uuid>:` namespace; its keys are deleted afterwards."""
    prefix = f"test:{kind}:{uuid.uuid4().hex}:"
    yield prefix
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()

"""The local Redis the Redis-backed tests use, and a key namespace per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import redis.asyncio as aioredis

REDIS_URL = "redis://127.0.0.1:6379/0"


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

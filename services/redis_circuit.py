"""A circuit breaker for Redis, shared by everything a worker keeps in Redis (rate limits, the
prompt cache): a Redis that refuses connections, or accepts them and never answers, costs one
short timeout, then is skipped for a while instead of slowing every request.

closed ── error or no answer within `timeout` ──> open (RedisUnavailable at once, no I/O)
open ── after `retry_seconds` ──> one probe call; success closes it, failure reopens it
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import redis.asyncio as aioredis
from redis.exceptions import RedisError

logger = logging.getLogger("huntaze.redis")

T = TypeVar("T")


class RedisUnavailable(Exception):
    """Redis failed or is being skipped; callers fall back (local limits, a cache miss)."""


class RedisCircuit:
    def __init__(
        self,
        *,
        timeout: float,
        retry_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._timeout = timeout
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._open_until: float | None = None
        self._probing = False

    async def run(self, operation: Callable[[], Awaitable[T]]) -> T:
        """`operation()` within the timeout; RedisUnavailable when it fails or is skipped."""
        probe = self._open_until is not None
        if probe and (self._probing or self._clock() < self._open_until):  # type: ignore[operator]
            raise RedisUnavailable("redis is being skipped after a failure")
        self._probing = probe
        try:
            result = await asyncio.wait_for(operation(), self._timeout)
        except (RedisError, OSError, TimeoutError) as error:
            self._trip(error)
            raise RedisUnavailable(str(error) or type(error).__name__) from error
        finally:
            self._probing = False
        if self._open_until is not None:
            self._open_until = None
            logger.warning("redis answers again", extra={"event": "redis.recovered"})
        return result

    def retry_in(self) -> float | None:
        """Seconds until the next probe while open; None while closed."""
        if self._open_until is None:
            return None
        return max(0.0, self._open_until - self._clock())

    def _trip(self, error: BaseException) -> None:
        was_closed = self._open_until is None
        self._open_until = self._clock() + self._retry_seconds
        if was_closed:
            logger.error(
                "redis failed (%s); skipping it for %g s",
                str(error) or type(error).__name__,
                self._retry_seconds,
                extra={"event": "redis.unavailable"},
            )


@dataclass(frozen=True)
class SharedRedis:
    """The worker's one Redis client and its circuit, handed to every Redis user."""

    client: aioredis.Redis
    circuit: RedisCircuit

    @classmethod
    def connect(cls, url: str, *, timeout: float, retry_seconds: float) -> SharedRedis:
        client = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        return cls(client, RedisCircuit(timeout=timeout, retry_seconds=retry_seconds))

    async def ping(self) -> None:
        """For /api/health: raises RedisUnavailable when Redis is failing or being skipped."""
        await self.circuit.run(self.client.ping)

    async def aclose(self) -> None:
        await self.client.aclose()

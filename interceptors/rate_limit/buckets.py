"""Token buckets: the rule, the decision, the backend protocol and the refill arithmetic that
every backend shares."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RateLimitRule:
    """A token bucket: `capacity` requests, refilled evenly over `per_seconds`."""

    capacity: int
    per_seconds: float

    @property
    def refill_per_second(self) -> float:
        return self.capacity / self.per_seconds

    @classmethod
    def parse(cls, text: str) -> RateLimitRule:
        """'60/60' means 60 requests per 60 seconds."""
        capacity, _, seconds = text.partition("/")
        rule = cls(int(capacity), float(seconds or 60))
        if rule.capacity < 1 or rule.per_seconds <= 0:
            raise ValueError(f"bad rate limit {text!r}: want CAPACITY/SECONDS, both positive")
        return rule


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    limit: int  # bucket capacity
    remaining: int  # whole tokens left after this call
    reset_after: float  # seconds until the bucket is full again
    retry_after: float  # seconds until one token is available (0 when allowed)


class RateLimiter(Protocol):
    async def acquire(self, key: str, rule: RateLimitRule) -> RateLimitDecision:
        """Take one token from `key`'s bucket."""
        ...

    async def aclose(self) -> None: ...


def take(tokens: float) -> tuple[bool, float]:
    """(allowed, tokens left) after one attempt on a bucket holding `tokens`."""
    if tokens >= 1:
        return True, tokens - 1
    return False, tokens


def refilled(tokens: float, elapsed: float, rule: RateLimitRule) -> float:
    """The bucket's tokens after `elapsed` seconds of refill (never above capacity)."""
    return min(float(rule.capacity), tokens + max(0.0, elapsed) * rule.refill_per_second)


def decision(tokens: float, rule: RateLimitRule, allowed: bool) -> RateLimitDecision:
    """The decision for a bucket left with `tokens` after the attempt."""
    rate = rule.refill_per_second
    return RateLimitDecision(
        allowed=allowed,
        limit=rule.capacity,
        remaining=max(0, math.floor(tokens)),
        reset_after=max(0.0, (rule.capacity - tokens) / rate),
        retry_after=0.0 if allowed else max(0.0, (1 - tokens) / rate),
    )

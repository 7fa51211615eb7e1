"""The retry policy of the one layer that retries (the router; the SDKs run with max_retries=0).

Backoff is "full jitter": a uniform wait in [0, min(max_delay, base_delay * 2**(attempt-1))],
so clients that failed together do not retry together. A server's Retry-After is a floor: we
wait at least that long plus up to `base_delay` of jitter, never less. When it asks for more
than `max_retry_after`, waiting would cost the user more than trying the next deployment, so
the policy says not to retry this one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    base_delay: float = 0.2
    max_delay: float = 2.0
    max_retry_after: float = 5.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay, self.max_delay, self.max_retry_after) < 0:
            raise ValueError("delays must not be negative")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float | None:
        """Seconds to wait before the next attempt on the same deployment, or None to stop
        (attempts exhausted, or Retry-After longer than `max_retry_after`: fall back now).

        `attempt` is the number of attempts already made (1 after the first failure).
        """
        if attempt < 1:
            raise ValueError("attempt counts the attempts made, so it starts at 1")
        if attempt >= self.max_attempts:
            return None
        if retry_after is not None:
            if retry_after > self.max_retry_after:
                return None
            return max(0.0, retry_after) + rng.uniform(0.0, self.base_delay)
        return rng.uniform(0.0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))

"""RetryPolicy: full-jitter bounds, Retry-After as a floor, when to stop (seeded randomness)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from services.ai.retry import RetryPolicy

POLICY = RetryPolicy(max_attempts=10, base_delay=0.2, max_delay=2.0, max_retry_after=5.0)


@pytest.mark.parametrize(("attempt", "cap"), [(1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6), (5, 2.0)])
def test_backoff_is_full_jitter_up_to_a_doubling_capped_bound(attempt: int, cap: float) -> None:
    rng = random.Random(attempt)
    delays = [POLICY.delay(attempt, None, rng) for _ in range(2000)]
    assert all(d is not None and 0 <= d <= cap for d in delays)
    spread = [d for d in delays if d is not None]
    # Uniform over the whole range: both ends are reached, not a fixed or half-jittered wait.
    assert min(spread) < 0.05 * cap
    assert max(spread) > 0.95 * cap


def test_backoff_draws_from_the_given_rng() -> None:
    expected = random.Random(7).uniform(0.0, 0.4)
    assert POLICY.delay(2, None, random.Random(7)) == expected


@pytest.mark.parametrize("retry_after", [0.0, 1.0, 5.0])
def test_retry_after_is_a_floor_with_a_little_jitter(retry_after: float) -> None:
    rng = random.Random(3)
    delays = [POLICY.delay(1, retry_after, rng) for _ in range(500)]
    assert all(d is not None and retry_after <= d <= retry_after + 0.2 for d in delays)


def test_retry_after_wins_over_a_longer_backoff() -> None:
    # attempt 5 could back off up to 2 s; the server said 0.5 s: wait 0.5 s (plus jitter)
    rng = random.Random(11)
    delays = [POLICY.delay(5, 0.5, rng) for _ in range(500)]
    assert all(d is not None and 0.5 <= d <= 0.7 for d in delays)


def test_a_negative_retry_after_means_now() -> None:
    delay = POLICY.delay(1, -3.0, random.Random(1))
    assert delay is not None
    assert 0 <= delay <= 0.2


def test_retry_after_longer_than_the_limit_means_fall_back() -> None:
    assert POLICY.delay(1, 5.001, random.Random(1)) is None
    assert POLICY.delay(1, 120.0, random.Random(1)) is None


def test_no_retry_once_the_attempts_are_spent() -> None:
    policy = RetryPolicy(max_attempts=3)
    rng = random.Random(5)
    assert policy.delay(1, None, rng) is not None
    assert policy.delay(2, None, rng) is not None
    assert policy.delay(3, None, rng) is None
    assert policy.delay(3, 0.1, rng) is None


def test_one_attempt_means_never_retry() -> None:
    assert RetryPolicy(max_attempts=1).delay(1, None, random.Random(1)) is None


def test_attempt_counts_from_one() -> None:
    with pytest.raises(ValueError):
        POLICY.delay(0, None, random.Random(1))


@pytest.mark.parametrize("kwargs", [{"max_attempts": 0}, {"base_delay": -0.1}, {"max_delay": -1.0}])
def test_rejects_nonsense_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)

"""CircuitBreaker: transitions driven by verdicts and a hand-moved clock."""

from __future__ import annotations

from typing import Any

import pytest

from services.ai.breaker import BreakerState, CircuitBreaker

RESET = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def changes() -> list[tuple[str, BreakerState]]:
    return []


def make(
    clock: Clock,
    changes: list[tuple[str, BreakerState]] | None = None,
    *,
    threshold: int = 3,
    probes: int = 1,
) -> CircuitBreaker:
    return CircuitBreaker(
        "azure-east",
        failure_threshold=threshold,
        reset_timeout=RESET,
        half_open_max_probes=probes,
        clock=clock,
        on_state_change=None if changes is None else lambda n, s: changes.append((n, s)),
    )


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        assert breaker.try_acquire()
        breaker.record_failure()


def open_breaker(clock: Clock, **kwargs: int) -> CircuitBreaker:
    breaker = make(clock, **kwargs)
    fail(breaker, breaker.failure_threshold)
    assert breaker.state is BreakerState.OPEN
    return breaker


def test_opens_at_the_threshold_of_consecutive_failures(clock: Clock) -> None:
    breaker = make(clock, threshold=3)
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.try_acquire()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN


def test_open_rejects_attempts(clock: Clock) -> None:
    breaker = open_breaker(clock)
    clock.now += RESET - 0.001
    assert not breaker.try_acquire()
    assert breaker.admit() is None
    assert breaker.state is BreakerState.OPEN


def test_a_success_resets_the_failure_count(clock: Clock) -> None:
    breaker = make(clock, threshold=3)
    fail(breaker, 2)
    assert breaker.try_acquire()
    breaker.record_success()
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, 1)
    assert breaker.state is BreakerState.OPEN


def test_release_in_closed_changes_nothing(clock: Clock) -> None:
    breaker = make(clock, threshold=3)
    fail(breaker, 2)
    assert breaker.try_acquire()
    breaker.release()
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, 1)  # the two earlier failures still count
    assert breaker.state is BreakerState.OPEN


def test_half_open_after_the_timeout_admits_exactly_the_probe_limit(clock: Clock) -> None:
    breaker = open_breaker(clock, probes=2)
    clock.now += RESET
    assert breaker.state is BreakerState.HALF_OPEN
    assert [breaker.try_acquire() for _ in range(3)] == [True, True, False]


def test_a_probe_success_closes_with_a_fresh_count(clock: Clock) -> None:
    breaker = open_breaker(clock, threshold=3)
    clock.now += RESET
    assert breaker.try_acquire()
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED
    fail(breaker, 2)
    assert breaker.state is BreakerState.CLOSED


def test_a_probe_failure_reopens_with_a_fresh_timeout(clock: Clock) -> None:
    breaker = open_breaker(clock)
    clock.now += RESET + 5  # the probe goes out a little after the breaker turned half-open
    assert breaker.try_acquire()
    breaker.record_failure()
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(RESET)
    clock.now += RESET - 0.001
    assert not breaker.try_acquire()
    clock.now += 0.001
    assert breaker.state is BreakerState.HALF_OPEN


def test_release_frees_a_probe_slot_and_nothing_else(clock: Clock) -> None:
    breaker = open_breaker(clock, probes=1)
    clock.now += RESET
    assert breaker.try_acquire()
    assert not breaker.try_acquire()
    breaker.release()
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire()
    assert not breaker.try_acquire()


def test_state_change_callback_fires_once_per_change(
    clock: Clock, changes: list[tuple[str, BreakerState]]
) -> None:
    breaker = make(clock, changes, threshold=2)
    fail(breaker, 2)
    breaker.record_failure()  # a late verdict while open: no change
    clock.now += RESET
    for _ in range(3):
        assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire()
    breaker.record_success()
    breaker.record_success()
    assert changes == [
        ("azure-east", BreakerState.OPEN),
        ("azure-east", BreakerState.HALF_OPEN),
        ("azure-east", BreakerState.CLOSED),
    ]


def test_retry_after_counts_down_while_open(clock: Clock) -> None:
    breaker = make(clock)
    assert breaker.retry_after() == 0
    fail(breaker, breaker.failure_threshold)
    assert breaker.retry_after() == pytest.approx(RESET)
    clock.now += 10
    assert breaker.retry_after() == pytest.approx(RESET - 10)
    clock.now += RESET - 10
    assert breaker.retry_after() == 0
    assert breaker.state is BreakerState.HALF_OPEN


def test_verdicts_while_open_do_not_extend_the_timeout(clock: Clock) -> None:
    breaker = open_breaker(clock)
    clock.now += 10
    breaker.record_failure()
    breaker.record_success()
    assert breaker.state is BreakerState.OPEN
    assert breaker.retry_after() == pytest.approx(RESET - 10)


def test_permit_left_without_a_verdict_releases_its_probe(clock: Clock) -> None:
    breaker = open_breaker(clock, probes=1)
    clock.now += RESET
    permit = breaker.admit()
    assert permit is not None
    with pytest.raises(TimeoutError), permit:
        assert breaker.admit() is None
        raise TimeoutError
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.try_acquire()


def test_only_a_permits_first_verdict_counts(clock: Clock) -> None:
    breaker = open_breaker(clock)
    clock.now += RESET
    permit = breaker.admit()
    assert permit is not None
    with permit:
        permit.success()
        permit.failure()
    assert breaker.state is BreakerState.CLOSED


def test_a_stale_permit_does_not_decide_a_later_period(clock: Clock) -> None:
    breaker = make(clock, threshold=2)
    late_success, late_failure = breaker.admit(), breaker.admit()
    assert late_success is not None
    assert late_failure is not None
    fail(breaker, 2)
    clock.now += RESET
    assert breaker.try_acquire()  # the real probe, still out
    late_success.success()
    late_failure.failure()
    assert breaker.state is BreakerState.HALF_OPEN
    assert not breaker.try_acquire()  # the stale verdicts freed no probe slot either
    breaker.record_success()
    assert breaker.state is BreakerState.CLOSED


@pytest.mark.parametrize(
    "kwargs",
    [{"failure_threshold": 0}, {"reset_timeout": -1.0}, {"half_open_max_probes": 0}],
)
def test_rejects_nonsense_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("d", **kwargs)

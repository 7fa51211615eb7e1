"""The sign-in lockout rule, alone: a pure function of the throttle, the time and the policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from services.auth.model import Throttle, after_failure

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


def fail(current: Throttle | None, at: datetime = NOW) -> Throttle:
    return after_failure(current, now=at, max_failures=3, window=WINDOW)


def test_failures_count_up_to_the_lock() -> None:
    first = fail(None)
    second = fail(first, NOW + timedelta(minutes=1))
    assert (first.failures, second.failures) == (1, 2)
    assert not second.locked_at(NOW + timedelta(minutes=1))
    locked = fail(second, NOW + timedelta(minutes=2))
    assert locked.locked_until == NOW + timedelta(minutes=2) + WINDOW
    assert locked.failures == 0  # the count starts again after the lock
    assert locked.locked_at(NOW + timedelta(minutes=16))
    assert not locked.locked_at(NOW + timedelta(minutes=17))


def test_old_failures_fall_out_of_the_window() -> None:
    two = fail(fail(None), NOW + timedelta(minutes=1))
    later = fail(two, NOW + timedelta(minutes=1) + WINDOW)
    assert later.failures == 1 and later.locked_until is None


def test_a_failure_after_an_expired_lock_counts_as_the_first() -> None:
    locked = Throttle(failures=0, last_failed_at=NOW, locked_until=NOW + WINDOW)
    after = fail(locked, NOW + WINDOW + timedelta(seconds=1))
    assert (after.failures, after.locked_until) == (1, None)


def test_a_new_pair_starts_from_the_stored_zero() -> None:
    """What the repository hands over for a pair it just created."""
    assert fail(Throttle(failures=0, last_failed_at=NOW)).failures == 1

"""The host-wide token buckets: one table every worker process maps, exact across processes."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import signal
from pathlib import Path

import pytest

from interceptors.rate_limit import RateLimitRule, SharedMemoryRateLimiter, create_bucket_table
from interceptors.rate_limit.shared_memory import _SLOTS_PER_BLOCK, _key_hash


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table(tmp_path: Path) -> Path:
    return create_bucket_table(tmp_path / "buckets", buckets=64)


def test_two_mappings_share_one_bucket(table: Path) -> None:
    first, second = SharedMemoryRateLimiter(table), SharedMemoryRateLimiter(table)
    rule = RateLimitRule(capacity=4, per_seconds=3600)
    decisions = [(first, second)[i % 2].take("auth:addr:1", rule) for i in range(6)]
    assert [d.allowed for d in decisions] == [True] * 4 + [False] * 2
    assert [d.remaining for d in decisions] == [3, 2, 1, 0, 0, 0]
    assert decisions[-1].retry_after == pytest.approx(900)


def test_tokens_come_back_with_time(table: Path) -> None:
    clock = Clock()
    limiter = SharedMemoryRateLimiter(table, clock=clock)
    rule = RateLimitRule(capacity=2, per_seconds=10)
    assert [limiter.take("k", rule).allowed for _ in range(3)] == [True, True, False]
    clock.now += 5  # one token back (2 per 10 s)
    assert [limiter.take("k", rule).allowed for _ in range(2)] == [True, False]
    clock.now += 60  # long refilled: full again, never more than the capacity
    assert limiter.take("k", rule).remaining == 1


def _take_many(path: str, count: int, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    limiter = SharedMemoryRateLimiter(Path(path))
    rule = RateLimitRule(capacity=100, per_seconds=3600)
    results.put(sum(limiter.take("shared", rule).allowed for _ in range(count)))


def test_processes_together_get_exactly_the_capacity(table: Path) -> None:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_take_many, args=(str(table), 60, results)) for _ in range(4)]
    for worker in workers:
        worker.start()
    allowed = sum(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(30)
    assert allowed == 100


def keys_in_one_block(count: int, blocks: int) -> list[str]:
    """`count` keys that hash to the same block of a table of `blocks` blocks."""
    found: list[str] = []
    candidate = 0
    while len(found) < count:
        key = f"k{candidate}"
        if _key_hash(key) % blocks == 0:
            found.append(key)
        candidate += 1
    return found


def test_a_full_block_forgets_the_bucket_nearest_to_refilled(tmp_path: Path) -> None:
    clock = Clock()
    limiter = SharedMemoryRateLimiter(create_bucket_table(tmp_path / "t", buckets=8), clock=clock)
    rule = RateLimitRule(capacity=2, per_seconds=100)
    keys = keys_in_one_block(_SLOTS_PER_BLOCK + 1, blocks=1)
    for key in keys[:_SLOTS_PER_BLOCK]:
        limiter.take(key, rule)
        limiter.take(key, rule)  # empty
        clock.now += 1  # each later bucket is further from refilled
    # The block is full: a new key takes the slot of the first (nearest to refilled)...
    assert limiter.take(keys[-1], rule).allowed
    # ...whose bucket starts again full (lenient), while the others are still empty.
    assert limiter.take(keys[0], rule).allowed
    assert not limiter.take(keys[_SLOTS_PER_BLOCK - 1], rule).allowed


def _hold_the_lock_and_wait(path: str) -> None:
    fd = os.open(path, os.O_RDWR)
    fcntl.lockf(fd, fcntl.LOCK_EX)  # the whole file, every block
    signal.pause()


def test_a_worker_killed_holding_a_lock_does_not_wedge_the_others(table: Path) -> None:
    context = multiprocessing.get_context("spawn")
    holder = context.Process(target=_hold_the_lock_and_wait, args=(str(table),))
    holder.start()
    probe = os.open(table, os.O_RDWR)
    try:
        for _ in range(200):  # until the child holds it
            try:
                fcntl.lockf(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                break
            fcntl.lockf(probe, fcntl.LOCK_UN)
            holder.join(0.05)
        else:
            pytest.fail("the child never took the lock")
    finally:
        os.close(probe)
    holder.kill()
    holder.join()
    limiter = SharedMemoryRateLimiter(table)
    assert limiter.take("k", RateLimitRule(capacity=1, per_seconds=60)).allowed


def test_a_file_that_is_not_a_table_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.write_bytes(b"not a bucket table" * 10)
    with pytest.raises(ValueError, match="not a rate-limit bucket table"):
        SharedMemoryRateLimiter(other)

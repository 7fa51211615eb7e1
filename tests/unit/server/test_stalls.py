"""The worker's loop-lag and GC-pause metrics on real event loops (asyncio's and uvloop, which the
workers run), and how the supervisor merges them from worker processes (multiprocess mode)."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest
import uvloop
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import mark_process_dead
from prometheus_client.parser import text_string_to_metric_families

from server.metrics_http import aggregated_registry
from server.stalls import StallMetrics, StallMonitor

INTERVAL = 0.01
STALL = 0.2
DEADLINE_SECONDS = 10.0
REPO_ROOT = Path(__file__).resolve().parents[3]

LoopFactory = Callable[[], asyncio.AbstractEventLoop]

LOOPS = pytest.mark.parametrize(
    "loop_factory",
    [
        pytest.param(asyncio.new_event_loop, id="asyncio"),
        pytest.param(uvloop.new_event_loop, id="uvloop"),
    ],
)


def run(loop_factory: LoopFactory, main: Coroutine[Any, Any, None]) -> None:
    """`main` on a fresh loop of its own (not pytest-asyncio's shared one)."""
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(main)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the loop run until `condition` holds (polled), or fail at the deadline."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {DEADLINE_SECONDS} s"
        await asyncio.sleep(INTERVAL / 2)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def lags(registry: CollectorRegistry, *, above: str = "+Inf") -> float:
    """Lag observations so far, or those above the bucket bound `above` (seconds)."""
    count = sample(registry, "huntaze_event_loop_lag_seconds_count", worker="3")
    if above == "+Inf":
        return count
    return count - sample(registry, "huntaze_event_loop_lag_seconds_bucket", worker="3", le=above)


def monitor_on(registry: CollectorRegistry) -> StallMonitor:
    return StallMonitor(StallMetrics(registry), worker="3", interval=INTERVAL)


@LOOPS
def test_a_blocked_loop_shows_as_lag(loop_factory: LoopFactory) -> None:
    registry = CollectorRegistry()
    monitor = monitor_on(registry)

    async def handler_that_blocks() -> None:
        # The stall being measured: a blocking call on the loop. The monitor's pending timer
        # was scheduled before this starts and is due within INTERVAL, so it runs at least
        # STALL after it was due.
        time.sleep(STALL + INTERVAL)  # noqa: ASYNC251 (blocking the loop is the point)

    async def main() -> None:
        monitor.start()
        try:
            await until(lambda: lags(registry) >= 2, "the first timer callbacks")
            before = lags(registry, above="0.2")
            seen = lags(registry)
            await asyncio.create_task(handler_that_blocks())
            await until(lambda: lags(registry) > seen, "the timer callback after the stall")
            assert lags(registry, above="0.2") >= before + 1
            assert sample(registry, "huntaze_event_loop_lag_seconds_sum", worker="3") >= STALL
        finally:
            monitor.stop()

    run(loop_factory, main())


@LOOPS
def test_no_timer_callback_after_stop(loop_factory: LoopFactory) -> None:
    registry = CollectorRegistry()
    monitor = monitor_on(registry)

    async def main() -> None:
        monitor.start()
        await until(lambda: lags(registry) >= 1, "a timer callback")
        monitor.stop()
        stopped_at = lags(registry)
        # Timers run in the order they are due: the monitor's next one was due within INTERVAL
        # of stop(), before this one.
        later = asyncio.Event()
        asyncio.get_running_loop().call_later(3 * INTERVAL, later.set)
        await later.wait()
        assert lags(registry) == stopped_at
        monitor.stop()  # idempotent

    run(loop_factory, main())
    assert monitor._on_gc not in gc.callbacks


@LOOPS
def test_gc_pauses_are_recorded_by_generation(loop_factory: LoopFactory) -> None:
    registry = CollectorRegistry()
    monitor = monitor_on(registry)

    def pauses(generation: str) -> float:
        return sample(registry, "huntaze_gc_pause_seconds_count", generation=generation, worker="3")

    async def main() -> None:
        monitor.start()
        try:
            before = {generation: pauses(generation) for generation in ("0", "2")}
            gc.collect()
            gc.collect(0)
            await until(
                lambda: pauses("2") > before["2"] and pauses("0") > before["0"],
                "the collections in the histogram",
            )
        finally:
            monitor.stop()

    run(loop_factory, main())
    total = sample(registry, "huntaze_gc_pause_seconds_sum", generation="2", worker="3")
    assert total > 0
    # Every generation's series is there, even one that never ran.
    assert (
        registry.get_sample_value(
            "huntaze_gc_pause_seconds_count", {"generation": "1", "worker": "3"}
        )
        is not None
    )
    # Stopped: collections are no longer counted.
    stopped_at = pauses("2")
    gc.collect()
    assert monitor._on_gc not in gc.callbacks
    assert pauses("2") == stopped_at


def test_frozen_objects_are_counted() -> None:
    registry = CollectorRegistry()
    monitor = monitor_on(registry)
    gc.freeze()
    try:
        monitor.record_freeze()
    finally:
        gc.unfreeze()
    assert sample(registry, "huntaze_gc_frozen_objects", worker="3") > 10_000


# A worker process in miniature: the same metric classes, in Prometheus multiprocess mode.
WORKER_SCRIPT = """
import asyncio, gc, sys
from prometheus_client import CollectorRegistry
from server.stalls import StallMetrics, StallMonitor

kept = [[] for _ in range(int(sys.argv[2]))]  # startup objects: more of them to freeze


async def main() -> None:
    monitor = StallMonitor(StallMetrics(CollectorRegistry()), worker=sys.argv[1], interval=0.001)
    monitor.start()
    await asyncio.sleep(0.05)  # the monitor's timers, due earlier, run first
    gc.collect()
    gc.freeze()
    monitor.record_freeze()
    print(gc.get_freeze_count())  # what the gauge holds (frozen objects can still be freed)
    monitor.stop()

asyncio.run(main())
"""


def run_worker(multiproc_dir: Path, worker: str, *, extra_objects: int = 0) -> tuple[int, int]:
    """Run a miniature worker to its end (not marked dead: as if still alive); its pid and its
    frozen-object count."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(multiproc_dir)}
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, worker, str(extra_objects)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 0
    return process.pid, int(out)


def exposed(multiproc_dir: Path) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What /metrics shows: the supervisor's registry over the workers' files."""
    text = generate_latest(aggregated_registry(str(multiproc_dir), lambda: {})).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_workers_metrics_merge_per_worker_across_processes(tmp_path: Path) -> None:
    """Two workers, then a replacement for worker 0 while the old one is still there (a rolling
    restart): histograms add up per worker; the frozen-object gauge is the newest live value of
    each worker, never a sum, and goes with its process."""
    old, old_frozen = run_worker(tmp_path, "0", extra_objects=50_000)
    other, other_frozen = run_worker(tmp_path, "1")
    new, new_frozen = run_worker(tmp_path, "0")
    assert old_frozen > new_frozen > 0  # so that neither a sum nor the largest passes for newest
    samples = exposed(tmp_path)

    frozen = {
        labels: value
        for (name, labels), value in samples.items()
        if name == "huntaze_gc_frozen_objects"
    }
    assert frozen == {(("worker", "0"),): new_frozen, (("worker", "1"),): other_frozen}
    for worker, processes in (("0", 2), ("1", 1)):
        lag_count = samples[("huntaze_event_loop_lag_seconds_count", (("worker", worker),))]
        assert lag_count >= processes
        full = samples[
            ("huntaze_gc_pause_seconds_count", (("generation", "2"), ("worker", worker)))
        ]
        assert full >= processes

    mark_process_dead(new, str(tmp_path))  # the replacement died: the old one's value is back
    frozen_after = exposed(tmp_path)[("huntaze_gc_frozen_objects", (("worker", "0"),))]
    assert frozen_after == old_frozen
    mark_process_dead(old, str(tmp_path))
    mark_process_dead(other, str(tmp_path))
    assert not any(name == "huntaze_gc_frozen_objects" for name, _ in exposed(tmp_path))

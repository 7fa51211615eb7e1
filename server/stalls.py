"""What stops a worker's event loop, measured: loop lag and garbage-collector pauses.

Loop lag: a timer callback scheduled every `interval` records how late it ran. While a coroutine
blocks (CPU work or a blocking call outside a thread), a collection runs or a burst of ready
callbacks is worked through, nothing else runs on the loop: every request the worker holds waits
as long as the timer does. Cost: one timer callback and one observation per interval, no thread.

GC pauses: `gc.callbacks` ("start" and "stop" of every collection, in whichever thread it
runs; a collection holds the GIL, so it stops the loop too). The callback only appends to a
deque: a collection can start at any allocation, including one prometheus_client makes while it
holds its value lock (a plain Lock), so observing a metric from the callback could deadlock the
worker. The timer moves the queued pauses into the histogram, at most `interval` later.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections import deque
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, Histogram

# 1 ms to 1 s in 1-2-5 steps, plus 2 and 5 s: an idle loop's timer runs within a millisecond.
LAG_BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
# A young collection takes tens of microseconds, a full one over the startup objects ~130 ms.
GC_PAUSE_BUCKETS = (0.0001, 0.0002, 0.0005, *LAG_BUCKETS[:10])
# Pauses queued between two timer callbacks; more (a loop stalled for long) drops the oldest.
MAX_QUEUED_PAUSES = 4096


class StallMetrics:
    """The metric families, registered on `registry` (in multiprocess mode every worker writes
    its own files and the supervisor's /metrics merges them; see interceptors/metrics.py)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.loop_lag = Histogram(
            "huntaze_event_loop_lag_seconds",
            "How late a periodic timer callback ran on the worker's event loop.",
            ("worker",),
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.gc_pause = Histogram(
            "huntaze_gc_pause_seconds",
            "Garbage collections, by generation: how long each one stopped the worker.",
            ("generation", "worker"),
            buckets=GC_PAUSE_BUCKETS,
            registry=registry,
        )
        # One series per worker index. During a rolling restart the old and the new worker of
        # an index are both alive: the newest value wins (livesum would add the two up), and a
        # dead worker's value goes with it (all/max would keep it forever).
        self.gc_frozen = Gauge(
            "huntaze_gc_frozen_objects",
            "Objects the worker moved out of the collector's reach after startup (gc.freeze).",
            ("worker",),
            multiprocess_mode="livemostrecent",
            registry=registry,
        )


class StallMonitor:
    """One worker's loop-lag timer and GC callback, labelled `worker`. `start()` on the running
    loop, `stop()` on the same loop (idempotent; safe if never started)."""

    def __init__(self, metrics: StallMetrics, *, worker: str, interval: float) -> None:
        if interval <= 0:
            raise ValueError("the loop-lag interval must be positive")
        self._metrics = metrics
        self._worker = worker
        self._interval = interval
        self._lag = metrics.loop_lag.labels(worker=worker)
        # Every generation's series exists from the start, at zero.
        self._pauses = {
            generation: metrics.gc_pause.labels(generation=str(generation), worker=worker)
            for generation in range(len(gc.get_count()))
        }
        self._frozen = metrics.gc_frozen.labels(worker=worker)
        self._queued: deque[tuple[int, float]] = deque(maxlen=MAX_QUEUED_PAUSES)
        self._gc_started: float | None = None
        self._on_gc = self._gc_callback  # one bound method: gc.callbacks.remove finds it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._due = 0.0

    def start(self) -> None:
        if self._loop is not None:
            raise RuntimeError("the stall monitor is already running")
        self._loop = asyncio.get_running_loop()
        gc.callbacks.append(self._on_gc)
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)
        self._loop = None
        self._record_pauses()

    def record_freeze(self) -> None:
        """Call after gc.freeze(): the objects it moved to the permanent generation."""
        self._frozen.set(gc.get_freeze_count())

    def _schedule(self) -> None:
        assert self._loop is not None
        # perf_counter, not loop.time(): uvloop's clock is cached per loop iteration (in ms).
        self._due = time.perf_counter() + self._interval
        self._timer = self._loop.call_later(self._interval, self._tick)

    def _tick(self) -> None:
        try:
            # A timer may run up to a millisecond early (uvloop rounds): that is no lag.
            self._lag.observe(max(0.0, time.perf_counter() - self._due))
            self._record_pauses()
        finally:
            self._schedule()

    def _gc_callback(self, phase: str, info: dict[str, Any]) -> None:
        # Collections never overlap (CPython runs one at a time), so one start time is enough.
        if phase == "start":
            self._gc_started = time.perf_counter()
        elif self._gc_started is not None:
            self._queued.append((info["generation"], time.perf_counter() - self._gc_started))
            self._gc_started = None

    def _record_pauses(self) -> None:
        queued = self._queued
        while queued:
            generation, seconds = queued.popleft()
            pause = self._pauses.get(generation)
            if pause is None:
                pause = self._pauses[generation] = self._metrics.gc_pause.labels(
                    generation=str(generation), worker=self._worker
                )
            pause.observe(seconds)

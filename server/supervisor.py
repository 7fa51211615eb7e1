"""The supervisor process: starts N workers, replaces one that dies, replaces all of them one at
a time on SIGHUP (a rolling restart), serves their aggregated metrics and stops them in order.

One Python process uses one core, so `--workers N` processes share the work. Every worker binds
the shared gRPC port (SO_REUSEPORT; for internal clients connecting directly) and its own private
Unix socket in the runtime directory (server/runtime.py), which Envoy lists as a separate
endpoint: Envoy keeps a few long-lived HTTP/2 connections, and with SO_REUSEPORT alone they
could all land on one process. Envoy lists one spare socket slot besides: a rolling restart
starts each new worker there, waits until Envoy's health check has seen it serving, and only then
lets the old worker drain, so no request ever finds no worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from types import FrameType

from interceptors.rate_limit import create_bucket_table
from server.config import Settings
from server.runtime import RuntimeDir, new_runtime_dir, private_runtime_dir, worker_slots

logger = logging.getLogger("huntaze.supervisor")

STARTUP_TIMEOUT_SECONDS = 60.0
# Building/closing the app around the drain and grace periods.
STOP_MARGIN_SECONDS = 5.0
MALLOC_SETTINGS = {
    "MALLOC_MMAP_THRESHOLD_": str(128 * 1024),  # glibc's default, made fixed
    "MALLOC_ARENA_MAX": "2",
}


@dataclass
class _Worker:
    index: int
    slot: int
    process: SpawnProcess
    # The worker writes one message when it serves. A pipe, not an Event: spawn's resource
    # tracker mishandles the semaphores of Events handed to children (KeyError tracebacks).
    ready: Connection


def prepare_multiproc_dir(root: Path, *, pid: int) -> Path:
    """A fresh Prometheus multiprocess directory; must exist before any worker starts."""
    path = root / f"prometheus-{pid}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def supervise(settings: Settings, *, var_dir: Path) -> int:
    """Run settings.workers workers until SIGTERM/SIGINT; returns the process exit code."""
    owned = not settings.runtime_dir
    runtime = new_runtime_dir() if owned else private_runtime_dir(settings.runtime_dir)
    settings = settings.model_copy(update={"runtime_dir": str(runtime.root)})
    create_bucket_table(runtime.bucket_table, buckets=settings.rate_limit_memory_buckets)
    multiproc_dir = prepare_multiproc_dir(var_dir, pid=os.getpid())
    # Set before prometheus_client is imported anywhere: workers inherit it (spawn), and the
    # metric value class is chosen at import time.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc_dir)
    # Workers handle MiB-sized buffers (upload chunks) on several threads. glibc's malloc raises
    # its mmap threshold after the first free of such a buffer and then serves them from
    # per-thread arenas that keep the memory: measured, a 1 GiB upload grew a worker by 60 MiB
    # and 2 GiB by 47 MiB. A fixed threshold returns large buffers to the system when freed,
    # and two arenas bound what the many threads (gRPC's, the file and hashing pools) hold
    # (bench/README.md has the figures). glibc reads these at a process's start: the spawned
    # workers get them; an operator's own values win.
    for name, value in MALLOC_SETTINGS.items():
        os.environ.setdefault(name, value)
    try:
        return Supervisor(settings, runtime).run(multiproc_dir)
    finally:
        shutil.rmtree(multiproc_dir, ignore_errors=True)
        if owned:
            runtime.remove()


class Supervisor:
    def __init__(self, settings: Settings, runtime: RuntimeDir) -> None:
        self.settings = settings
        self.runtime = runtime
        self.context: SpawnContext = multiprocessing.get_context("spawn")
        self.pool: list[_Worker] = []
        self.stopping = threading.Event()
        self.restart_requested = threading.Event()

    def run(self, multiproc_dir: Path) -> int:
        from server.metrics_http import aggregated_registry, start_metrics_server

        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        signal.signal(signal.SIGHUP, self._on_restart)
        metrics_server = None
        try:
            self.pool = [self._spawn(index, slot=index) for index in range(self.settings.workers)]
            if not self._wait_ready(self.pool):
                return 0 if self.stopping.is_set() else 1
            metrics_server = start_metrics_server(
                self.runtime.metrics_socket,
                aggregated_registry(str(multiproc_dir), self._worker_pids),
                token=self.settings.metrics_token,
            )
            logger.info(
                "workers ready",
                extra={
                    "workers": self.settings.workers,
                    "grpc_port": self.settings.grpc_port,
                    "runtime_dir": str(self.runtime.root),
                },
            )
            return self._watch()
        finally:
            self._stop_all()
            if metrics_server is not None:
                metrics_server.shutdown()
                metrics_server.server_close()

    def _on_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()

    def _on_restart(self, signum: int, frame: FrameType | None) -> None:
        self.restart_requested.set()

    def _worker_pids(self) -> dict[int, int]:
        return {w.index: w.process.pid for w in self.pool if w.process.pid is not None}

    def _free_slot(self) -> int:
        used = {worker.slot for worker in self.pool}
        return min(set(range(worker_slots(self.settings.workers))) - used)

    def _spawn(self, index: int, *, slot: int) -> _Worker:
        from server.worker import run_worker

        # A worker killed with SIGKILL leaves its socket file behind.
        self.runtime.worker_socket(slot).unlink(missing_ok=True)
        ready, ready_writer = self.context.Pipe(duplex=False)
        process = self.context.Process(
            target=run_worker,
            name=f"huntaze-worker-{index}",
            args=(self.settings,),
            kwargs={
                "index": index,
                "slot": slot,
                "ready": ready_writer,
                "supervisor": os.getpid(),
            },
        )
        process.start()
        ready_writer.close()  # the child has its own copy
        return _Worker(index, slot, process, ready)

    def _wait_ready(self, workers: list[_Worker]) -> bool:
        """True when every one of `workers` serves; False if one died first, or on a stop."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        for worker in workers:
            while not worker.ready.poll(0.1):
                if self.stopping.is_set():
                    return False
                if time.monotonic() > deadline:
                    logger.error("worker not ready in time", extra={"worker": worker.index})
                    return False
            try:
                worker.ready.recv()
            except EOFError:  # it closed the pipe without a word: it died
                worker.process.join(5)
                logger.error(
                    "worker failed at startup",
                    extra={"worker": worker.index, "exitcode": worker.process.exitcode},
                )
                return False
        return True

    def _watch(self) -> int:
        """Until a stop signal: replace a worker that dies, roll all of them on SIGHUP."""
        while not self.stopping.is_set():
            wait([worker.process.sentinel for worker in self.pool], timeout=0.5)
            for position, worker in enumerate(self.pool):
                if worker.process.is_alive() or self.stopping.is_set():
                    continue
                logger.error(
                    "worker exited; restarting",
                    extra={"worker": worker.index, "exitcode": worker.process.exitcode},
                )
                _mark_dead(worker)
                worker.ready.close()
                replacement = self._spawn(worker.index, slot=worker.slot)
                self.pool[position] = replacement
                if not self._wait_ready([replacement]):
                    return 0 if self.stopping.is_set() else 1
            if self.restart_requested.is_set():
                self.restart_requested.clear()
                self._rolling_restart()
        return 0

    def _rolling_restart(self) -> None:
        """Replace every worker, one at a time, without a moment with fewer serving."""
        logger.info("rolling restart", extra={"workers": len(self.pool)})
        for position in range(len(self.pool)):
            old = self.pool[position]
            new = self._spawn(old.index, slot=self._free_slot())
            if not self._wait_ready([new]):
                self._stop([new])
                logger.error("rolling restart stopped: a new worker did not start")
                return
            self.pool[position] = new
            # Envoy checks health every second: give it time to see the new worker serving
            # before the old one goes NOT_SERVING.
            if self.stopping.wait(self.settings.shutdown_drain_seconds):
                self.pool.append(old)  # stopped with the rest
                return
            self._stop([old])
        logger.info("rolling restart done", extra={"workers": len(self.pool)})

    def _stop(self, workers: list[_Worker]) -> None:
        """SIGTERM, wait for drain + grace, then kill what is left."""
        for worker in workers:
            if worker.process.is_alive():
                os.kill(worker.process.pid, signal.SIGTERM)  # type: ignore[arg-type]
        settings = self.settings
        deadline = (
            time.monotonic()
            + settings.shutdown_drain_seconds
            + settings.shutdown_grace_seconds
            + STOP_MARGIN_SECONDS
        )
        for worker in workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                logger.error("worker did not stop in time; killing", extra={"worker": worker.index})
                worker.process.kill()
                worker.process.join()
            _mark_dead(worker)
            worker.ready.close()
            self.runtime.worker_socket(worker.slot).unlink(missing_ok=True)

    def _stop_all(self) -> None:
        self._stop(self.pool)


def _mark_dead(worker: _Worker) -> None:
    from prometheus_client import multiprocess

    if worker.process.pid is not None:
        multiprocess.mark_process_dead(worker.process.pid)

"""The supervisor process: starts N workers, serves their aggregated metrics, forwards signals.

One Python process uses one core, so `--workers N` processes share the work. Every worker binds
the shared gRPC port (SO_REUSEPORT; for internal clients connecting directly) and its own private
port, which Envoy lists as a separate endpoint: Envoy keeps a few long-lived HTTP/2 connections,
and with SO_REUSEPORT alone they could all land on one process.
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
from multiprocessing.connection import wait
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event
from pathlib import Path
from types import FrameType

from server.config import Settings

logger = logging.getLogger("huntaze.supervisor")

STARTUP_TIMEOUT_SECONDS = 60.0


@dataclass
class _Worker:
    index: int
    port: int
    process: SpawnProcess
    ready: Event


def prepare_multiproc_dir(root: Path, *, pid: int) -> Path:
    """A fresh Prometheus multiprocess directory; must exist before any worker starts."""
    path = root / f"prometheus-{pid}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def supervise(settings: Settings, *, var_dir: Path) -> int:
    """Run settings.workers workers until SIGTERM/SIGINT; returns the process exit code."""
    workers = settings.workers
    multiproc_dir = prepare_multiproc_dir(var_dir, pid=os.getpid())
    # Set before prometheus_client is imported anywhere: workers inherit it (spawn), and the
    # metric value class is chosen at import time.
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc_dir)
    from server.metrics_http import aggregated_registry, start_metrics_server

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    context = multiprocessing.get_context("spawn")
    ports = settings.worker_ports(workers)
    pool = [_spawn(context, settings, index, ports[index]) for index in range(workers)]
    metrics_server = None
    try:
        if not _wait_ready(pool, stopping):
            return 0 if stopping.is_set() else 1
        metrics_server = start_metrics_server(
            "127.0.0.1",
            settings.metrics_port,
            aggregated_registry(
                str(multiproc_dir),
                lambda: {w.index: w.process.pid for w in pool if w.process.pid is not None},
            ),
            token=settings.metrics_token,
        )
        logger.info(
            "workers ready",
            extra={"workers": workers, "grpc_port": settings.grpc_port, "ports": ports},
        )
        return _watch(pool, stopping, context, settings)
    finally:
        _stop_all(pool, settings)
        if metrics_server is not None:
            metrics_server.shutdown()
        shutil.rmtree(multiproc_dir, ignore_errors=True)


def _spawn(
    context: multiprocessing.context.SpawnContext,
    settings: Settings,
    index: int,
    port: int,
) -> _Worker:
    from server.worker import run_worker

    ready = context.Event()
    process = context.Process(
        target=run_worker,
        name=f"huntaze-worker-{index}",
        args=(settings,),
        kwargs={
            "index": index,
            "workers": settings.workers,
            "shared_port": settings.grpc_port,
            "private_port": port,
            "ready": ready,
        },
    )
    process.start()
    return _Worker(index, port, process, ready)


def _wait_ready(pool: list[_Worker], stopping: threading.Event) -> bool:
    """True when every worker is serving; False if one died first, or on a stop signal."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    for worker in pool:
        while not worker.ready.wait(0.1):
            if stopping.is_set():
                return False
            if not worker.process.is_alive():
                logger.error(
                    "worker failed at startup",
                    extra={"worker": worker.index, "exitcode": worker.process.exitcode},
                )
                return False
            if time.monotonic() > deadline:
                logger.error("worker not ready in time", extra={"worker": worker.index})
                return False
    return True


def _watch(
    pool: list[_Worker],
    stopping: threading.Event,
    context: multiprocessing.context.SpawnContext,
    settings: Settings,
) -> int:
    """Until a stop signal: replace a worker that dies unexpectedly (after it had started)."""
    while not stopping.is_set():
        wait([worker.process.sentinel for worker in pool], timeout=0.5)
        for position, worker in enumerate(pool):
            if worker.process.is_alive() or stopping.is_set():
                continue
            logger.error(
                "worker exited; restarting",
                extra={"worker": worker.index, "exitcode": worker.process.exitcode},
            )
            _mark_dead(worker)
            replacement = _spawn(context, settings, worker.index, worker.port)
            pool[position] = replacement
            if not _wait_ready([replacement], stopping):
                return 0 if stopping.is_set() else 1
    return 0


def _stop_all(pool: list[_Worker], settings: Settings) -> None:
    """SIGTERM every worker, wait for drain + grace, then kill what is left."""
    for worker in pool:
        if worker.process.is_alive():
            os.kill(worker.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + settings.shutdown_drain_seconds + settings.shutdown_grace_seconds
    deadline += 5.0  # building/closing the app around the grace period
    for worker in pool:
        worker.process.join(max(0.0, deadline - time.monotonic()))
        if worker.process.is_alive():
            logger.error("worker did not stop in time; killing", extra={"worker": worker.index})
            worker.process.kill()
            worker.process.join()
        _mark_dead(worker)


def _mark_dead(worker: _Worker) -> None:
    from prometheus_client import multiprocess

    if worker.process.pid is not None:
        multiprocess.mark_process_dead(worker.process.pid)

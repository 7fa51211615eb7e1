"""One worker process: builds the app, serves until SIGTERM/SIGINT, then stops gracefully.

Started by the supervisor (server/__main__.py) with the multiprocessing "spawn" method, so
nothing is shared with the parent but the arguments and the environment.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
from multiprocessing.synchronize import Event

import uvloop

from interceptors.logging import configure_logging
from server.app import build_app
from server.config import Settings

logger = logging.getLogger("huntaze.worker")


def run_worker(
    settings: Settings,
    *,
    index: int,
    workers: int,
    shared_port: int | None,
    private_port: int,
    ready: Event,
) -> None:
    """Process entry point: returns when the server has stopped."""
    _die_with_parent()
    configure_logging(settings.log_level)
    try:
        # uvloop: the same loop uvicorn uses; grpc.aio runs on any asyncio loop.
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(
                _serve(
                    settings,
                    index=index,
                    workers=workers,
                    shared_port=shared_port,
                    private_port=private_port,
                    ready=ready,
                )
            )
    finally:
        _mark_dead()


async def _serve(
    settings: Settings,
    *,
    index: int,
    workers: int,
    shared_port: int | None,
    private_port: int,
    ready: Event,
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    app = await build_app(
        settings, private_port=private_port, shared_port=shared_port, workers=workers
    )
    await app.start()
    logger.info("worker ready", extra={"worker": index, "pid": os.getpid()})
    ready.set()
    await stop.wait()
    await app.stop()


def _die_with_parent() -> None:
    """Linux: get SIGTERM if the supervisor dies, so no orphan keeps the ports."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def _mark_dead() -> None:
    """Prometheus multiprocess mode: drop this process's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())

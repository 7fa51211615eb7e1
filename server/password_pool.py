"""The process each worker hashes passwords in, at a lower CPU priority than the workers.

argon2 takes ~7 ms of CPU per sign-in here (libsodium's). In a thread of the worker it competed
with the workers for the cores as an equal: 10 sign-ins a second doubled GetMe's p99 on this 2-core
machine (8.5 -> 18.0 ms, bench getme). In a process at niceness 10 the scheduler gives the
workers the cores first (CFS weights 1024 against 110) and hashing takes what is left, so
sign-ins, not every other call, wait when the host is busy. The workers also ask for short
CPU slices (server/cpu_slice.py) and this process keeps the kernel's default, so a worker woken
by a request preempts a running hash at once instead of after the hash's slice.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.util
import os
import signal
from concurrent.futures import ProcessPoolExecutor

from server.cpu_slice import request_cpu_slice
from server.orphans import die_with_parent

HASHING_NICENESS = 10


async def start_password_pool() -> ProcessPoolExecutor:
    """One hashing process (started now, not at the first sign-in), which dies with its
    worker."""
    pool = ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_in_hashing_process,
        initargs=(os.getpid(),),
    )
    # A process that exits with the pool still open (a worker failing at startup, before
    # App.stop) would wait forever: multiprocessing joins child processes at exit before the
    # executor's own exit hook tells the hashing process to stop. Finalizers of a priority >= 0
    # run before that join, the highest first: above the executor's queue's own (10), which
    # would stop its feeder thread before the stop message went out.
    multiprocessing.util.Finalize(
        None, pool.shutdown, kwargs={"wait": True, "cancel_futures": True}, exitpriority=100
    )
    await asyncio.wrap_future(pool.submit(int))
    return pool


def _in_hashing_process(worker: int) -> None:
    die_with_parent(signal.SIGTERM, parent=worker)
    os.nice(HASHING_NICENESS)
    # Back to the kernel's default slice from the worker's short one: a hash runs ~7 ms, and
    # short slices would only cut it into more pieces that preempt the workers more often.
    request_cpu_slice(0)

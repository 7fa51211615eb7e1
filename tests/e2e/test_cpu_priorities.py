"""How the running processes share the cores: every thread of a worker asks for 0.1 ms CPU
slices (it preempts a hash as soon as a request wakes it); the hashing processes run at
niceness 10 with the kernel's default slice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support.cpu_slices import short_slices_granted
from support.databases import sqlite_url
from support.e2e_stack import running_stack, spawned_children

from server.cpu_slice import thread_slice_us
from server.password_pool import HASHING_NICENESS

pytestmark = pytest.mark.e2e

DEFAULT_SLICE_US = thread_slice_us()  # this test process never asks for another one


def threads_of(pid: int) -> list[int]:
    return [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]


@pytest.mark.skipif(
    not short_slices_granted(), reason="the kernel does not take a thread's slice (Linux < 6.12)"
)
def test_workers_ask_for_short_slices_and_hashing_keeps_the_default(tmp_path: Path) -> None:
    with running_stack(tmp_path, sqlite_url(tmp_path), workers=2) as stack:
        workers = stack.worker_pids()
        hashing = {child for worker in workers for child in spawned_children(worker)}
        worker_threads = {tid: thread_slice_us(tid) for pid in workers for tid in threads_of(pid)}
        hashing_slices = {pid: thread_slice_us(pid) for pid in hashing}
        niceness = {pid: os.getpriority(os.PRIO_PROCESS, pid) for pid in workers | hashing}
    assert len(workers) == len(hashing) == 2
    assert len(worker_threads) > 2  # the loop's thread, grpc's and the hashing pool's
    assert set(worker_threads.values()) == {stack.settings.worker_cpu_slice_us} == {100}
    assert set(hashing_slices.values()) == {DEFAULT_SLICE_US} != {100}
    assert {niceness[pid] for pid in workers} == {0}
    assert {niceness[pid] for pid in hashing} == {HASHING_NICENESS}

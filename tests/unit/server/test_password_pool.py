"""The hashing process: argon2 runs there, at a lower CPU priority than the worker."""

from __future__ import annotations

import os

import pytest
from support.cpu_slices import short_slices_granted

from server.cpu_slice import request_cpu_slice, thread_slice_us
from server.password_pool import HASHING_NICENESS, start_password_pool
from services.auth.passwords import PasswordHasher


async def test_passwords_hash_and_verify_in_the_pool() -> None:
    pool = await start_password_pool()
    try:
        hasher = PasswordHasher(time_cost=1, memory_cost_kib=1024, executor=pool)
        password_hash = await hasher.hash("correct horse battery staple")
        assert await hasher.verify(password_hash, "correct horse battery staple")
        assert not await hasher.verify(password_hash, "wrong")
        assert not await hasher.verify("not a hash", "wrong")
    finally:
        pool.shutdown(wait=True)


async def test_the_pool_runs_below_the_workers_priority() -> None:
    pool = await start_password_pool()
    try:
        here = os.getpriority(os.PRIO_PROCESS, 0)
        there = pool.submit(os.getpriority, os.PRIO_PROCESS, 0).result()
        hashing_pid = pool.submit(os.getpid).result()
    finally:
        pool.shutdown(wait=True)
    assert there == min(here + HASHING_NICENESS, 19)
    assert hashing_pid != os.getpid()


async def test_the_pool_keeps_the_default_cpu_slice_of_a_short_slice_worker() -> None:
    """Started from a worker that asked for 0.1 ms slices, the hashing process goes back to the
    kernel's default: short slices would only cut each hash into more preemptions."""
    if not short_slices_granted():
        pytest.skip("the kernel does not take a thread's slice (Linux < 6.12)")
    default = thread_slice_us()
    assert request_cpu_slice(100)
    try:
        pool = await start_password_pool()
    finally:
        request_cpu_slice(0)
    try:
        there = pool.submit(thread_slice_us).result()
    finally:
        pool.shutdown(wait=True)
    assert there == default

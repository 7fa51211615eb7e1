"""Short CPU slices (Linux >= 6.12): asked for per thread, inherited by threads started after."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import pytest
from support.cpu_slices import short_slices_granted

from server.cpu_slice import MAX_SLICE_US, request_cpu_slice, thread_slice_us

T = TypeVar("T")

DEFAULT_SLICE_US = thread_slice_us()  # pytest's main thread never asks for another one

pytestmark = pytest.mark.skipif(
    not short_slices_granted(), reason="the kernel does not take a thread's slice (Linux < 6.12)"
)


def in_new_thread(function: Callable[[], T]) -> T:
    """Run in a thread of its own, so the test process's threads keep their slices."""
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(function()))
    thread.start()
    thread.join()
    return results[0]


def test_a_thread_gets_the_slice_it_asks_for_and_can_go_back_to_the_default() -> None:
    def ask() -> tuple[bool, int | None, bool, int | None]:
        short = request_cpu_slice(100)
        short_slice = thread_slice_us()
        default = request_cpu_slice(0)
        return short, short_slice, default, thread_slice_us()

    assert in_new_thread(ask) == (True, 100, True, DEFAULT_SLICE_US)


def test_threads_started_afterwards_inherit_the_slice() -> None:
    def ask_then_start() -> int | None:
        request_cpu_slice(250)
        return in_new_thread(thread_slice_us)

    assert in_new_thread(ask_then_start) == 250


@pytest.mark.parametrize("microseconds", [50, MAX_SLICE_US + 1, -1])
def test_a_slice_the_kernel_would_not_grant_is_refused_and_nothing_changes(
    microseconds: int,
) -> None:
    def ask() -> tuple[bool, int | None]:
        return request_cpu_slice(microseconds), thread_slice_us()

    assert in_new_thread(ask) == (False, DEFAULT_SLICE_US)

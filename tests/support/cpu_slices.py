"""Whether this kernel takes a short CPU slice for a thread (Linux >= 6.12), for the tests of
server/cpu_slice.py to skip where it does not (an older kernel may report `se.slice` and accept
`sched_setattr` while ignoring the slice asked for)."""

from __future__ import annotations

import threading

from server.cpu_slice import MIN_SLICE_US, request_cpu_slice, thread_slice_us


def short_slices_granted() -> bool:
    """Asks for the shortest slice in a thread of its own, so no thread of the caller changes."""
    granted: list[bool] = []

    def probe() -> None:
        granted.append(thread_slice_us() is not None and request_cpu_slice(MIN_SLICE_US))

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return granted[0]

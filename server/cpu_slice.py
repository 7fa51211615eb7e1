"""Short CPU slices for the workers: a worker that wakes for a request gets a core sooner from
a busy task with a longer slice.

Since Linux 6.12 the fair scheduler (EEVDF) lets a thread choose the length of the slice it
asks for (`sched_attr.sched_runtime` of `sched_setattr(2)`, clamped to 0.1-100 ms; no privilege
needed). A shorter slice means an earlier virtual deadline, so a thread with a short slice that
wakes gets the core sooner from a running thread with a longer one. The workers are
latency-bound (wake for a request, answer within tens to hundreds of microseconds, sleep); the
hashing process runs argon2 for ~7 ms at a time and keeps the kernel's default (1.4 ms on this
2-core machine), so a worker waits less behind a hash. bench/README ("The fifth pass") has the
measurements.

Threads and processes started afterwards inherit the calling thread's slice. Where the call
is missing or refused (another OS or architecture, an older kernel), nothing changes.
"""

from __future__ import annotations

import contextlib
import ctypes
import platform
from pathlib import Path

# sched_setattr / sched_getattr syscall numbers (glibc has no wrappers before 2.41).
_SYSCALLS = {"x86_64": (314, 315), "aarch64": (274, 275)}
# The kernel clamps a requested slice to this range; 0 asks for its default again.
MIN_SLICE_US = 100
MAX_SLICE_US = 100_000


class _SchedAttr(ctypes.Structure):
    """`struct sched_attr`, its first version (SCHED_ATTR_SIZE_VER0, 48 bytes)."""

    _fields_ = (
        ("size", ctypes.c_uint32),
        ("sched_policy", ctypes.c_uint32),
        ("sched_flags", ctypes.c_uint64),
        ("sched_nice", ctypes.c_int32),
        ("sched_priority", ctypes.c_uint32),
        ("sched_runtime", ctypes.c_uint64),
        ("sched_deadline", ctypes.c_uint64),
        ("sched_period", ctypes.c_uint64),
    )


def request_cpu_slice(microseconds: int) -> bool:
    """Ask for `microseconds`-long slices for the calling thread (0: the kernel's default) and
    keep its policy and niceness. True when the kernel took it; a length outside the kernel's
    range is refused here rather than clamped."""
    syscalls = _SYSCALLS.get(platform.machine())
    in_range = microseconds == 0 or MIN_SLICE_US <= microseconds <= MAX_SLICE_US
    if syscalls is None or not in_range:
        return False
    set_attr, get_attr = syscalls
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        attr = _SchedAttr()
        if libc.syscall(get_attr, 0, ctypes.byref(attr), ctypes.sizeof(attr), 0) != 0:
            return False
        attr.size = ctypes.sizeof(attr)
        attr.sched_flags = 0
        attr.sched_runtime = microseconds * 1000
        if libc.syscall(set_attr, 0, ctypes.byref(attr), 0) != 0:
            return False
        return microseconds == 0 or thread_slice_us() == microseconds
    return False


def thread_slice_us(tid: int | None = None) -> int | None:
    """The slice the kernel gives a thread (a process's main thread: its pid), in µs; the
    calling thread by default. None where the kernel does not report it (`se.slice`)."""
    path = Path("/proc/thread-self/sched" if tid is None else f"/proc/{tid}/sched")
    with contextlib.suppress(OSError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(":")
            if name.strip() == "se.slice":
                return int(value.strip()) // 1000
    return None

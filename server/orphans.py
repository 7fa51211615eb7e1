"""No orphans: a child process asks the kernel for a signal when its parent dies (Linux
PR_SET_PDEATHSIG), so workers and Envoy never outlive the process that started them, even when
that one is killed with SIGKILL."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int = signal.SIGTERM, *, parent: int | None = None) -> None:
    """Get `signum` when the parent dies. `parent`: the pid the caller expects as parent; if it
    is already gone (it died before this ran), exit now. Does nothing where prctl is missing."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signum)
    if parent is not None and os.getppid() != parent:
        os._exit(1)

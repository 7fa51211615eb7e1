"""The runtime directory one server start owns: the workers' private Unix sockets (Envoy's
upstream endpoints), the metrics socket, Envoy's admin socket and the shared rate-limit table.

It is the trust boundary for the client address: only processes of this user can open the
directory (0700), so only our Envoy can reach a worker's private socket, and only there is the
address header Envoy adds believed (interceptors.context).

A directory made here is locked (flock on its `owner.lock`) by the process that made it for as
long as that process lives; the kernel lets go when it dies, however it dies. A process killed
by SIGKILL (an OOM kill, `kill -9`) runs no cleanup, so the next `new_runtime_dir` removes the
directories whose lock nobody holds.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# A Unix socket path must fit in sockaddr_un (108 bytes on Linux, with the terminator).
MAX_SOCKET_PATH = 107
_SHARED_MEMORY = Path("/dev/shm")
_PREFIX = "huntaze-"
_OWNER_LOCK = "owner.lock"


class _OwnerLock:
    """The open, locked owner.lock of a directory this process made; not inherited by
    children."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@dataclass(frozen=True)
class RuntimeDir:
    root: Path
    # Held until `remove`; None for an operator's RUNTIME_DIR (never removed by a start).
    owner_lock: _OwnerLock | None = field(default=None, compare=False, repr=False)

    def worker_socket(self, slot: int) -> Path:
        return self.root / f"worker-{slot}.sock"

    @property
    def scheduler_lock(self) -> Path:
        """Held by the one worker that runs the scheduler on SQLite."""
        return self.root / "scheduler.lock"

    @property
    def metrics_socket(self) -> Path:
        return self.root / "metrics.sock"

    @property
    def envoy_admin_socket(self) -> Path:
        return self.root / "envoy-admin.sock"

    @property
    def docs_dir(self) -> Path:
        """The API reference's files Envoy serves (server/api_docs.py)."""
        return self.root / "docs"

    @property
    def bucket_table(self) -> Path:
        return self.root / "ratelimit.buckets"

    def remove(self) -> None:
        """Delete the directory, then let go of it (a second call does nothing more)."""
        shutil.rmtree(self.root, ignore_errors=True)
        if self.owner_lock is not None:
            self.owner_lock.release()


def worker_slots(workers: int) -> int:
    """Envoy lists one spare endpoint: a rolling restart starts each new worker there before
    the old one drains, so serving capacity never drops, even with a single worker."""
    return workers + 1


def new_runtime_dir(parent: Path | None = None) -> RuntimeDir:
    """A fresh private directory, locked by this process until `remove` (in memory under
    /dev/shm when the host has it); first removes the abandoned ones beside it."""
    if parent is None:
        shared = os.access(_SHARED_MEMORY, os.W_OK | os.X_OK)
        parent = _SHARED_MEMORY if shared else Path(tempfile.gettempdir())
    _remove_abandoned(parent)
    root = Path(tempfile.mkdtemp(prefix=_PREFIX, dir=parent))
    lock = os.open(root / _OWNER_LOCK, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)  # waits out a sweeper that looked before this line
    os.write(lock, f"{os.getpid()}\n".encode())  # from now on, unlocked means abandoned
    return RuntimeDir(root, owner_lock=_OwnerLock(lock))


def _remove_abandoned(parent: Path) -> None:
    """Remove the runtime directories in `parent` whose maker has died.

    Kept: a directory whose lock is held (its maker lives), one without a lock file (not made
    here: an operator's), and one whose lock file is still empty (its maker is between creating
    the file and locking it)."""
    for root in parent.glob(f"{_PREFIX}*"):
        try:
            lock = os.open(root / _OWNER_LOCK, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if os.pread(lock, 32, 0):
                shutil.rmtree(root, ignore_errors=True)
        except BlockingIOError:
            continue
        finally:
            os.close(lock)


def private_runtime_dir(path: str | Path) -> RuntimeDir:
    """`path`, created if missing; refused unless only this user can open it and its socket
    paths fit the kernel's limit."""
    root = Path(path).absolute()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = root.stat()
    if info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise PermissionError(
            f"RUNTIME_DIR {root} must belong to this user with mode 0700 (chmod 700 {root})"
        )
    runtime = RuntimeDir(root)
    longest = len(str(runtime.worker_socket(999)))
    if longest > MAX_SOCKET_PATH:
        raise ValueError(f"RUNTIME_DIR {root} is too long for Unix socket paths: use a short one")
    return runtime

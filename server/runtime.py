"""The runtime directory one server start owns: the workers' private Unix sockets (Envoy's
upstream endpoints), the metrics socket, Envoy's admin socket and the shared rate-limit table.

It is the trust boundary for the client address: only processes of this user can open the
directory (0700), so only our Envoy can reach a worker's private socket, and only there is the
address header Envoy adds believed (interceptors.context).
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

# A Unix socket path must fit in sockaddr_un (108 bytes on Linux, with the terminator).
MAX_SOCKET_PATH = 107
_SHARED_MEMORY = Path("/dev/shm")


@dataclass(frozen=True)
class RuntimeDir:
    root: Path

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


def worker_slots(workers: int) -> int:
    """Envoy lists one spare endpoint: a rolling restart starts each new worker there before
    the old one drains, so serving capacity never drops, even with a single worker."""
    return workers + 1


def new_runtime_dir() -> RuntimeDir:
    """A fresh private directory (in memory under /dev/shm when the host has it)."""
    parent = _SHARED_MEMORY if os.access(_SHARED_MEMORY, os.W_OK | os.X_OK) else None
    return RuntimeDir(Path(tempfile.mkdtemp(prefix="huntaze-", dir=parent)))


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

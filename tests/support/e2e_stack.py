"""The e2e tests' stacks: the real `python -m server` and a real Envoy, started by the same
runner as `make run` (server/stack.py), each with free ports, its own database and its own
working directory (var/, server.log and envoy.log live there)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from server import stack as stack_runner
from server.config import Settings
from server.stack import free_ports, wait_for
from support.databases import database

JWT_SECRET = "e2e-secret-that-is-long-enough-for-hs256-0123456789"
ALLOWED_ORIGIN = "http://localhost:3000"
# The shared stacks' refresh reuse interval and account status cache TTL (conftest.py).
REUSE_INTERVAL_SECONDS = 1.0
ACCOUNT_STATUS_TTL_SECONDS = 1.0

__all__ = [
    "ACCOUNT_STATUS_TTL_SECONDS",
    "ALLOWED_ORIGIN",
    "JWT_SECRET",
    "REUSE_INTERVAL_SECONDS",
    "Stack",
    "free_ports",
    "running_stack",
    "spawned_children",
    "stack_on",
    "wait_for",
]


@dataclass
class Stack:
    """A running stack (server.stack.Stack as `runner`) plus what the tests need about it."""

    runner: stack_runner.Stack
    workdir: Path
    database_url: str

    @property
    def settings(self) -> Settings:
        return self.runner.settings

    @property
    def base_url(self) -> str:
        return self.runner.base_url

    @property
    def grpc_target(self) -> str:
        return self.runner.grpc_target

    @property
    def http_port(self) -> int:
        return self.settings.http_port

    @property
    def supervisor(self) -> subprocess.Popen[bytes]:
        return self.runner.supervisor

    def worker_sockets(self) -> list[str]:
        """The private socket of every worker Envoy sees healthy."""
        return [path for path, flags in self.runner.upstream_health().items() if flags == "healthy"]

    def upstream_health(self) -> dict[str, str]:
        return self.runner.upstream_health()

    def worker_pids(self) -> set[int]:
        """The supervisor's worker processes."""
        return spawned_children(self.supervisor.pid)


def spawned_children(pid: int) -> set[int]:
    """The children `pid` started with multiprocessing's spawn (a supervisor's workers, a
    worker's hashing process); a child that exits while it is being looked at is not one."""
    found = set()
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.add(int(child))
        except (FileNotFoundError, ProcessLookupError):  # gone, or going (ESRCH on read)
            continue
    return found


@contextlib.contextmanager
def running_stack(
    workdir: Path, database_url: str, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    http_port, grpc_port = free_ports(2)
    variables = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "HTTP_PORT": str(http_port),
        "GRPC_PORT": str(grpc_port),
        "WORKERS": str(workers),
        "CORS_ORIGINS": ALLOWED_ORIGIN,
        "LOG_LEVEL": "WARNING",
        "SHUTDOWN_DRAIN_SECONDS": "2",
        "STORAGE_LOCAL_DIR": str(workdir / "storage"),
        **(env or {}),
    }
    settings = Settings(**{name.lower(): value for name, value in variables.items()})
    environment = {**os.environ, **variables}
    with stack_runner.running(settings, workdir=workdir, env=environment, log_dir=workdir) as stack:
        yield Stack(stack, workdir, database_url)


@contextlib.contextmanager
def stack_on(
    kind: str, workdir: Path, *, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """A stack on a fresh database of `kind` ("sqlite" or "postgres") in `workdir`: what a
    module-scoped fixture with its own settings yields."""
    with (
        database(kind, workdir) as url,
        running_stack(workdir, url, workers=workers, env=env) as up,
    ):
        yield up

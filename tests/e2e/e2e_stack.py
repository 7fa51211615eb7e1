"""A real `python -m server` and a real Envoy with the rendered config, for the e2e tests.

Every stack gets free ports, its own database and its own working directory (var/ lives there);
readiness is polled with a deadline (Envoy's admin /clusters reports every worker healthy).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from server.config import Settings
from server.envoy_config import envoy_command, render_to_file

STARTUP_TIMEOUT = 60.0
JWT_SECRET = "e2e-secret-that-is-long-enough-for-hs256-0123456789"
ALLOWED_ORIGIN = "http://localhost:3000"


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out; held open together so they are distinct."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll `condition` until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:g} s")
        time.sleep(0.05)


@dataclass
class Stack:
    """A running server + Envoy."""

    http_port: int
    grpc_port: int
    worker_ports: list[int]
    metrics_port: int
    admin_port: int
    server: subprocess.Popen[bytes]
    envoy: subprocess.Popen[bytes]
    workdir: Path
    database_url: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def grpc_target(self) -> str:
        """Native gRPC through Envoy's listener."""
        return f"127.0.0.1:{self.http_port}"

    def upstream_health(self) -> list[str]:
        """Envoy's view of each worker endpoint: 'healthy' or its failure flags."""
        text = httpx.get(f"http://127.0.0.1:{self.admin_port}/clusters", timeout=2).text
        return [
            line.rsplit("::", 1)[1]
            for line in text.splitlines()
            if line.startswith("huntaze::") and "::health_flags::" in line
        ]

    def all_healthy(self) -> bool:
        try:
            flags = self.upstream_health()
        except httpx.HTTPError:
            return False
        return len(flags) == len(self.worker_ports) and all(f == "healthy" for f in flags)

    def check_alive(self) -> None:
        for process in (self.server, self.envoy):
            if process.poll() is not None:
                raise RuntimeError(
                    f"{process.args[0]} exited with {process.returncode}; see {self.workdir}"
                )

    def stop(self) -> None:
        for process in (self.server, self.envoy):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.server, self.envoy):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def running_stack(
    workdir: Path, database_url: str, *, workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[Stack]:
    http_port, grpc_port, metrics_port, admin_port, *worker_ports = free_ports(4 + workers)
    variables = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "HTTP_PORT": str(http_port),
        "GRPC_PORT": str(grpc_port),
        "GRPC_WORKER_PORTS": ",".join(map(str, worker_ports)),
        "METRICS_PORT": str(metrics_port),
        "CORS_ORIGINS": ALLOWED_ORIGIN,
        "LOG_LEVEL": "WARNING",
        "SHUTDOWN_DRAIN_SECONDS": "2",
        **(env or {}),
    }
    settings = Settings(**{name.lower(): value for name, value in variables.items()})
    config = render_to_file(
        settings,
        upstream_ports=worker_ports,
        admin_port=admin_port,
        path=workdir / "envoy.yaml",
    )
    server_log = (workdir / "server.log").open("wb")
    envoy_log = (workdir / "envoy.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "server", "--workers", str(workers)],
        cwd=workdir,
        env={**os.environ, **variables},
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    envoy = subprocess.Popen(
        envoy_command(config),
        cwd=workdir,
        stdout=envoy_log,
        stderr=subprocess.STDOUT,
    )
    stack = Stack(
        http_port,
        grpc_port,
        worker_ports,
        metrics_port,
        admin_port,
        server,
        envoy,
        workdir,
        database_url,
    )
    try:

        def ready() -> bool:
            stack.check_alive()
            return stack.all_healthy()

        wait_for(ready, timeout=STARTUP_TIMEOUT, what="every worker healthy in Envoy")
        yield stack
    finally:
        stack.stop()
        server_log.close()
        envoy_log.close()

"""One way to run the whole stack, for `make run`, the e2e tests and the bench: the supervisor
(`python -m server`: its workers) and Envoy in front of them.

`start` refuses a port that is taken, even by a listener with SO_REUSEPORT (the workers' shared
port would otherwise quietly join another stack's), gives the stack a private runtime directory
(the workers' sockets, Envoy's admin socket: nothing of another stack is ever reached), and says
ready only when its own Envoy reports every worker healthy and answers /api/health. Both children
get SIGTERM from the kernel if the process that started them dies, even by SIGKILL. `stop` goes
in order: Envoy stops accepting, the workers drain, Envoy exits last.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from server.config import Settings
from server.envoy_config import REPO_ROOT, envoy_command, render_to_file
from server.orphans import die_with_parent
from server.runtime import RuntimeDir, new_runtime_dir

READY_TIMEOUT_SECONDS = 60.0
ENVOY_STOP_SECONDS = 10.0


class StartupError(RuntimeError):
    """The stack did not come up; the message says why (a port, a process that exited)."""


class PortInUse(StartupError):
    def __init__(self, what: str, host: str, port: int) -> None:
        super().__init__(
            f"port {port} on {host} ({what}) is already in use: stop what holds it "
            f"(`ss -ltnp 'sport = :{port}'` shows it) or choose another port"
        )


def check_port_free(what: str, host: str, port: int) -> None:
    """Bind `host:port` the way nobody sharing it could: SO_REUSEADDR (a connection of an earlier
    run in TIME_WAIT does not count) but not SO_REUSEPORT, so any listener there, including one
    that allows sharing, makes the bind fail."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise PortInUse(what, host, port) from None
            raise


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports the kernel just handed out (for tests and the bench,
    which run stacks side by side)."""
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


def ports_of(settings: Settings) -> list[tuple[str, str, int]]:
    """(what, host, port) of every TCP port the stack listens on."""
    return [
        ("Envoy: REST and gRPC", settings.http_host, settings.http_port),
        ("workers' shared gRPC port", settings.grpc_host, settings.grpc_port),
    ]


@dataclass
class Stack:
    settings: Settings
    runtime: RuntimeDir
    supervisor: subprocess.Popen[bytes]
    envoy: subprocess.Popen[bytes]
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://{self.settings.http_host}:{self.settings.http_port}"

    @property
    def grpc_target(self) -> str:
        """Native gRPC through Envoy's listener."""
        return f"{self.settings.http_host}:{self.settings.http_port}"

    @property
    def direct_grpc_target(self) -> str:
        """The workers' shared port (internal callers that skip Envoy)."""
        return f"{self.settings.grpc_host}:{self.settings.grpc_port}"

    def admin(self, path: str, *, method: str = "GET") -> httpx.Response:
        """A request to this stack's own Envoy admin interface (a socket in its runtime dir)."""
        transport = httpx.HTTPTransport(uds=str(self.runtime.envoy_admin_socket))
        with httpx.Client(transport=transport, timeout=2.0) as client:
            return client.request(method, f"http://envoy{path}")

    def upstream_health(self) -> dict[str, str]:
        """Envoy's view of each worker slot: socket path -> 'healthy' or its failure flags."""
        return self._upstream_stat("health_flags")

    def upstream_requests(self) -> dict[str, int]:
        """Requests Envoy has sent to each worker slot: socket path -> count."""
        return {path: int(count) for path, count in self._upstream_stat("rq_total").items()}

    def _upstream_stat(self, stat: str) -> dict[str, str]:
        values = {}
        for line in self.admin("/clusters").text.splitlines():
            name, _, rest = line.partition("::")
            marker = f"::{stat}::"
            if name == "huntaze" and marker in rest:
                address, _, value = rest.partition(marker)
                values[address] = value
        return values

    def healthy_workers(self) -> int:
        try:
            return sum(flags == "healthy" for flags in self.upstream_health().values())
        except httpx.HTTPError:
            return 0

    def check_alive(self) -> None:
        for name, process in (("server", self.supervisor), ("envoy", self.envoy)):
            if process.poll() is not None:
                raise StartupError(f"{name} exited with {process.returncode}")

    def rolling_restart(self) -> None:
        """Ask the supervisor to replace every worker, one at a time (SIGHUP)."""
        self.supervisor.send_signal(signal.SIGHUP)

    def wait_ready(self, *, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        def ready() -> bool:
            self.check_alive()
            if self.healthy_workers() < self.settings.workers:
                return False
            try:
                return httpx.get(f"{self.base_url}/api/health", timeout=2.0).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(ready, timeout=timeout, what="every worker healthy behind Envoy")

    def stop(self) -> None:
        """Envoy stops accepting, the workers drain and exit, then Envoy exits."""
        if self.envoy.poll() is None:
            with contextlib.suppress(httpx.HTTPError):
                self.admin("/drain_listeners", method="POST")
        settings = self.settings
        _terminate(
            self.supervisor,
            timeout=settings.shutdown_drain_seconds + settings.shutdown_grace_seconds + 10,
        )
        _terminate(self.envoy, timeout=ENVOY_STOP_SECONDS)
        for log in self._logs:
            log.close()
        self.runtime.remove()


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll `condition` until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise StartupError(f"{what}: not reached within {timeout:g} s")
        time.sleep(0.05)


def start(
    settings: Settings,
    *,
    workdir: Path = REPO_ROOT,
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
) -> Stack:
    """Start a stack for `settings` (its ports must be free) and wait until it is ready.

    `env` is the environment of the server processes (default: this process's); `workdir` is
    theirs (var/ lives there); `log_dir`: where server.log and envoy.log go (default: inherit
    this process's stdout and stderr)."""
    for what, host, port in ports_of(settings):
        check_port_free(what, host, port)
    runtime = new_runtime_dir()
    settings = settings.model_copy(update={"runtime_dir": str(runtime.root)})
    config = render_to_file(settings, runtime, path=runtime.root / "envoy.yaml")
    server_env = {**(os.environ if env is None else env), "RUNTIME_DIR": str(runtime.root)}
    logs = (
        []
        if log_dir is None
        else [(log_dir / name).open("ab") for name in ("server.log", "envoy.log")]
    )
    server_out = logs[0] if logs else None
    envoy_out = logs[1] if logs else None
    orphan_guard = _dies_with(os.getpid())
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "server"],
        cwd=workdir,
        env=server_env,
        stdout=server_out,
        stderr=subprocess.STDOUT if server_out else None,
        start_new_session=True,  # Ctrl-C reaches only us: we order the stop
        preexec_fn=orphan_guard,
    )
    envoy = subprocess.Popen(
        envoy_command(config),
        cwd=workdir,
        stdout=envoy_out,
        stderr=subprocess.STDOUT if envoy_out else None,
        start_new_session=True,
        preexec_fn=orphan_guard,
    )
    stack = Stack(settings, runtime, supervisor, envoy, _logs=logs)
    try:
        stack.wait_ready()
    except BaseException:
        stack.stop()
        raise
    return stack


@contextlib.contextmanager
def running(
    settings: Settings,
    *,
    workdir: Path = REPO_ROOT,
    env: Mapping[str, str] | None = None,
    log_dir: Path | None = None,
) -> Iterator[Stack]:
    """`start`, and `stop` on the way out."""
    stack = start(settings, workdir=workdir, env=env, log_dir=log_dir)
    try:
        yield stack
    finally:
        stack.stop()


def _dies_with(parent: int) -> Callable[[], None]:
    """preexec_fn of a child: SIGTERM when `parent` (this process) dies, whatever kills it."""
    return lambda: die_with_parent(signal.SIGTERM, parent=parent)


def _terminate(process: subprocess.Popen[bytes], *, timeout: float) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

"""Child processes of the bench: each in its own process group, all stopped on the way out."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType


class StartupError(RuntimeError):
    """A system under test did not come up."""


class Processes:
    """Starts commands in new sessions (their own process groups) and stops every one of them.

    A new session keeps the terminal's Ctrl-C away from the children: the bench alone decides
    the stop order, and stopping a whole group also reaches grandchildren (server workers,
    uvicorn workers) if their parent is stuck.
    """

    def __init__(self, log_dir: Path) -> None:
        self._log_dir = log_dir
        self._running: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop_all()

    def start(
        self, name: str, command: list[str], *, env: dict[str, str], cwd: Path
    ) -> subprocess.Popen[bytes]:
        log = (self._log_dir / f"{name}.log").open("ab")
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()  # the child holds its own descriptor
        self._running.append(process)
        return process

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self._log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, process: subprocess.Popen[bytes], *, timeout: float = 20.0) -> None:
        """SIGTERM the process group, wait, then SIGKILL whatever is left of it."""
        if process in self._running:
            self._running.remove(process)
        _signal_group(process, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout)
        # Group members may outlive the leader (e.g. workers of a killed supervisor).
        _signal_group(process, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)

    def stop_all(self) -> None:
        """Newest first: the proxy goes before the server behind it."""
        for process in reversed(list(self._running)):
            self.stop(process)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def wait_until(
    ready: Callable[[], bool],
    *,
    what: str,
    processes: list[subprocess.Popen[bytes]],
    timeout: float = 60.0,
) -> None:
    """Poll `ready` until it returns True; fail early if one of `processes` has exited."""
    deadline = time.monotonic() + timeout
    while not ready():
        for process in processes:
            if process.poll() is not None:
                raise StartupError(f"{what}: {process.args[0]} exited with {process.returncode}")
        if time.monotonic() > deadline:
            raise StartupError(f"{what}: not ready after {timeout:g} s")
        time.sleep(0.1)

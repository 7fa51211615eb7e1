"""`make run`: the gRPC workers (`python -m server`) and Envoy together, until Ctrl-C/SIGTERM.

Starts both, waits until GET /api/health answers through Envoy, prints the URLs. On a stop
signal Envoy goes first: its listener stops accepting new connections (admin /drain_listeners)
while open requests go on; then the server drains (health NOT_SERVING, in-flight calls finish
within the grace period) and exits; Envoy exits last, so no in-flight call loses its proxy.
Both children run in their own session: Ctrl-C reaches only this process, which orders the stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

import httpx

from server.config import Settings
from server.envoy_config import REPO_ROOT, envoy_command, render_to_file

READY_TIMEOUT_SECONDS = 60.0


def wait_until_healthy(
    url: str, *, processes: list[subprocess.Popen[bytes]], timeout: float
) -> None:
    """Poll `url` until it answers 200; fail early if one of `processes` exits."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while True:
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} not healthy after {timeout:g} s")
            time.sleep(0.1)


def stop_accepting(admin_port: int) -> None:
    """Ask Envoy to close its listeners; open connections and requests carry on."""
    with contextlib.suppress(httpx.HTTPError):  # Envoy already gone: nothing to drain
        httpx.post(f"http://127.0.0.1:{admin_port}/drain_listeners", timeout=2.0)


def stop(process: subprocess.Popen[bytes], *, timeout: float) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> int:
    settings = Settings()
    ports = settings.worker_ports(settings.workers)
    config = render_to_file(
        settings, upstream_ports=ports, admin_port=settings.envoy_admin_port or None
    )
    started = time.monotonic()
    server = subprocess.Popen(
        [sys.executable, "-m", "server"], cwd=REPO_ROOT, start_new_session=True
    )
    envoy = subprocess.Popen(envoy_command(config), start_new_session=True)
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    base = f"http://{settings.http_host}:{settings.http_port}"
    try:
        wait_until_healthy(
            f"{base}/api/health", processes=[server, envoy], timeout=READY_TIMEOUT_SECONDS
        )
        print(
            f"Huntaze API ready in {time.monotonic() - started:.1f} s "
            f"({settings.workers} worker process(es))\n"
            f"  REST:    {base}/api/...   (e.g. curl {base}/api/health)\n"
            f"  gRPC:    {settings.http_host}:{settings.http_port} through Envoy, "
            f"{settings.grpc_host}:{settings.grpc_port} direct\n"
            f"  metrics: {base}/api/metrics\n"
            "Ctrl-C stops.",
            flush=True,
        )
        while not stopping.is_set():
            if server.poll() is not None or envoy.poll() is not None:
                print("a process exited unexpectedly; stopping", file=sys.stderr)
                return 1
            stopping.wait(0.5)
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(f"startup failed: {error}", file=sys.stderr)
        return 1
    finally:
        if settings.envoy_admin_port:
            stop_accepting(settings.envoy_admin_port)
        stop(server, timeout=settings.shutdown_drain_seconds + settings.shutdown_grace_seconds + 10)
        stop(envoy, timeout=10)


if __name__ == "__main__":
    os.chdir(REPO_ROOT)
    sys.exit(main())

"""`make run`: the workers (`python -m server`) and Envoy together, until Ctrl-C/SIGTERM.

server/stack.py does the work: it refuses taken ports (naming them), gives the stack a private
runtime directory, says ready only when its own Envoy and workers answer, and stops in order
(Envoy stops accepting, the workers drain, Envoy exits). If this process dies, even by SIGKILL,
the kernel sends SIGTERM to its children. SIGHUP here replaces the workers one at a time.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from server.config import Settings
from server.stack import Stack, StartupError, start


def banner(stack: Stack, seconds: float) -> str:
    settings = stack.settings
    return (
        f"Huntaze API ready in {seconds:.1f} s ({settings.workers} worker process(es))\n"
        f"  REST:    {stack.base_url}/api/...   (e.g. curl {stack.base_url}/api/health)\n"
        f"  gRPC:    {stack.grpc_target} through Envoy, {stack.direct_grpc_target} direct\n"
        f"  metrics: {stack.base_url}/api/metrics\n"
        f"  runtime: {stack.runtime.root} (worker sockets, Envoy admin socket)\n"
        f"Ctrl-C stops; `kill -HUP {os.getpid()}` restarts the workers one at a time."
    )


def main() -> int:
    settings = Settings()
    started = time.monotonic()
    try:
        # var/ (the SQLite database, the local JWT secret) is relative to where it runs.
        stack = start(settings, workdir=Path.cwd())  # Ctrl-C meanwhile: stopped on the way out
    except StartupError as error:
        print(f"startup failed: {error}", file=sys.stderr)
        return 1
    stopping = threading.Event()
    rolling = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
    signal.signal(signal.SIGHUP, lambda signum, frame: rolling.set())
    try:
        print(banner(stack, time.monotonic() - started), flush=True)
        while not stopping.wait(0.5):
            if rolling.is_set():
                rolling.clear()
                stack.rolling_restart()
            try:
                stack.check_alive()
            except StartupError as error:
                print(f"{error}; stopping", file=sys.stderr)
                return 1
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())

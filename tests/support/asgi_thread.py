"""The lifecycle shared by the in-process HTTP fakes (`fake_openai`, `fake_stripe`).

Each fake runs uvicorn on a loopback port in a daemon thread with its own event loop, so one
object serves sync tests, async tests on any loop, and server subprocesses alike. This base class
holds that plumbing once: start/stop, the context manager and `port`.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from types import TracebackType
from typing import Self

import uvicorn
from starlette.types import ASGIApp


class ThreadedASGIServer:
    """A uvicorn server in a background thread; a context manager (start on enter, stop on exit).

    A subclass supplies `_app()` (built afresh on every start), whose lifespan startup must call
    `self._ready.set()`, and may override `_on_stop()` to end open work before uvicorn shuts down.
    """

    def __init__(
        self, *, thread_name: str, description: str, graceful_shutdown: int | None = None
    ) -> None:
        self._thread_name = thread_name
        self._description = description  # "the fake X server", for the start error
        self._graceful_shutdown = graceful_shutdown  # uvicorn's timeout_graceful_shutdown
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._ready = threading.Event()

    def _app(self) -> ASGIApp:
        raise NotImplementedError

    def _on_stop(self) -> None:
        """Called by `stop()` on a running server before uvicorn is told to exit."""

    def start(self) -> None:
        self._ready.clear()
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP,
        # and without it every small answer waits ~40 ms on Nagle and the peer's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        # Listening now, not when uvicorn gets to it (after the app's startup, which is when
        # `_ready` is set): a connection made as soon as start() returns waits in the backlog
        # instead of being refused.
        sock.listen(128)
        self._socket = sock
        config = uvicorn.Config(
            self._app(),
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=self._graceful_shutdown,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=10):
            raise RuntimeError(f"{self._description} did not start")

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._on_stop()
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._socket is not None, "server not started"
        return int(self._socket.getsockname()[1])

    def _run(self) -> None:
        assert self._server is not None and self._socket is not None
        asyncio.run(self._server.serve(sockets=[self._socket]))

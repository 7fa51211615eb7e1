"""A TCP server that accepts connections and never answers: a Redis that hangs (a full
network buffer, a stopped process, a blackholed route). It runs in its own thread, so sync and
async tests alike can use it, and counts what reaches it."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class SilentServer:
    port: int = 0
    connections: int = 0
    bytes_received: int = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


@contextlib.contextmanager
def silent_server() -> Iterator[SilentServer]:
    silent = SilentServer()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    listener.setblocking(False)
    silent.port = listener.getsockname()[1]
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    stop = threading.Event()
    held: list[socket.socket] = []

    def swallow() -> None:
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.05):
                if key.fileobj is listener:
                    connection, _ = listener.accept()
                    connection.setblocking(False)
                    held.append(connection)
                    silent.connections += 1
                    selector.register(connection, selectors.EVENT_READ)
                else:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        selector.unregister(key.fileobj)
                    silent.bytes_received += len(data)

    thread = threading.Thread(target=swallow, daemon=True)
    thread.start()
    try:
        yield silent
    finally:
        stop.set()
        thread.join()
        selector.close()
        for connection in held:
            connection.close()
        listener.close()

"""A TCP server that accepts connections and never answers: a Redis that hangs (a full
network buffer, a stopped process, a blackholed route). It counts what reaches it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field


@dataclass
class SilentServer:
    port: int = 0
    connections: int = 0
    bytes_received: int = 0
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def _swallow(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        while chunk := await reader.read(65536):
            self.bytes_received += len(chunk)


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[SilentServer]:
    silent = SilentServer()
    server = await asyncio.start_server(silent._swallow, "127.0.0.1", 0)
    silent.port = server.sockets[0].getsockname()[1]
    try:
        yield silent
    finally:
        server.close()
        for writer in silent._writers:
            writer.close()
        await server.wait_closed()

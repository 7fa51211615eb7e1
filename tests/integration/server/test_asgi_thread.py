"""The in-process HTTP fakes accept connections as soon as they are started. Found in CI: the
fake Stripe server reported ready from its lifespan startup, before uvicorn listened, and a
request sent at once was refused (ConnectError) on a loaded machine."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send
from support.asgi_thread import ThreadedASGIServer

# How long uvicorn takes to listen after the app said it was ready, stretched.
SLOW_START_SECONDS = 0.5


class SlowToListen(ThreadedASGIServer):
    def __init__(self) -> None:
        super().__init__(thread_name="slow-to-listen", description="the slow test server")

    def _app(self) -> ASGIApp:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "lifespan":
                message: Any = await receive()
                if message["type"] == "lifespan.startup":
                    self._ready.set()
                    await asyncio.sleep(SLOW_START_SECONDS)
                    await send({"type": "lifespan.startup.complete"})
                    message = await receive()
                await send({"type": "lifespan.shutdown.complete"})
                return
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

        return app


def test_a_request_sent_right_after_start_is_served() -> None:
    with SlowToListen() as server:
        response = httpx.get(f"http://127.0.0.1:{server.port}/", timeout=5)
    assert response.status_code == 200
    assert response.text == "ok"

"""A webhook consumer for the scheduler's WebhookPublisher: real HTTP, signatures checked,
deliveries de-duplicated on Idempotency-Key as a well-behaved consumer would.

    with PublishReceiver("whsec_test") as receiver:
        publisher = WebhookPublisher(receiver.url, "whsec_test")
        ...
        assert receiver.wait_for(3, timeout=5)

Like the other fakes (support.asgi_thread), uvicorn runs in a daemon thread with its own loop,
so one object serves sync tests, async tests on any loop and server subprocesses.

Every request is kept in `calls` (whatever it was answered). Then, in order:
- a bad or missing `Huntaze-Signature` is answered 401 (`rejected` += 1), a missing
  Idempotency-Key or a body that is not a JSON object 400;
- injected failures (`fail_first_n` calls first, then each call with probability `fail_ratio`
  from a seeded random.Random) are answered `fail_status` (+ `Retry-After: retry_after` if set)
  without recording anything (`failed` += 1);
- otherwise the event is appended to `received` (duplicates too); the first one per key goes
  to `by_key` with `received_at[key]` = time.time(); a known key counts in `duplicates`. All
  are answered 200.
`delay_seconds` is slept after that decision, before answering: the event is recorded yet the
answer is late, which is what a client timing out must treat as "maybe delivered".

The settings are plain attributes, changeable between requests; `reset()` clears the records
and the counters (not the settings). Records are written under `lock`; read them there too
when requests may still be arriving.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.scheduling.publishing import SIGNATURE_HEADER, verify
from support.asgi_thread import ThreadedASGIServer

PATH = "/hooks/publish"


@dataclass(frozen=True)
class ReceivedCall:
    """One HTTP request as it arrived, and the status it was given."""

    key: str | None  # the Idempotency-Key header
    headers: dict[str, str]  # lower-cased names
    body: bytes
    status: int
    at: float  # time.time() on arrival


class PublishReceiver(ThreadedASGIServer):
    def __init__(
        self,
        secret: str,
        *,
        fail_ratio: float = 0.0,
        fail_status: int = 503,
        fail_first_n: int = 0,
        delay_seconds: float = 0.0,
        retry_after: float | None = None,
        seed: int = 0,
        tolerance: int = 300,
    ) -> None:
        super().__init__(
            thread_name="publish-receiver",
            description="the publish receiver",
            graceful_shutdown=1,
        )
        if not 0.0 <= fail_ratio <= 1.0:
            raise ValueError("fail_ratio must be within 0..1")
        self.secret = secret
        self.fail_ratio = fail_ratio
        self.fail_status = fail_status
        self.fail_first_n = fail_first_n
        self.delay_seconds = delay_seconds
        self.retry_after = retry_after
        self.tolerance = tolerance
        self._seed = seed
        self.lock = threading.Lock()
        self._changed = threading.Condition(self.lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._reset_records()

    def _reset_records(self) -> None:
        self._random = random.Random(self._seed)
        self.calls: list[ReceivedCall] = []
        self.received: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self.received_at: dict[str, float] = {}
        self.duplicates = 0
        self.rejected = 0
        self.failed = 0
        self._verified_calls = 0  # what fail_first_n counts

    def reset(self) -> None:
        """Forgets every call and counter (and reseeds the failure draw); settings stay."""
        with self.lock:
            self._reset_records()
            self._changed.notify_all()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PATH}"

    def wait_for(self, count: int, timeout: float) -> bool:
        """Whether `count` distinct keys were recorded within `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.by_key) >= count, timeout)

    def _on_stop(self) -> None:
        # Wakes requests sleeping out `delay_seconds`, so shutdown need not wait for them.
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    def _app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            self._ready.set()
            yield

        return Starlette(routes=[Route(PATH, self._publish, methods=["POST"])], lifespan=lifespan)

    async def _publish(self, request: Request) -> Response:
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}
        key = headers.get("idempotency-key")
        response = self._decide(key, headers, body)
        if self.delay_seconds > 0 and self._stopping is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.delay_seconds)
        return response

    def _decide(self, key: str | None, headers: dict[str, str], body: bytes) -> Response:
        """Records the call and picks the answer, atomically (under the lock)."""
        now = time.time()
        with self.lock:
            status, response = self._answer(key, headers, body, now)
            self.calls.append(ReceivedCall(key, headers, body, status, now))
            self._changed.notify_all()
        return response

    def _answer(
        self, key: str | None, headers: dict[str, str], body: bytes, now: float
    ) -> tuple[int, Response]:
        signature = headers.get(SIGNATURE_HEADER.lower(), "")
        if not verify(self.secret, signature, body, now=int(now), tolerance=self.tolerance):
            self.rejected += 1
            return 401, JSONResponse({"error": "bad signature"}, status_code=401)
        try:
            event = json.loads(body)
        except ValueError:
            event = None
        if not key or not isinstance(event, dict):
            return 400, JSONResponse({"error": "bad request"}, status_code=400)
        self._verified_calls += 1
        if self._verified_calls <= self.fail_first_n or (
            self.fail_ratio > 0 and self._random.random() < self.fail_ratio
        ):
            self.failed += 1
            extra = {} if self.retry_after is None else {"Retry-After": f"{self.retry_after:g}"}
            answer = JSONResponse(
                {"error": "injected failure"}, status_code=self.fail_status, headers=extra
            )
            return self.fail_status, answer
        self.received.append(event)
        duplicate = key in self.by_key
        if duplicate:
            self.duplicates += 1
        else:
            self.by_key[key] = event
            self.received_at[key] = now
        return 200, JSONResponse({"received": True, "duplicate": duplicate})

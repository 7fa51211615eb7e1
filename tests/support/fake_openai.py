"""A local OpenAI-compatible HTTP server for tests: real HTTP, scripted answers.

The server runs uvicorn in a background thread with its own event loop, so the same object
serves plain (sync) tests, async tests on any loop, and server subprocesses started by e2e tests
(point their OpenAI base URL / Azure endpoint at it).

    with FakeOpenAI() as server:
        server.base_url          # "http://127.0.0.1:<port>/v1"  (OpenAI-compatible base URL)
        server.azure_endpoint    # "http://127.0.0.1:<port>"     (Azure OpenAI endpoint)

Routes: `POST /v1/chat/completions` (the script key is the body's `model`) and
`POST /openai/deployments/{deployment}/chat/completions?api-version=...` (the key is the
deployment). Both answer JSON, or SSE when the body has `"stream": true` (`data: {...}` chunks,
then a usage chunk with `choices: []` when `stream_options.include_usage`, then `data: [DONE]`).

Scripting, per key (model or deployment name):

    server.script("gpt-4o-mini", Fail(429, headers={"Retry-After": "2"}), Reply("hello"))
        # queued: each request takes the next behaviour for its key
    server.always("gpt-4o-mini", Fail(500))
        # answers every request for the key once its queue is empty (None: back to default)
    server.reset()
        # forget scripts and recorded requests (for a server shared by several tests)

With nothing scripted a request gets the default answer: `Reply("echo: <last message>")`.
Token counts left as None are counted as words (prompt: all messages; completion: the answer).

Behaviours (each works for JSON and streaming requests unless noted):
    Reply(text, prompt_tokens=None, completion_tokens=None, finish_reason="stop", model=None)
        one answer; streamed as a single piece. `model=None` reports the requested model.
    StreamReply(pieces, delay=0.0, ...same counters...)
        streamed piece by piece, waiting `delay` seconds before each; JSON: the pieces joined.
    Fail(status, body=None, headers={})
        a JSON response with that status (any status, 200 included); `body=None` gives an
        OpenAI-style `{"error": {...}}`. `AZURE_CONTENT_FILTER` is Azure's content-filter 400 body.
    Hang(seconds)
        answers nothing for `seconds` (or until the client gives up), then the default answer.
    DropMidStream(pieces)
        streams the pieces, then cuts the connection without `[DONE]` (JSON request: 500).
    ErrorMidStream(pieces, error={...})
        streams the pieces, then an SSE `data: {"error": ...}` event and ends (JSON request: 500).

Observing:
    server.requests -> list[RecordedRequest]  (path, query, lower-cased headers, JSON body, key,
        stream, and `disconnected`: the client went away before the answer was complete)
    server.wait_for_disconnect(within=5.0) -> bool           (blocking; for sync tests)
    await server.wait_for_disconnect_async(within=5.0) -> bool  (for async tests)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from support.asgi_thread import ThreadedASGIServer

AZURE_CONTENT_FILTER: Mapping[str, Any] = {
    "error": {
        "message": "The response was filtered due to the prompt triggering Azure OpenAI's "
        "content management policy.",
        "type": None,
        "param": "prompt",
        "code": "content_filter",
        "status": 400,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "content_filter_result": {"sexual": {"filtered": True, "severity": "high"}},
        },
    }
}

_CREATED = 1_767_225_600  # a fixed timestamp: answers are byte-for-byte deterministic


@dataclass(frozen=True)
class Reply:
    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"
    model: str | None = None


@dataclass(frozen=True)
class StreamReply:
    pieces: Sequence[str]
    delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"
    model: str | None = None


@dataclass(frozen=True)
class Fail:
    status: int
    body: Mapping[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Hang:
    seconds: float


@dataclass(frozen=True)
class DropMidStream:
    pieces: Sequence[str]


@dataclass(frozen=True)
class ErrorMidStream:
    pieces: Sequence[str]
    error: Mapping[str, Any] = field(
        default_factory=lambda: {"message": "upstream failed mid-stream", "type": "server_error"}
    )


Behaviour = Reply | StreamReply | Fail | Hang | DropMidStream | ErrorMidStream


@dataclass
class RecordedRequest:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    key: str
    stream: bool
    disconnected: bool = False


class FakeOpenAI(ThreadedASGIServer):
    """The server; a context manager (start on enter, stop on exit). See the module docstring."""

    def __init__(self) -> None:
        super().__init__(
            thread_name="fake-openai",
            description="the fake OpenAI server",
            graceful_shutdown=2,
        )
        self._lock = threading.Lock()
        self._disconnect = threading.Condition(self._lock)
        self._queues: dict[str, deque[Behaviour]] = {}
        self._always: dict[str, Behaviour] = {}
        self._requests: list[RecordedRequest] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None

    # -- lifecycle: start, stop, the context manager and `port` come from ThreadedASGIServer ----

    def _on_stop(self) -> None:
        # Wakes requests waiting out a Hang, so shutdown need not wait for them.
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting and observing -------------------------------------------------------------

    def script(self, key: str, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queues.setdefault(key, deque()).extend(behaviours)

    def always(self, key: str, behaviour: Behaviour | None) -> None:
        with self._lock:
            if behaviour is None:
                self._always.pop(key, None)
            else:
                self._always[key] = behaviour

    def reset(self) -> None:
        with self._lock:
            self._queues.clear()
            self._always.clear()
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def wait_for_disconnect(self, within: float = 5.0) -> bool:
        """Block until some request's client went away before its answer was complete."""
        with self._disconnect:
            return self._disconnect.wait_for(
                lambda: any(r.disconnected for r in self._requests), timeout=within
            )

    async def wait_for_disconnect_async(self, within: float = 5.0) -> bool:
        return await asyncio.to_thread(self.wait_for_disconnect, within)

    # -- the server --------------------------------------------------------------------------

    def _app(self) -> Starlette:
        @contextlib.asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            self._loop = asyncio.get_running_loop()
            self._stopping = asyncio.Event()
            self._ready.set()
            yield

        return Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route(
                    "/openai/deployments/{deployment}/chat/completions",
                    self._chat,
                    methods=["POST"],
                ),
            ],
            lifespan=lifespan,
        )

    def _next(self, key: str) -> Behaviour | None:
        with self._lock:
            queue = self._queues.get(key)
            if queue:
                return queue.popleft()
            return self._always.get(key)

    def _mark_disconnected(self, record: RecordedRequest) -> None:
        with self._disconnect:
            record.disconnected = True
            self._disconnect.notify_all()

    async def _chat(self, request: Request) -> Response:
        body = json.loads(await request.body())
        deployment = request.path_params.get("deployment")
        key = deployment or str(body.get("model", ""))
        record = RecordedRequest(
            path=request.url.path,
            query=dict(request.query_params),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            key=key,
            stream=bool(body.get("stream")),
        )
        with self._lock:
            self._requests.append(record)
        behaviour = self._next(key)
        if isinstance(behaviour, Hang):
            if await self._client_left(request.receive, behaviour.seconds):
                self._mark_disconnected(record)
                return Response(status_code=499)
            behaviour = None
        if behaviour is None:
            behaviour = Reply(f"echo: {_last_content(body)}")
        if isinstance(behaviour, Fail):
            error = {"error": {"message": f"scripted {behaviour.status}", "type": "fake"}}
            return JSONResponse(
                dict(behaviour.body) if behaviour.body is not None else error,
                status_code=behaviour.status,
                headers=dict(behaviour.headers),
            )
        if isinstance(behaviour, DropMidStream | ErrorMidStream) and not record.stream:
            return JSONResponse({"error": {"message": "scripted failure"}}, status_code=500)
        answer = _Answer.of(behaviour, body, key)
        if record.stream:
            return _SSEResponse(self, record, behaviour, answer)
        return JSONResponse(answer.completion())

    async def _client_left(self, receive: Receive, seconds: float) -> bool:
        """Wait up to `seconds`; True if the client disconnected first (server stop ends it)."""
        assert self._stopping is not None
        left = asyncio.ensure_future(_until_disconnect(receive))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait(
                {left, stopping}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
            return left.done()
        finally:
            left.cancel()
            stopping.cancel()


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def _last_content(body: Mapping[str, Any]) -> str:
    messages = body.get("messages") or [{}]
    return str(messages[-1].get("content", ""))


def _words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class _Answer:
    """What a Reply / StreamReply amounts to once defaults are filled from the request."""

    pieces: tuple[str, ...]
    model: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    include_usage: bool

    @classmethod
    def of(cls, behaviour: Behaviour, body: Mapping[str, Any], key: str) -> _Answer:
        prompt = sum(_words(str(m.get("content", ""))) for m in body.get("messages", []))
        pieces: tuple[str, ...]
        if isinstance(behaviour, Reply):
            pieces = (behaviour.text,)
        else:
            assert isinstance(behaviour, StreamReply | DropMidStream | ErrorMidStream)
            pieces = tuple(behaviour.pieces)
        scripted = behaviour if isinstance(behaviour, Reply | StreamReply) else None
        model = (scripted.model if scripted else None) or str(body.get("model") or key)
        completion = _words("".join(pieces))
        return cls(
            pieces=pieces,
            model=model,
            finish_reason=scripted.finish_reason if scripted else "stop",
            prompt_tokens=(scripted.prompt_tokens if scripted else None) or prompt,
            completion_tokens=(scripted.completion_tokens if scripted else None) or completion,
            include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
        )

    def usage(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }

    def completion(self) -> dict[str, Any]:
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": _CREATED,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "".join(self.pieces)},
                    "finish_reason": self.finish_reason,
                }
            ],
            "usage": self.usage(),
        }

    def chunk(self, delta: Mapping[str, Any], finish_reason: str | None = None) -> bytes:
        choice = {"index": 0, "delta": dict(delta), "finish_reason": finish_reason}
        return self._event({"choices": [choice]})

    def usage_chunk(self) -> bytes:
        return self._event({"choices": [], "usage": self.usage()})

    def _event(self, fields: Mapping[str, Any]) -> bytes:
        payload = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": _CREATED,
            "model": self.model,
            **fields,
        }
        if self.include_usage:
            payload.setdefault("usage", None)
        return f"data: {json.dumps(payload)}\n\n".encode()


class _SSEResponse(Response):
    """Streams an answer as SSE, watching for the client leaving while it does."""

    def __init__(
        self, server: FakeOpenAI, record: RecordedRequest, behaviour: Behaviour, answer: _Answer
    ) -> None:
        super().__init__(media_type="text/event-stream")
        self._server = server
        self._record = record
        self._behaviour = behaviour
        self._answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream"),
                    (b"cache-control", b"no-cache"),
                ],
            }
        )
        producer = asyncio.ensure_future(self._produce(send))
        listener = asyncio.ensure_future(_until_disconnect(receive))
        await asyncio.wait({producer, listener}, return_when=asyncio.FIRST_COMPLETED)
        if not producer.done():
            producer.cancel()
            self._server._mark_disconnected(self._record)
        listener.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await producer
        # A DropMidStream returns here without the final body message: uvicorn cuts the
        # connection (and logs "ASGI callable returned without completing response").

    async def _produce(self, send: Send) -> None:
        answer, behaviour = self._answer, self._behaviour
        delay = behaviour.delay if isinstance(behaviour, StreamReply) else 0.0

        async def emit(data: bytes) -> None:
            await send({"type": "http.response.body", "body": data, "more_body": True})

        await emit(answer.chunk({"role": "assistant", "content": ""}))
        for piece in answer.pieces:
            if delay:
                await asyncio.sleep(delay)
            await emit(answer.chunk({"content": piece}))
        if isinstance(behaviour, DropMidStream):
            return
        if isinstance(behaviour, ErrorMidStream):
            await emit(f"data: {json.dumps({'error': dict(behaviour.error)})}\n\n".encode())
        else:
            await emit(answer.chunk({}, answer.finish_reason))
            if answer.include_usage:
                await emit(answer.usage_chunk())
            await emit(b"data: [DONE]\n\n")
        await send({"type": "http.response.body", "body": b"", "more_body": False})

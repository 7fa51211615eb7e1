"""Load-generator process for the streamed assistant: time to first and last event per stream.

Run by bench/run.py as its own process (never inside a server's interpreter), one process per
round. Each of `--clients` concurrent clients holds one persistent connection per `--path`
(REST: an HTTP/1.1 keep-alive connection; gRPC: a channel on its own HTTP/2 connection) and
opens streams one after the other, cycling through the paths (A B C A B C ...; client i starts i
paths later, `--offset` shifts every client), so all paths are measured over the same seconds
under the same load. `--warmup` unmeasured streams per path first; the measured streams start
once every client is warm.

The clock (time.perf_counter_ns) starts just before the request is written and stops when the
first complete event (a `data: {...}` block / a gRPC message) has been read, and again at the
final event. Prints one line, `AI_STREAM_JSON {path: {ttfe_us, ttle_us, deltas, errors}}`.

A stream counts as an error unless it answered 200 / OK with at least one delta before a final
`done` event without `error` whose usage counts exactly the deltas received.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
import uvloop
from huntaze.v1 import ai_assistant_pb2, ai_assistant_pb2_grpc

REST_PATH = "/api/ai-assistant/generate"
REPORT_PREFIX = "AI_STREAM_JSON "


class StreamError(Exception):
    """The stream did not answer as a successful generation does; `kind` names how."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


@dataclass(frozen=True)
class Sample:
    """One stream: nanoseconds from writing the request to its first and its last event."""

    first_ns: int
    last_ns: int
    deltas: int


@dataclass
class Report:
    samples: list[Sample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "ttfe_us": [round(s.first_ns / 1000, 1) for s in self.samples],
            "ttle_us": [round(s.last_ns / 1000, 1) for s in self.samples],
            "deltas": [s.deltas for s in self.samples],
            "errors": dict(self.errors),
        }


def check_final(deltas: int, final: dict[str, Any]) -> None:
    """The last event ends the stream cleanly and accounts for every delta received."""
    if not final.get("done"):
        raise StreamError("no_done_event")
    if final.get("error"):
        raise StreamError(f"error_event_{final['error'].get('code', 'unknown')}")
    if deltas == 0:
        raise StreamError("no_delta")
    if final.get("usage", {}).get("completionTokens") != deltas:
        raise StreamError("usage_mismatch")


class SseClient:
    """POSTs the generation request on one keep-alive HTTP/1.1 connection; reads the chunked
    text/event-stream answer event by event."""

    def __init__(self, host: str, port: int, token: str, body: bytes) -> None:
        self._host = host
        self._port = port
        self._request = (
            f"POST {REST_PATH} HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\n"
            f"Authorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\n"
            "Accept: text/event-stream\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self._host, self._port)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()
            self._reader = self._writer = None

    async def stream(self) -> Sample:
        if self._writer is None:
            await self.open()
        assert self._reader is not None and self._writer is not None
        reader = self._reader
        started = time.perf_counter_ns()
        self._writer.write(self._request)
        keep_alive = await self._read_head(reader)
        first_ns = 0
        deltas = 0
        final: dict[str, Any] = {}
        pending = b""
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                while (await reader.readline()) not in (b"\r\n", b""):
                    pass  # trailers, if any
                break
            pending += (await reader.readexactly(size + 2))[:-2]
            *events, pending = pending.split(b"\n\n")
            for raw in events:
                now = time.perf_counter_ns()
                event = json.loads(raw.removeprefix(b"data: "))
                if not first_ns:
                    if not event.get("delta"):
                        raise StreamError("first_event_without_delta")
                    first_ns = now - started
                if event.get("delta"):
                    deltas += 1
                final = event
        last_ns = time.perf_counter_ns() - started
        if not keep_alive:
            await self.close()
        check_final(deltas, final)
        return Sample(first_ns, last_ns, deltas)

    @staticmethod
    async def _read_head(reader: asyncio.StreamReader) -> bool:
        """Reads the status line and headers; returns whether the connection stays open."""
        status = await reader.readline()
        if not status:
            raise StreamError("connection_closed")
        headers = {}
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip().lower()
        code = status.split()[1].decode()
        if code != "200":
            raise StreamError(f"http_{code}")
        if not headers.get("content-type", "").startswith("text/event-stream"):
            raise StreamError("not_event_stream")
        if headers.get("transfer-encoding") != "chunked":
            raise StreamError("not_chunked")
        return headers.get("connection") != "close"


class GrpcClient:
    """Calls AIAssistantService/GenerateText on its own HTTP/2 connection."""

    def __init__(self, host: str, port: int, token: str, prompt: str, max_tokens: int) -> None:
        # A local subchannel pool: each client its own connection, as each REST client has.
        self._channel = grpc.aio.insecure_channel(
            f"{host}:{port}", options=[("grpc.use_local_subchannel_pool", 1)]
        )
        self._stub = ai_assistant_pb2_grpc.AIAssistantServiceStub(self._channel)
        self._request = ai_assistant_pb2.GenerateTextRequest(prompt=prompt, max_tokens=max_tokens)
        self._metadata = (("authorization", f"Bearer {token}"),)

    async def open(self) -> None:
        await self._channel.channel_ready()

    async def close(self) -> None:
        await self._channel.close()

    async def stream(self) -> Sample:
        started = time.perf_counter_ns()
        call = self._stub.GenerateText(self._request, metadata=self._metadata, timeout=60)
        first_ns = 0
        deltas = 0
        final = None
        try:
            async for event in call:
                if not first_ns:
                    if not event.delta:
                        raise StreamError("first_event_without_delta")
                    first_ns = time.perf_counter_ns() - started
                if event.delta:
                    deltas += 1
                final = event
        except grpc.aio.AioRpcError as error:
            raise StreamError(f"grpc_{error.code().name}") from error
        last_ns = time.perf_counter_ns() - started
        if final is None:
            raise StreamError("no_event")
        check_final(
            deltas,
            {
                "done": final.done,
                "error": {"code": final.error.code} if final.HasField("error") else None,
                "usage": {"completionTokens": final.usage.completion_tokens},
            },
        )
        return Sample(first_ns, last_ns, deltas)


Client = SseClient | GrpcClient


@dataclass(frozen=True)
class Target:
    """One way to the service: a name for the report, a protocol and a port."""

    name: str
    protocol: str  # "rest" or "grpc"
    port: int

    @classmethod
    def parse(cls, text: str) -> Target:
        """NAME=PROTOCOL:PORT, e.g. rest_envoy=rest:8080."""
        name, _, target = text.partition("=")
        protocol, _, port = target.partition(":")
        if protocol not in ("rest", "grpc"):
            raise argparse.ArgumentTypeError(f"unknown protocol in {text!r}")
        return cls(name, protocol, int(port))


async def run_client(
    clients: list[tuple[str, Client]],
    *,
    warmup: int,
    requests: int,
    warm: asyncio.Barrier,
    reports: dict[str, Report],
) -> None:
    """Cycles through the paths stream after stream (`clients` is already in this client's
    starting order), so every path is measured under the same conditions."""
    for _, client in clients:
        await client.open()
    try:
        for _ in range(warmup):
            for _, client in clients:
                await _one(client.stream, None)
        await warm.wait()
        for _ in range(requests):
            for name, client in clients:
                await _one(client.stream, reports[name])
    finally:
        for _, client in clients:
            await client.close()


async def _one(stream: Callable[[], Awaitable[Sample]], report: Report | None) -> None:
    try:
        sample = await stream()
    except (StreamError, OSError, asyncio.IncompleteReadError, ValueError) as error:
        kind = error.kind if isinstance(error, StreamError) else type(error).__name__
        if report is None:
            raise RuntimeError(f"warm-up stream failed: {kind}") from error
        report.errors[kind] += 1
        return
    if report is not None:
        report.samples.append(sample)


def make_client(path: Target, args: argparse.Namespace) -> Client:
    if path.protocol == "rest":
        body = json.dumps({"prompt": args.prompt, "maxTokens": args.max_tokens}).encode()
        return SseClient(args.host, path.port, args.token, body)
    return GrpcClient(args.host, path.port, args.token, args.prompt, args.max_tokens)


async def main(args: argparse.Namespace) -> dict[str, Report]:
    paths: list[Target] = args.path
    reports = {path.name: Report() for path in paths}
    warm = asyncio.Barrier(args.clients)
    async with asyncio.TaskGroup() as group:
        for index in range(args.clients):
            # Client i starts i paths later than the first: no path is always first in line.
            shift = (args.offset + index) % len(paths)
            order = paths[shift:] + paths[:shift]
            group.create_task(
                run_client(
                    [(path.name, make_client(path, args)) for path in order],
                    warmup=args.warmup,
                    requests=args.requests,
                    warm=warm,
                    reports=reports,
                )
            )
    return reports


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bench/ai_stream.py", description=__doc__)
    parser.add_argument(
        "--path", type=Target.parse, action="append", required=True, help="NAME=rest|grpc:PORT"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--token", required=True)
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--max-tokens", type=int, required=True)
    parser.add_argument("--clients", type=int, default=1, help="concurrent clients")
    parser.add_argument(
        "--requests", type=int, default=100, help="measured streams per path and client"
    )
    parser.add_argument(
        "--warmup", type=int, default=10, help="unmeasured streams per path and client"
    )
    parser.add_argument("--offset", type=int, default=0, help="rotates the paths' order")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    result = uvloop.run(main(arguments))
    print(REPORT_PREFIX + json.dumps({name: r.to_json() for name, r in result.items()}), flush=True)

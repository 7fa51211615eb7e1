"""CPU per call of the interceptor chain alone, in process: no socket, no grpc core.

    .venv/bin/python bench/chain_cost.py                       # every layer
    .venv/bin/python bench/chain_cost.py context access        # only those layers

Runs the chain `build_interceptors` makes (the real layers, a shared-memory rate-limit table,
multiprocess metrics in a temporary directory, JSON log lines to /dev/null) around an Echo
handler, with a stand-in for grpc's servicer context; prints µs of CPU per call. A layer's
cost is the difference with and without it (`context` is needed by the others). In a running
worker the same work costs ~2x more (bench/README.md, "The third pass").
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

LAYERS = ("context", "access", "metrics", "errors", "auth", "origin", "rate_limit", "validation")
METHOD = "/huntaze.v1.HealthService/Echo"


class _Details:
    method = METHOD
    invocation_metadata = ()


class _Context:
    """What the layers call on grpc.aio's servicer context, doing nothing."""

    _METADATA = (
        ("x-request-id", "0b8c3c0e-1d1a-4c7e-9d3e-7b5c1c2f0a11"),
        ("x-huntaze-client-address", "10.0.0.7"),
        ("content-type", "application/grpc"),
    )

    def invocation_metadata(self) -> tuple[tuple[str, str], ...]:
        return self._METADATA

    def peer(self) -> str:
        return "unix:/run/huntaze/worker-0.sock"

    async def send_initial_metadata(self, metadata: object) -> None:
        return None

    def code(self) -> None:
        return None

    def set_trailing_metadata(self, metadata: object) -> None:
        return None


async def measure(layers: Sequence[str], calls: int) -> float:
    """µs of CPU per call through `layers`."""
    import grpc
    from huntaze.v1 import health_pb2
    from prometheus_client import CollectorRegistry

    from interceptors.chain import ChainConfig, build_interceptors
    from interceptors.metrics import RpcMetrics
    from interceptors.rate_limit import RULE_NAMES, RateLimitRule
    from interceptors.rate_limit.shared_memory import (
        SharedMemoryRateLimiter,
        create_bucket_table,
    )

    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    limiter = SharedMemoryRateLimiter(create_bucket_table(directory / "buckets"))
    unlimited = RateLimitRule(10**9, 1)
    chain = build_interceptors(
        config=ChainConfig(
            allowed_origins=[], rate_limit_rules=dict.fromkeys(RULE_NAMES, unlimited)
        ),
        tokens=None,  # type: ignore[arg-type]  # Echo is public: never called
        accounts=None,  # type: ignore[arg-type]
        limiter=limiter,
        session_of=lambda request: None,
        metrics=RpcMetrics(CollectorRegistry()),
    )
    chosen = [layer for name, layer in zip(LAYERS, chain, strict=True) if name in layers]

    async def echo(request: Any, context: Any) -> Any:
        return health_pb2.EchoResponse(message=request.message)

    innermost = grpc.unary_unary_rpc_method_handler(echo)

    def continuation(index: int) -> Callable[[Any], Awaitable[Any]]:
        async def resolve(details: Any) -> Any:
            if index == len(chosen):
                return innermost
            return await chosen[index].intercept_service(continuation(index + 1), details)

        return resolve

    request = health_pb2.EchoRequest(message="huntaze-bench")
    resolve = continuation(0)

    async def call() -> None:
        wrapped = await resolve(_Details())
        await wrapped.unary_unary(request, _Context())

    for _ in range(calls // 10):  # warm-up: caches, metric children, the bucket
        await call()
    started = time.process_time()
    for _ in range(calls):
        await call()
    elapsed = time.process_time() - started
    await limiter.aclose()
    return elapsed / calls * 1e6


def _log_to_nowhere() -> None:
    """JSON lines as the server writes them, to /dev/null."""
    from interceptors.logging import configure_logging

    configure_logging("INFO")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(open(os.devnull, "w"))  # noqa: SIM115 (open for the whole run)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("layers", nargs="*", help=f"any of {', '.join(LAYERS)} (default: all)")
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args(argv)
    unknown = set(args.layers) - set(LAYERS)
    if unknown:
        parser.error(f"no layer {', '.join(sorted(unknown))}; the layers: {', '.join(LAYERS)}")
    args.layers = args.layers or list(LAYERS)
    _log_to_nowhere()
    with tempfile.TemporaryDirectory() as directory:
        # Before prometheus_client is imported: its values are chosen at import.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = directory
        cost = asyncio.run(measure(args.layers, args.calls))
    print(f"{' '.join(args.layers)}: {cost:.1f} µs of CPU per call ({args.calls} calls)")


if __name__ == "__main__":
    main(sys.argv[1:])

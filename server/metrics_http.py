"""The supervisor's Prometheus endpoint: every worker's metrics aggregated (multiprocess mode)
plus the supervisor's process metrics, optionally behind a bearer token.

It listens on a Unix socket in the runtime directory; Envoy routes /api/metrics there (rewritten
to /metrics). Errors are the API's one JSON error shape, like every other answer through Envoy.
"""

from __future__ import annotations

import hmac
import json
import socketserver
import threading
from collections.abc import Callable, Iterable, Mapping
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector


class WorkerProcessCollector(Collector):
    """process_* metrics (CPU, memory, file descriptors...) of every live worker, labelled
    `worker="<index>"`: multiprocess mode collects no process metrics for the workers."""

    def __init__(self, worker_pids: Callable[[], Mapping[int, int]]) -> None:
        self._worker_pids = worker_pids

    def collect(self) -> Iterable[Metric]:
        families: dict[str, Metric] = {}
        for index, pid in sorted(self._worker_pids().items()):
            collector = ProcessCollector(
                namespace="huntaze_worker", pid=lambda pid=pid: pid, registry=None
            )
            for metric in collector.collect():
                family = families.setdefault(
                    metric.name, Metric(metric.name, metric.documentation, metric.type)
                )
                for sample in metric.samples:
                    labels = {**sample.labels, "worker": str(index)}
                    family.add_sample(sample.name, labels, sample.value)
        return families.values()


def aggregated_registry(
    multiproc_dir: str, worker_pids: Callable[[], Mapping[int, int]]
) -> CollectorRegistry:
    """Every worker's RPC metrics summed, each worker's process metrics, the supervisor's own."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiproc_dir)
    registry.register(WorkerProcessCollector(worker_pids))
    ProcessCollector(registry=registry)
    return registry


class _UnixHTTPServer(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


def _error_body(code: int, message: str, reason: str) -> bytes:
    """{code, message, details} as the API's other errors (gRPC code, google.rpc.ErrorInfo)."""
    detail = {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": reason,
        "domain": "huntaze.com",
    }
    return json.dumps({"code": code, "message": message, "details": [detail]}).encode()


def start_metrics_server(
    path: Path, registry: CollectorRegistry, *, token: str = ""
) -> socketserver.ThreadingUnixStreamServer:
    """Serve GET /metrics on the Unix socket `path` in a daemon thread; returns the server (call
    shutdown() and server_close() to stop)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != "/metrics":
                self._reply(404, _error_body(5, "not found", "NOT_FOUND"), "application/json")
                return
            if token and not _bearer_matches(self.headers.get("authorization", ""), token):
                body = _error_body(16, "a valid metrics token is required", "UNAUTHENTICATED")
                self._reply(401, body, "application/json")
                return
            self._reply(200, generate_latest(registry), CONTENT_TYPE_LATEST)

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(body)))
            if status == 401:
                self.send_header("www-authenticate", "Bearer")
            self.end_headers()
            self.wfile.write(body)

        def address_string(self) -> str:
            return "envoy"  # a Unix socket peer has no address

        def log_message(self, format: str, *args: object) -> None:
            """Scrapes are frequent and uninteresting: no access log."""

    path.unlink(missing_ok=True)
    server = _UnixHTTPServer(str(path), Handler)
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)

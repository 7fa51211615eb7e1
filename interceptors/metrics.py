"""Prometheus RPC metrics, named and labelled like go-grpc-prometheus so existing dashboards work.

grpc_code values use the Go spelling of the codes ("OK", "NotFound", "ResourceExhausted"...), as
go-grpc-prometheus does. In Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR set before the
workers start) counters and histograms are summed across worker processes and the in-flight
gauge is a live sum.
"""

from __future__ import annotations

import time

import grpc
import grpc.aio
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from interceptors.handlers import CallHooks, HookInterceptor, outcome, rpc_type

_GO_CODE_NAMES = {
    grpc.StatusCode.OK: "OK",
    grpc.StatusCode.CANCELLED: "Canceled",
    grpc.StatusCode.UNKNOWN: "Unknown",
    grpc.StatusCode.INVALID_ARGUMENT: "InvalidArgument",
    grpc.StatusCode.DEADLINE_EXCEEDED: "DeadlineExceeded",
    grpc.StatusCode.NOT_FOUND: "NotFound",
    grpc.StatusCode.ALREADY_EXISTS: "AlreadyExists",
    grpc.StatusCode.PERMISSION_DENIED: "PermissionDenied",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "ResourceExhausted",
    grpc.StatusCode.FAILED_PRECONDITION: "FailedPrecondition",
    grpc.StatusCode.ABORTED: "Aborted",
    grpc.StatusCode.OUT_OF_RANGE: "OutOfRange",
    grpc.StatusCode.UNIMPLEMENTED: "Unimplemented",
    grpc.StatusCode.INTERNAL: "Internal",
    grpc.StatusCode.UNAVAILABLE: "Unavailable",
    grpc.StatusCode.DATA_LOSS: "DataLoss",
    grpc.StatusCode.UNAUTHENTICATED: "Unauthenticated",
}


def go_code_name(code: grpc.StatusCode) -> str:
    return _GO_CODE_NAMES[code]


def split_method(method: str) -> tuple[str, str]:
    """'/huntaze.v1.UserService/GetMe' -> ('huntaze.v1.UserService', 'GetMe')."""
    service, _, name = method.lstrip("/").partition("/")
    return service, name


class RpcMetrics:
    """The RPC metric families, registered on `registry` (the default registry when None)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        labels = ("grpc_type", "grpc_service", "grpc_method")
        kwargs = {"registry": registry} if registry is not None else {}
        self.started = Counter(
            "grpc_server_started_total", "RPCs started on the server.", labels, **kwargs
        )
        self.handled = Counter(
            "grpc_server_handled_total",
            "RPCs completed on the server, regardless of success or failure.",
            (*labels, "grpc_code"),
            **kwargs,
        )
        self.handling_seconds = Histogram(
            "grpc_server_handling_seconds",
            "Response latency (seconds) of RPCs handled by the server.",
            labels,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
            **kwargs,
        )
        self.msg_received = Counter(
            "grpc_server_msg_received_total",
            "Request messages received on the server (every kind of RPC).",
            labels,
            **kwargs,
        )
        self.msg_sent = Counter(
            "grpc_server_msg_sent_total",
            "Response messages sent by the server (every kind of RPC).",
            labels,
            **kwargs,
        )
        self.unexpected_errors = Counter(
            "huntaze_unexpected_errors_total",
            "Exceptions no layer expected (answered as INTERNAL), by exception class.",
            ("grpc_service", "grpc_method", "exception"),
            **kwargs,
        )
        self.in_flight = Gauge(
            "grpc_server_in_flight",
            "RPCs being handled right now.",
            labels,
            multiprocess_mode="livesum",
            **kwargs,
        )


class _MetricsHooks(CallHooks):
    __slots__ = ("labels", "metrics", "started_at")

    def __init__(self, metrics: RpcMetrics, labels: tuple[str, str, str]) -> None:
        self.metrics = metrics
        self.labels = labels
        self.started_at = 0.0

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        self.started_at = time.perf_counter()
        self.metrics.started.labels(*self.labels).inc()
        self.metrics.in_flight.labels(*self.labels).inc()

    async def received(self, message: object) -> None:
        self.metrics.msg_received.labels(*self.labels).inc()

    async def sending(self, message: object, context: grpc.aio.ServicerContext) -> None:
        self.metrics.msg_sent.labels(*self.labels).inc()

    async def finished(
        self, context: grpc.aio.ServicerContext, error: BaseException | None
    ) -> None:
        metrics = self.metrics
        metrics.in_flight.labels(*self.labels).dec()
        metrics.handling_seconds.labels(*self.labels).observe(time.perf_counter() - self.started_at)
        code = go_code_name(outcome(context, error))
        metrics.handled.labels(*self.labels, code).inc()


class MetricsInterceptor(HookInterceptor):
    def __init__(self, metrics: RpcMetrics) -> None:
        self.metrics = metrics

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks:
        service, name = split_method(method)
        return _MetricsHooks(self.metrics, (rpc_type(handler), service, name))

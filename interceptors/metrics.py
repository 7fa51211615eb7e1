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


class _MethodMetrics:
    """One method's metric children, looked up once: `labels()` takes a lock and checks its
    values on every call, seven times per RPC otherwise."""

    __slots__ = (
        "_handled",
        "handled_family",
        "handling_seconds",
        "in_flight",
        "labels",
        "msg_received",
        "msg_sent",
        "started",
    )

    def __init__(self, metrics: RpcMetrics, labels: tuple[str, str, str]) -> None:
        self.labels = labels
        self.started = metrics.started.labels(*labels)
        self.in_flight = metrics.in_flight.labels(*labels)
        self.msg_received = metrics.msg_received.labels(*labels)
        self.msg_sent = metrics.msg_sent.labels(*labels)
        self.handling_seconds = metrics.handling_seconds.labels(*labels)
        self.handled_family = metrics.handled
        self._handled: dict[grpc.StatusCode, Counter] = {}  # a code's series once it happened

    def handled(self, code: grpc.StatusCode) -> Counter:
        child = self._handled.get(code)
        if child is None:
            child = self._handled[code] = self.handled_family.labels(
                *self.labels, go_code_name(code)
            )
        return child


class _MetricsHooks(CallHooks):
    __slots__ = ("method", "started_at")

    def __init__(self, method: _MethodMetrics) -> None:
        self.method = method
        self.started_at = 0.0

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        self.started_at = time.perf_counter()
        self.method.started.inc()
        self.method.in_flight.inc()

    async def received(self, message: object) -> None:
        self.method.msg_received.inc()

    async def sending(self, message: object, context: grpc.aio.ServicerContext) -> None:
        self.method.msg_sent.inc()

    async def finished(
        self, context: grpc.aio.ServicerContext, error: BaseException | None
    ) -> None:
        method = self.method
        method.in_flight.dec()
        method.handling_seconds.observe(time.perf_counter() - self.started_at)
        method.handled(outcome(context, error)).inc()


class MetricsInterceptor(HookInterceptor):
    def __init__(self, metrics: RpcMetrics) -> None:
        self.metrics = metrics
        self._methods: dict[tuple[str, str], _MethodMetrics] = {}

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks:
        kind = rpc_type(handler)
        children = self._methods.get((method, kind))
        if children is None:
            service, name = split_method(method)
            children = self._methods[method, kind] = _MethodMetrics(
                self.metrics, (kind, service, name)
            )
        return _MetricsHooks(children)

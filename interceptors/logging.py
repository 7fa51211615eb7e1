"""Structured JSON logs (one object per line) and the per-RPC access log.

Every line carries the request id of the RPC it was written in (from the RequestContext
ContextVar), so all lines of one request, from any module, can be found together.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

import grpc
import grpc.aio
import orjson

from interceptors.context import maybe_current_request
from interceptors.handlers import CallHooks, HookInterceptor, outcome

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(
    {*vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)), "message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """ts (ISO-8601, UTC), level, logger, message, request_id, pid, the `extra` fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is None:
            request = maybe_current_request()
            request_id = request.request_id if request is not None else None
        if request_id is not None:
            entry["request_id"] = request_id
        entry["pid"] = record.process
        for key, value in vars(record).items():  # the `extra` fields, in the caller's order
            if key not in _STANDARD_ATTRIBUTES and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        try:  # orjson: several times the standard library's speed on an access-log line
            return orjson.dumps(entry, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
        except orjson.JSONEncodeError:  # what it refuses (e.g. an int beyond 64 bits)
            return json.dumps(entry, default=str, ensure_ascii=False)


class _InvalidHeaderEncoding(logging.Filter):
    """grpc logs an error with a traceback each time it meets request metadata that is not
    UTF-8 (a client's bytes in a header), and then hands the value over as bytes, which our
    layers refuse like any bad header (e.g. a 401 for such an authorization). The traceback is
    noise a client can produce at will: drop it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Invalid encoding on")


def configure_logging(level: str | int = "INFO") -> None:
    """Send every log record to stderr as one JSON line; replaces the root logger's handlers.

    Records skip what our lines never print: the caller's file and line (a walk up the stack
    on every record), the thread and the multiprocessing names (the logging HOWTO's
    "Optimization" switches). The access log writes a record per RPC.
    """
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logMultiprocessing = False
    grpc_logger = logging.getLogger("grpc._cython.cygrpc")
    if not any(isinstance(f, _InvalidHeaderEncoding) for f in grpc_logger.filters):
        grpc_logger.addFilter(_InvalidHeaderEncoding())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)


_SERVER_ERRORS = frozenset(
    {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS}
)


# Load balancers probe these every second per worker: successful probes log at DEBUG only.
_PROBE_PREFIX = "/grpc.health.v1.Health/"


class _AccessLogHooks(CallHooks):
    __slots__ = ("logger", "method", "started_at")

    def __init__(self, logger: logging.Logger, method: str) -> None:
        self.logger = logger
        self.method = method
        self.started_at = time.perf_counter()

    def _level(self, code: grpc.StatusCode) -> int:
        if code in _SERVER_ERRORS:
            return logging.ERROR
        if code is grpc.StatusCode.OK and self.method.startswith(_PROBE_PREFIX):
            return logging.DEBUG
        return logging.INFO

    async def finished(
        self, context: grpc.aio.ServicerContext, error: BaseException | None
    ) -> None:
        code = outcome(context, error)
        request = maybe_current_request()
        principal = request.principal if request else None
        level = self._level(code)
        if not self.logger.isEnabledFor(level):
            return
        self.logger.log(
            level,
            "%s %s",
            self.method,
            code.name,
            extra={
                "event": "rpc",
                "method": self.method,
                "grpc_code": code.name,
                "duration_ms": round((time.perf_counter() - self.started_at) * 1000, 3),
                "user_id": principal.user_id if principal else None,
                "client_address": request.client_address if request else None,
            },
        )


class AccessLogInterceptor(HookInterceptor):
    """One access-log line per RPC: method, grpc code, duration, user id, client address."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        return _AccessLogHooks(self.logger, method)

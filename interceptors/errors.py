"""The one mapping from domain exceptions to gRPC status (with google.rpc details).

Everything the layers inside it raise comes through here: servicers, use cases and the auth,
rate-limit and validation interceptors all raise services.errors.DomainError subclasses.

    InvalidArgument     INVALID_ARGUMENT     + BadRequest field violations      400
    PayloadTooLarge     INVALID_ARGUMENT     + x-huntaze-http-status: 413        413
    UnsupportedMedia... INVALID_ARGUMENT     + x-huntaze-http-status: 415        415
    RangeNotSatisfiable OUT_OF_RANGE         + x-huntaze-http-status: 416        416
    FailedPrecondition  FAILED_PRECONDITION                                      400
    PaymentRequired     FAILED_PRECONDITION  + x-huntaze-http-status: 402        402
    Unauthenticated     UNAUTHENTICATED      + www-authenticate: Bearer          401
    PermissionDenied    PERMISSION_DENIED                                        403
    NotFound            NOT_FOUND                                                404
    Conflict            ALREADY_EXISTS                                           409
    QuotaExceeded       RESOURCE_EXHAUSTED   + RetryInfo, retry-after header     429
    NotImplementedError UNIMPLEMENTED        (generated *Servicer base classes)  501
    Unavailable         UNAVAILABLE          + RetryInfo, retry-after when known 503
    anything else       INTERNAL "internal error"; the traceback goes to the log only and
                        huntaze_unexpected_errors_total{exception} counts it

Field violations name fields as use cases and the validation interceptor do (proto field names,
dotted: `recipient.last_purchase_at`); this mapping alone turns them into the JSON paths clients
wrote (`recipient.lastPurchaseAt`). Every error also carries google.rpc.ErrorInfo{reason,
domain}. The details travel in `grpc-status-details-bin`, which Envoy's transcoder turns into the
JSON error body; the trailers also carry x-request-id and the headers queued in the
RequestContext (Envoy shows error trailers as HTTP headers).
"""

from __future__ import annotations

import logging
import math
import re

import grpc
import grpc.aio
from google.protobuf import any_pb2, duration_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from interceptors.context import maybe_current_request
from interceptors.handlers import CallHooks, HookInterceptor
from interceptors.metrics import RpcMetrics, split_method
from interceptors.validation import json_path
from services import errors

ERROR_DOMAIN = "huntaze.com"
# Envoy answers REST with this status instead of the one it derives from the gRPC code (for
# statuses gRPC has no code for: 402, 413, 415, 416; DomainError.http_status), on the routes
# whose Lua filter applies it.
HTTP_STATUS_HEADER = "x-huntaze-http-status"
INTERNAL_MESSAGE = "internal error"
# Details travel in a trailer, which Envoy caps with the headers (60 KiB): a request with
# thousands of bad fields (a batch of events) would overflow it and reach the client as a 502.
MAX_DETAILED_VIOLATIONS = 100

_CODES: tuple[tuple[type[errors.DomainError], grpc.StatusCode], ...] = (
    (errors.RangeNotSatisfiable, grpc.StatusCode.OUT_OF_RANGE),
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.PayloadTooLarge, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.PaymentRequired, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.Unauthenticated, grpc.StatusCode.UNAUTHENTICATED),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.Conflict, grpc.StatusCode.ALREADY_EXISTS),
    (errors.QuotaExceeded, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE),
)


def status_code_of(error: errors.DomainError) -> grpc.StatusCode:
    for kind, code in _CODES:
        if isinstance(error, kind):
            return code
    return grpc.StatusCode.INTERNAL  # a DomainError subclass nobody mapped yet: a bug


def _reason(error: BaseException) -> str:
    """'QuotaExceeded' -> 'QUOTA_EXCEEDED': a stable machine-readable ErrorInfo.reason."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).upper()


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def to_status(
    error: BaseException,
) -> tuple[grpc.StatusCode, str, tuple[tuple[str, str | bytes], ...]]:
    """(code, message, trailing metadata) for an error; INTERNAL for anything unexpected."""
    headers: list[tuple[str, str | bytes]] = []
    if isinstance(error, errors.DomainError):
        code, message = status_code_of(error), error.message
    elif isinstance(error, NotImplementedError):
        code, message = grpc.StatusCode.UNIMPLEMENTED, "method not implemented"
    else:
        code, message = grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE
    if code is grpc.StatusCode.INTERNAL:
        message = INTERNAL_MESSAGE
        reason = "INTERNAL"
    elif isinstance(error, NotImplementedError):
        reason = "UNIMPLEMENTED"
    elif isinstance(error, errors.DomainError) and error.reason:
        reason = error.reason
    else:
        reason = _reason(error)

    metadata = error.metadata if isinstance(error, errors.DomainError) else {}
    details = [
        _pack(error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata))
    ]
    if isinstance(error, errors.InvalidArgument) and error.violations:
        message = _with_json_paths(message, error.violations)
        if len(error.violations) > MAX_DETAILED_VIOLATIONS:
            message += (
                f" ({len(error.violations)} violations; the details name the first "
                f"{MAX_DETAILED_VIOLATIONS})"
            )
        details.append(
            _pack(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=json_path(violation.field),
                            description=violation.description,
                            reason=violation.reason,
                        )
                        for violation in error.violations[:MAX_DETAILED_VIOLATIONS]
                    ]
                )
            )
        )
    if isinstance(error, errors.RetryableError) and error.retry_after is not None:
        seconds = max(1, math.ceil(error.retry_after))
        details.append(
            _pack(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=seconds)))
        )
        headers.append(("retry-after", str(seconds)))
    if isinstance(error, errors.Unauthenticated):
        headers.append(("www-authenticate", 'Bearer realm="huntaze"'))
    if isinstance(error, errors.DomainError) and error.http_status is not None:
        headers.append((HTTP_STATUS_HEADER, str(error.http_status)))

    status = rpc_status.to_status(
        status_pb2.Status(code=code.value[0], message=message, details=details)
    )
    return code, message, (*status.trailing_metadata, *headers)


def _with_json_paths(message: str, violations: list[errors.FieldViolation]) -> str:
    """The message as clients read it: a use case names its fields as the domain does
    (`recipient.last_purchase_at`), clients know their JSON names (`recipient.lastPurchaseAt`)."""
    for field in sorted({v.field for v in violations}, key=len, reverse=True):
        if field:
            message = message.replace(field, json_path(field))
    return message


class _ErrorHooks(CallHooks):
    __slots__ = ("logger", "metrics")

    def __init__(self, logger: logging.Logger, metrics: RpcMetrics) -> None:
        self.logger = logger
        self.metrics = metrics

    async def failed(self, error: Exception, context: grpc.aio.ServicerContext) -> None:
        if isinstance(error, grpc.aio.AbortError):
            return  # someone already chose a status on purpose
        code, message, trailers = to_status(error)
        request = maybe_current_request()
        if code is grpc.StatusCode.INTERNAL:
            service, method = split_method(request.method if request else "/?/?")
            self.metrics.unexpected_errors.labels(service, method, type(error).__name__).inc()
            self.logger.error(
                "unhandled exception in %s",
                request.method if request else "?",
                exc_info=error,
                extra={
                    "event": "rpc.internal_error",
                    "request_id": request.request_id if request else None,
                },
            )
        if request is not None:
            trailers = (*trailers, *request.outgoing_metadata())
        await context.abort(code, message, trailing_metadata=trailers)


class ErrorInterceptor(HookInterceptor):
    """Maps what the inner layers raise to a gRPC status; see the module docstring."""

    def __init__(self, logger: logging.Logger, metrics: RpcMetrics) -> None:
        self._hooks = _ErrorHooks(logger, metrics)

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks:
        return self._hooks  # stateless: one instance serves every call

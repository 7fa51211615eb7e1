"""Per-RPC request context, set by the interceptors and read by servicers and loggers.

grpc.aio runs each RPC in its own task, so a ContextVar set by the interceptor around the
handler is visible to the servicer and to every log line it emits, and to nothing else.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

from services.auth.principal import Principal


@dataclass
class RequestContext:
    request_id: str
    method: str  # full gRPC method name, e.g. "/huntaze.v1.AuthService/SignIn"
    client_address: str  # the real client's address as Envoy saw it, or the socket peer
    principal: Principal | None = None
    # Response headers a servicer or interceptor wants sent (as initial metadata).
    response_headers: list[tuple[str, str]] = field(default_factory=list)


_current: ContextVar[RequestContext | None] = ContextVar("huntaze_request", default=None)


def current_request() -> RequestContext:
    request = _current.get()
    if request is None:
        raise RuntimeError("no request context: called outside an RPC")
    return request


def maybe_current_request() -> RequestContext | None:
    return _current.get()


def set_current_request(request: RequestContext | None) -> object:
    """Returns a token for reset_current_request."""
    return _current.set(request)


def reset_current_request(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def current_principal() -> Principal:
    """The authenticated caller; only valid inside non-public RPCs (auth interceptor ran)."""
    principal = current_request().principal
    if principal is None:
        raise RuntimeError("no principal: the method is public or auth did not run")
    return principal

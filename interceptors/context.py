"""Per-RPC request context, set by the interceptors and read by servicers and loggers.

grpc.aio runs each RPC in its own task, so a ContextVar set by the interceptor around the
handler is visible to the servicer and to every log line it emits, and to nothing else.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

import grpc
import grpc.aio

from interceptors.handlers import CallHooks, HookInterceptor
from services.common.principal import Principal

REQUEST_ID_HEADER = "x-request-id"
# Envoy sets this to the downstream address it saw (request_headers_to_add, OVERWRITE). It is
# believed only on a worker's private Unix socket, which only Envoy connects to.
CLIENT_ADDRESS_HEADER = "x-huntaze-client-address"
# The address of a call that came over a private socket without Envoy's header.
LOCAL_ADDRESS = "local"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


@dataclass
class RequestContext:
    request_id: str
    method: str  # full gRPC method name, e.g. "/huntaze.v1.AuthService/SignIn"
    client_address: str  # the real client's address as Envoy saw it, or the socket peer
    # The call's request metadata (HTTP headers through Envoy), read once: grpc decodes it anew,
    # and logs an error for a value that is not UTF-8, on every invocation_metadata() call.
    metadata: tuple[tuple[str, str | bytes], ...] = ()
    principal: Principal | None = None
    # Response headers a servicer or interceptor wants sent (as initial metadata).
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    # time.perf_counter() when the server took the call: responses report their duration.
    started_at: float = field(default_factory=time.perf_counter)

    def header_values(self, name: str) -> list[str]:
        """Every text value of one request header (names are lower case in gRPC); values that
        are not valid UTF-8 arrive as bytes and are left out."""
        return [value for key, value in self.metadata if key == name and isinstance(value, str)]

    def cookie(self, name: str) -> str | None:
        """The cookie's value from the `cookie` header(s), or None; malformed headers are
        ignored."""
        for header in self.header_values("cookie"):
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            if name in jar and jar[name].value:
                return jar[name].value
        return None

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self.started_at) * 1000

    def outgoing_metadata(self) -> tuple[tuple[str, str], ...]:
        """What the caller gets back as headers: x-request-id plus the queued response headers.

        Sent as initial metadata on success and as trailing metadata on errors (Envoy turns
        error trailers into HTTP headers).
        """
        return ((REQUEST_ID_HEADER, self.request_id), *self.response_headers)


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


def request_id_from(value: str | None) -> str:
    """The caller's request id when it is a sane token (Envoy's x-request-id), else a new one."""
    if value and _SANE_REQUEST_ID.fullmatch(value):
        return value
    return str(uuid.uuid4())


def peer_ip(peer: str) -> str:
    """'ipv4:127.0.0.1:5555' -> '127.0.0.1', 'ipv6:[::1]:5555' -> '::1', 'unix:...' as is."""
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    if kind == "ipv6":
        host = rest.rpartition(":")[0]
        return host.strip("[]")
    return peer


def client_address_from(peer: str, forwarded: str | None) -> str:
    """The caller's address. On a private Unix socket (the only way in for Envoy, and for no
    one else: the socket lives in a directory only the server's user can open) the address
    Envoy saw; on a TCP port (the shared port internal callers use) the socket peer, whatever
    headers claim."""
    if not peer.startswith("unix:"):
        return peer_ip(peer)
    if forwarded:
        try:
            return str(ipaddress.ip_address(forwarded.strip()))
        except ValueError:
            pass  # Envoy always sends an address; anything else is not believed
    return LOCAL_ADDRESS


class _ContextHooks(CallHooks):
    __slots__ = ("method", "request", "sent_headers", "token")

    def __init__(self, method: str) -> None:
        self.method = method
        self.request: RequestContext | None = None
        self.sent_headers = False
        self.token: object | None = None

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        metadata = tuple(context.invocation_metadata() or ())
        headers = {key: value for key, value in metadata if isinstance(value, str)}
        self.request = RequestContext(
            request_id=request_id_from(headers.get(REQUEST_ID_HEADER)),
            method=self.method,
            client_address=client_address_from(
                context.peer() or "", headers.get(CLIENT_ADDRESS_HEADER)
            ),
            metadata=metadata,
        )
        self.token = set_current_request(self.request)

    async def sending(self, message: object, context: grpc.aio.ServicerContext) -> None:
        if not self.sent_headers and self.request is not None:
            self.sent_headers = True
            await context.send_initial_metadata(self.request.outgoing_metadata())

    async def failed(self, error: Exception, context: grpc.aio.ServicerContext) -> None:
        # An AbortError already carries its trailers (the errors interceptor adds ours); for
        # anything else, set them now so the caller still gets the request id.
        if self.request is not None and not isinstance(error, grpc.aio.AbortError):
            context.set_trailing_metadata(self.request.outgoing_metadata())

    async def finished(
        self, context: grpc.aio.ServicerContext, error: BaseException | None
    ) -> None:
        if self.token is not None:
            # A stream finalised from another context has nothing to restore.
            with contextlib.suppress(ValueError):
                reset_current_request(self.token)


class ContextInterceptor(HookInterceptor):
    """Outermost: request id, client address and headers into the RequestContext for the whole
    call; x-request-id and servicer-queued headers back to the caller."""

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks:
        return _ContextHooks(method)

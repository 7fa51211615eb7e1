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
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field

import grpc
import grpc.aio

from interceptors.handlers import CallHooks, HookInterceptor
from services.auth.principal import Principal

REQUEST_ID_HEADER = "x-request-id"
# Envoy sets this to the downstream address it saw (request_headers_to_add, OVERWRITE), so it is
# believed only when the socket peer is one of settings.trusted_proxies.
CLIENT_ADDRESS_HEADER = "x-huntaze-client-address"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


@dataclass
class RequestContext:
    request_id: str
    method: str  # full gRPC method name, e.g. "/huntaze.v1.AuthService/SignIn"
    client_address: str  # the real client's address as Envoy saw it, or the socket peer
    principal: Principal | None = None
    # Response headers a servicer or interceptor wants sent (as initial metadata).
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    # time.perf_counter() when the server took the call: responses report their duration.
    started_at: float = field(default_factory=time.perf_counter)

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


class TrustedProxies:
    """Addresses or networks (CIDR) whose forwarded client address is believed."""

    def __init__(self, entries: Iterable[str]) -> None:
        self._networks = [ipaddress.ip_network(entry.strip(), strict=False) for entry in entries]

    def __contains__(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self._networks)


def client_address_from(peer_address: str, forwarded: str | None, trusted: TrustedProxies) -> str:
    """The forwarded address only from a trusted proxy (Envoy); otherwise the socket peer."""
    if forwarded and peer_address in trusted:
        candidate = forwarded.strip()
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass  # a trusted proxy sent garbage: fall back to the peer rather than trust it
    return peer_address


class _ContextHooks(CallHooks):
    __slots__ = ("interceptor", "method", "request", "sent_headers", "token")

    def __init__(self, interceptor: ContextInterceptor, method: str) -> None:
        self.interceptor = interceptor
        self.method = method
        self.request: RequestContext | None = None
        self.sent_headers = False
        self.token: object | None = None

    async def start(self, context: grpc.aio.ServicerContext) -> None:
        metadata = dict(context.invocation_metadata() or ())
        self.request = RequestContext(
            request_id=request_id_from(metadata.get(REQUEST_ID_HEADER)),
            method=self.method,
            client_address=client_address_from(
                peer_ip(context.peer() or ""),
                metadata.get(CLIENT_ADDRESS_HEADER),
                self.interceptor.trusted_proxies,
            ),
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
    """Outermost: request id and client address into the RequestContext for the whole call;
    x-request-id and servicer-queued headers back to the caller."""

    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        self.trusted_proxies = TrustedProxies(trusted_proxies)

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks:
        return _ContextHooks(self, method)

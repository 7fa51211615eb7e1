"""Test harness: a tiny real grpc.aio server behind the real interceptor chain, reached over TCP
(127.0.0.1:0, like the workers' shared port) or over a private Unix socket (like Envoy)."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import grpc
import grpc.aio
import jwt
import pytest
from google.protobuf.message import Message
from google.rpc import status_pb2
from grpc_health.v1 import health as probe_health
from grpc_health.v1 import health_pb2_grpc as probe_pb2_grpc
from huntaze.v1 import (
    ai_assistant_pb2,
    ai_assistant_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    content_creation_pb2,
    content_creation_pb2_grpc,
    health_pb2,
    health_pb2_grpc,
    users_pb2,
    users_pb2_grpc,
)
from prometheus_client import CollectorRegistry

from interceptors.chain import ChainConfig, build_interceptors
from interceptors.context import RequestContext, current_principal, current_request
from interceptors.metrics import RpcMetrics
from interceptors.rate_limit import RateLimiter, SharedMemoryRateLimiter, create_bucket_table
from server.config import Settings
from server.servicers.http import session_of
from services.common.principal import Principal
from services.errors import NotFound, Unauthenticated

SECRET = "test-secret-for-interceptor-tests-0123456789"
ISSUER = "huntaze"
AUDIENCE = "huntaze-api"


DetailT = TypeVar("DetailT", bound=Message)


class JwtVerifier:
    """What services.auth.tokens.AccessTokens does, reduced to the TokenVerifier protocol."""

    def verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                SECRET,
                algorithms=["HS256"],
                issuer=ISSUER,
                audience=AUDIENCE,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as error:
            raise Unauthenticated("invalid or expired access token") from error
        return Principal(user_id=claims["sub"], plan=claims["plan"])


def make_token(
    user_id: str = "u1",
    plan: str = "free",
    *,
    secret: str = SECRET,
    expires_in: timedelta = timedelta(minutes=5),
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": user_id,
        "plan": plan,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + expires_in,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


@dataclass
class Seen:
    """What the servicers observed, for assertions."""

    client_addresses: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)


class Users(users_pb2_grpc.UserServiceServicer):
    def __init__(self, seen: Seen) -> None:
        self.seen = seen

    async def GetMe(self, request: Any, context: Any) -> users_pb2.GetMeResponse:
        principal = current_principal()
        self.seen.request_ids.append(current_request().request_id)
        return users_pb2.GetMeResponse(
            user=users_pb2.User(id=principal.user_id, subscription=principal.plan)
        )

    async def UpdateMe(self, request: Any, context: Any) -> users_pb2.UpdateMeResponse:
        if request.name == "boom":
            raise RuntimeError("database password is hunter2")
        if request.name == "ghost":
            raise NotFound("user not found")
        return users_pb2.UpdateMeResponse(user=users_pb2.User(name=request.name))

    # DeleteMe is left to the generated base class: NotImplementedError.


class Auth(auth_pb2_grpc.AuthServiceServicer):
    def __init__(self, seen: Seen) -> None:
        self.seen = seen

    async def SignIn(self, request: Any, context: Any) -> auth_pb2.SignInResponse:
        current = current_request()
        self.seen.client_addresses.append(current.client_address)
        self.seen.request_ids.append(current.request_id)
        current.response_headers.append(("set-cookie", "refreshToken=abc; HttpOnly"))
        return auth_pb2.SignInResponse(access_token="token")

    async def Logout(self, request: Any, context: Any) -> auth_pb2.LogoutResponse:
        return auth_pb2.LogoutResponse(message="Signed out")


class Assistant(ai_assistant_pb2_grpc.AIAssistantServiceServicer):
    async def OptimizePricing(
        self, request: Any, context: Any
    ) -> ai_assistant_pb2.OptimizePricingResponse:
        return ai_assistant_pb2.OptimizePricingResponse(recommended_price=9.99)

    async def GenerateText(
        self, request: Any, context: Any
    ) -> AsyncIterator[ai_assistant_pb2.GenerateTextResponse]:
        yield ai_assistant_pb2.GenerateTextResponse(delta="hello ")
        if request.prompt == "fail":
            raise NotFound("model went away")
        yield ai_assistant_pb2.GenerateTextResponse(delta="world", done=True)


class Health(health_pb2_grpc.HealthServiceServicer):
    async def GetHealth(self, request: Any, context: Any) -> health_pb2.GetHealthResponse:
        return health_pb2.GetHealthResponse(status="ok")


class Content(content_creation_pb2_grpc.ContentCreationServiceServicer):
    async def UploadAsset(
        self, requests: Any, context: Any
    ) -> content_creation_pb2.UploadAssetResponse:
        size = 0
        async for chunk in requests:
            size += len(chunk.data)
        return content_creation_pb2.UploadAssetResponse()


@dataclass
class Stubs:
    users: users_pb2_grpc.UserServiceStub
    auth: auth_pb2_grpc.AuthServiceStub
    assistant: ai_assistant_pb2_grpc.AIAssistantServiceStub
    health: health_pb2_grpc.HealthServiceStub
    content: content_creation_pb2_grpc.ContentCreationServiceStub
    probe: probe_pb2_grpc.HealthStub  # the standard grpc.health.v1 service
    seen: Seen
    registry: CollectorRegistry
    limiter: RateLimiter
    channel: grpc.aio.Channel  # for raw calls that no stub would make


def settings_for(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"environment": "test", "jwt_secret": SECRET}
    values.update(overrides)
    return Settings(**values)


async def every_account_active(user_id: str) -> bool:
    return True


@contextlib.asynccontextmanager
async def bucket_table_limiter(
    clock: Callable[[], float] | None = None,
) -> AsyncIterator[SharedMemoryRateLimiter]:
    """A fresh shared bucket table (as the supervisor makes one), mapped like a worker does."""
    with tempfile.TemporaryDirectory() as directory:
        table = create_bucket_table(Path(directory) / "buckets", buckets=1024)
        limiter = SharedMemoryRateLimiter(table, **({"clock": clock} if clock else {}))
        try:
            yield limiter
        finally:
            await limiter.aclose()


@contextlib.asynccontextmanager
async def serve(
    settings: Settings | None = None,
    *,
    limiter: RateLimiter | None = None,
    accounts: Callable[[str], Awaitable[bool]] = every_account_active,
    session: Callable[[RequestContext], str | None] = session_of,
    via_unix_socket: bool = False,
) -> AsyncIterator[Stubs]:
    """`via_unix_socket`: call over a private Unix socket, the way Envoy reaches a worker."""
    settings = settings or settings_for()
    async with contextlib.AsyncExitStack() as stack:
        if limiter is None:
            limiter = await stack.enter_async_context(bucket_table_limiter())
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        yield await stack.enter_async_context(
            _serving(
                settings, limiter, accounts, session, directory / "worker.sock", via_unix_socket
            )
        )


@contextlib.asynccontextmanager
async def _serving(
    settings: Settings,
    limiter: RateLimiter,
    accounts: Callable[[str], Awaitable[bool]],
    session: Callable[[RequestContext], str | None],
    socket_path: Path,
    via_unix_socket: bool,
) -> AsyncIterator[Stubs]:
    registry = CollectorRegistry()
    seen = Seen()
    server = grpc.aio.server(
        interceptors=build_interceptors(
            config=ChainConfig(
                allowed_origins=[*settings.cors_origins, *settings.public_origins()],
                rate_limit_rules=settings.rate_limit_rules(),
            ),
            tokens=JwtVerifier(),
            accounts=accounts,
            limiter=limiter,
            session_of=session,
            metrics=RpcMetrics(registry),
        )
    )
    users_pb2_grpc.add_UserServiceServicer_to_server(Users(seen), server)
    auth_pb2_grpc.add_AuthServiceServicer_to_server(Auth(seen), server)
    ai_assistant_pb2_grpc.add_AIAssistantServiceServicer_to_server(Assistant(), server)
    health_pb2_grpc.add_HealthServiceServicer_to_server(Health(), server)
    content_creation_pb2_grpc.add_ContentCreationServiceServicer_to_server(Content(), server)
    probe_pb2_grpc.add_HealthServicer_to_server(probe_health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.add_insecure_port(f"unix:{socket_path}")
    await server.start()
    target = f"unix:{socket_path}" if via_unix_socket else f"127.0.0.1:{port}"
    try:
        async with grpc.aio.insecure_channel(target) as channel:
            yield Stubs(
                users=users_pb2_grpc.UserServiceStub(channel),
                auth=auth_pb2_grpc.AuthServiceStub(channel),
                assistant=ai_assistant_pb2_grpc.AIAssistantServiceStub(channel),
                health=health_pb2_grpc.HealthServiceStub(channel),
                content=content_creation_pb2_grpc.ContentCreationServiceStub(channel),
                probe=probe_pb2_grpc.HealthStub(channel),
                seen=seen,
                registry=registry,
                limiter=limiter,
                channel=channel,
            )
    finally:
        await server.stop(None)


async def rpc_error(call: Any) -> grpc.aio.AioRpcError:
    """Awaits a call that must fail and returns its error."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value


def status_details(error: grpc.aio.AioRpcError) -> status_pb2.Status:
    """The google.rpc.Status the errors interceptor packed into the trailers."""
    return status_pb2.Status.FromString(dict(error.trailing_metadata())["grpc-status-details-bin"])


def status_detail(error: grpc.aio.AioRpcError, detail_type: type[DetailT]) -> DetailT:
    """The one detail of `detail_type` (e.g. error_details_pb2.BadRequest) the error carries."""
    for detail in status_details(error).details:
        if detail.Is(detail_type.DESCRIPTOR):
            found = detail_type()
            detail.Unpack(found)
            return found
    raise AssertionError(f"no {detail_type.DESCRIPTOR.full_name} detail")

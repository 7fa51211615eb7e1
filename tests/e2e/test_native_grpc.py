"""Native gRPC through Envoy's listener with the generated stubs: what an internal service does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from huntaze.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from huntaze.v1 import (
    health_pb2 as report_pb2,
)
from huntaze.v1 import (
    health_pb2_grpc as report_pb2_grpc,
)
from support.e2e_stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture
def channel(stack: Stack) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(stack.grpc_target) as opened:
        yield opened


def test_signup_signin_get_me_and_refresh(channel: grpc.Channel) -> None:
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    users = users_pb2_grpc.UserServiceStub(channel)
    email = f"grpc-{uuid.uuid4().hex[:12]}@example.com"
    created = auth.SignUp(
        auth_pb2.SignUpRequest(
            name="Grace", email=email, password="grpc-pass-42", accept_terms=True
        ),
        timeout=10,
    )
    assert created.user.subscription == "free"

    signed, call = auth.SignIn.with_call(
        auth_pb2.SignInRequest(email=email, password="grpc-pass-42"), timeout=10
    )
    cookies = [v for k, v in call.initial_metadata() if k == "set-cookie"]
    (cookie,) = [c for c in cookies if c.startswith("refreshToken=")]
    refresh_token = cookie.split(";")[0].split("=", 1)[1]

    me = users.GetMe(
        users_pb2.GetMeRequest(),
        metadata=[("authorization", f"Bearer {signed.access_token}")],
        timeout=10,
    )
    assert me.user.email == email
    assert me.user.id == created.user.id

    refreshed = auth.Refresh(
        auth_pb2.RefreshRequest(),
        metadata=[("cookie", f"refreshToken={refresh_token}")],
        timeout=10,
    )
    assert refreshed.access_token
    assert refreshed.user.id == created.user.id


def test_unauthenticated_call_gets_the_grpc_status(channel: grpc.Channel) -> None:
    users = users_pb2_grpc.UserServiceStub(channel)
    with pytest.raises(grpc.RpcError) as raised:
        users.GetMe(users_pb2.GetMeRequest(), timeout=10)
    assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_echo_needs_no_token(channel: grpc.Channel) -> None:
    stub = report_pb2_grpc.HealthServiceStub(channel)
    response = stub.Echo(report_pb2.EchoRequest(message="ping"), timeout=10)
    assert response.message == "ping"


def test_standard_health_check(channel: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in ("", "huntaze.v1.AuthService", "huntaze.v1.BillingService"):
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10)
        assert response.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_every_service(channel: grpc.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    responses = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=10
    )
    names = {service.name for r in responses for service in r.list_services_response.service}
    assert {
        "huntaze.v1.AuthService",
        "huntaze.v1.UserService",
        "huntaze.v1.AnalyticsService",
        "grpc.health.v1.Health",
    } <= names

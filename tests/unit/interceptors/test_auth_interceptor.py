from __future__ import annotations

import logging
from datetime import timedelta

import grpc
import pytest
from huntaze.v1 import ai_assistant_pb2, auth_pb2, health_pb2, users_pb2
from support.interceptor_harness import Stubs, bearer, make_token, rpc_error

from interceptors.policies import AccessPolicies

PRICING = ai_assistant_pb2.OptimizePricingRequest(
    content_type="photo", history=[ai_assistant_pb2.PricePoint(price=10, offers=5, purchases=1)]
)


@pytest.mark.parametrize(
    "metadata",
    [
        pytest.param((), id="missing"),
        pytest.param((("authorization", "Bearer not-a-jwt"),), id="garbage"),
        pytest.param((("authorization", "Basic dXNlcjpwYXNz"),), id="wrong-scheme"),
        pytest.param((("authorization", "Bearer"),), id="empty"),
        pytest.param(bearer(make_token(expires_in=timedelta(minutes=-5))), id="expired"),
        pytest.param(
            bearer(make_token(secret="someone-elses-secret-0123456789abcdef")), id="forged"
        ),
    ],
)
async def test_bad_credentials_are_unauthenticated(
    stubs: Stubs, metadata: tuple[tuple[str, str], ...], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="huntaze.security"):
        error = await rpc_error(stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=metadata))
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert dict(error.trailing_metadata())["www-authenticate"].startswith("Bearer")
    [event] = [r for r in caplog.records if r.name == "huntaze.security"]
    assert event.event == "auth.unauthenticated"
    assert event.method == "/huntaze.v1.UserService/GetMe"
    assert event.client_address == "127.0.0.1"
    for _, value in metadata:
        token = value.partition(" ")[2]
        if token:
            assert token not in caplog.text


async def test_plan_outside_the_policy_is_permission_denied(
    stubs: Stubs, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="huntaze.security"):
        error = await rpc_error(
            stubs.assistant.OptimizePricing(PRICING, metadata=bearer(make_token("u7", "free")))
        )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    [event] = [r for r in caplog.records if r.name == "huntaze.security"]
    assert (event.event, event.user_id) == ("auth.forbidden", "u7")


@pytest.mark.parametrize("plan", ["pro", "enterprise"])
async def test_plan_inside_the_policy_passes(stubs: Stubs, plan: str) -> None:
    response = await stubs.assistant.OptimizePricing(
        PRICING, metadata=bearer(make_token(plan=plan))
    )
    assert response.recommended_price == pytest.approx(9.99)


async def test_public_methods_need_no_token(stubs: Stubs) -> None:
    await stubs.auth.SignIn(auth_pb2.SignInRequest(email="a@example.com", password="x"))
    response = await stubs.health.GetHealth(health_pb2.GetHealthRequest())
    assert response.status == "ok"


def test_policies_come_from_the_protos() -> None:
    policies = AccessPolicies.from_package("huntaze.v1")
    assert policies["/huntaze.v1.AuthService/SignIn"].public
    assert not policies["/huntaze.v1.UserService/GetMe"].public
    assert list(policies["/huntaze.v1.AIAssistantService/OptimizePricing"].plans) == [
        "pro",
        "enterprise",
    ]
    assert policies["/grpc.health.v1.Health/Check"].public
    # Unknown methods are denied by default.
    assert not policies["/huntaze.v1.Nope/Nothing"].public

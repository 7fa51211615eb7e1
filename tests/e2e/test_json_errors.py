"""Every error a REST client can see, from Envoy or from a worker, is one JSON shape
`{code, message, details}` with `content-type: application/json` and the HTTP status of the
gRPC code; REST responses carry no grpc-* headers. (Each case answered text/plain once.)"""

from __future__ import annotations

from typing import Any

import grpc
import httpx
import pytest
from huntaze.v1 import users_pb2, users_pb2_grpc
from support.e2e_client import bearer, signed_in
from support.e2e_stack import Stack

pytestmark = pytest.mark.e2e

GRPC_HEADERS = ("grpc-status", "grpc-message", "grpc-status-details-bin", "grpc-accept-encoding")


def error_body(response: httpx.Response, status: int, code: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code
    assert body["message"]
    assert not any(name in response.headers for name in GRPC_HEADERS)
    return body


def reason(body: dict[str, Any]) -> str:
    (info,) = [d for d in body["details"] if d["@type"].endswith("google.rpc.ErrorInfo")]
    return info["reason"]


@pytest.mark.parametrize(
    "content",
    ['{"name": ', '{"name": {}}', '{"acceptTerms": "banana"}', "[1, 2"],
    ids=["truncated", "object-for-string", "word-for-bool", "array"],
)
def test_malformed_json_and_wrong_types_are_400(client: httpx.Client, content: str) -> None:
    response = client.post(
        "/api/auth/signup", content=content, headers={"content-type": "application/json"}
    )
    assert reason(error_body(response, 400, 3)) == "INVALID_REQUEST"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/nothing-here"), ("POST", "/api/auth/unknown"), ("PUT", "/api/nothing/1")],
)
def test_unknown_paths_are_404(client: httpx.Client, method: str, path: str) -> None:
    response = client.request(method, path, json={} if method != "GET" else None)
    assert reason(error_body(response, 404, 5)) == "ROUTE_NOT_FOUND"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/health", "GET"),
        ("POST", "/api/users/me", "GET, DELETE, PATCH"),
        ("GET", "/api/auth/signin", "POST"),
        (
            "DELETE",
            "/api/billing/subscriptions/0b6f1c1e-0000-4000-8000-000000000000/cancel",
            "POST",
        ),
        # A method Envoy's parser does not know reaches the routes too.
        ("PROPFIND", "/api/users/me", "GET, DELETE, PATCH"),
    ],
)
def test_a_method_the_path_lacks_is_405_with_allow(
    client: httpx.Client, method: str, path: str, allowed: str
) -> None:
    """Schemathesis found 404 here (the transcoder knows no route for the pair)."""
    response = client.request(method, path, json={} if method != "GET" else None)
    assert reason(error_body(response, 405, 12)) == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == allowed


def test_unknown_query_parameters_are_ignored(client: httpx.Client) -> None:
    """Cache-busters like `?_=1700000000` are common: dropped, not refused."""
    response = client.get("/api/health", params={"_": "1700000000", "bogus": "1"})
    assert response.status_code == 200
    assert response.json()["status"] in ("ok", "degraded")


@pytest.mark.parametrize(
    ("method", "path", "size"),
    [("POST", "/api/auth/signin", 70_000), ("PATCH", "/api/users/me", 1_100_000)],
    ids=["auth-64KiB", "json-1MiB"],
)
def test_bodies_over_the_route_limit_are_413(
    client: httpx.Client, method: str, path: str, size: int
) -> None:
    response = client.request(method, path, json={"email": "a@b.co", "password": "x" * size})
    assert reason(error_body(response, 413, 8)) == "PAYLOAD_TOO_LARGE"


def test_a_refused_preflight_is_403_json(client: httpx.Client) -> None:
    response = client.options(
        "/api/users/me",
        headers={"origin": "https://evil.example", "access-control-request-method": "GET"},
    )
    assert reason(error_body(response, 403, 7)) == "ORIGIN_NOT_ALLOWED"


def test_worker_errors_keep_their_details_and_lose_grpc_headers(client: httpx.Client) -> None:
    missing = error_body(client.get("/api/users/me"), 401, 16)
    assert reason(missing) == "UNAUTHENTICATED"
    invalid = client.post(
        "/api/auth/signup",
        json={"name": "A", "email": "nope", "password": "abcdefg1", "acceptTerms": True},
    )
    body = error_body(invalid, 400, 3)
    assert any(d["@type"].endswith("google.rpc.BadRequest") for d in body["details"])


def test_successful_rest_answers_carry_no_grpc_headers(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    for response in (
        client.get("/api/health"),
        client.get("/api/users/me", headers=bearer(access)),
    ):
        assert response.status_code == 200
        assert not any(name in response.headers for name in GRPC_HEADERS)


def test_native_grpc_still_gets_its_status(stack: Stack) -> None:
    with (
        grpc.insecure_channel(stack.grpc_target) as channel,
        pytest.raises(grpc.RpcError) as refused,
    ):
        users_pb2_grpc.UserServiceStub(channel).GetMe(users_pb2.GetMeRequest(), timeout=10)
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "missing access token"

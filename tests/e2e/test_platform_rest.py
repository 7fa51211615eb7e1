"""Interceptor failures, health, metrics, routing and CORS as a REST client sees them."""

from __future__ import annotations

import time

import httpx
import jwt
import pytest
from support.e2e_client import bearer, signed_in
from support.e2e_stack import ALLOWED_ORIGIN, JWT_SECRET
from support.media_samples import mp4

pytestmark = pytest.mark.e2e


def test_validation_errors_name_each_field(client: httpx.Client) -> None:
    response = client.post(
        "/api/auth/signup",
        json={"name": "A", "email": "not-an-email", "password": "abc12345", "acceptTerms": False},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 3
    (bad_request,) = [d for d in body["details"] if d["@type"].endswith("google.rpc.BadRequest")]
    fields = {violation["field"] for violation in bad_request["fieldViolations"]}
    assert {"email", "acceptTerms"} <= fields
    assert all(v["description"] for v in bad_request["fieldViolations"])
    reasons = {v["field"]: v["reason"] for v in bad_request["fieldViolations"]}
    assert (reasons["email"], reasons["acceptTerms"]) == ("string.email", "bool.const")


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-jwt", "Basic dXNlcjpwYXNz"],
    ids=["missing", "garbage", "wrong-scheme"],
)
def test_protected_call_without_a_valid_token_is_401(
    client: httpx.Client, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    response = client.get("/api/users/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == 16


def test_expired_and_forged_tokens_are_401(client: httpx.Client) -> None:
    now = int(time.time())
    claims = {"sub": "someone", "plan": "pro", "iss": "huntaze", "aud": "huntaze-api"}
    expired = jwt.encode({**claims, "iat": now - 7200, "exp": now - 3600}, JWT_SECRET, "HS256")
    forged = jwt.encode({**claims, "iat": now, "exp": now + 600}, "x" * 64, "HS256")
    for token in (expired, forged):
        assert client.get("/api/users/me", headers=bearer(token)).status_code == 401


def test_free_plan_cannot_use_a_pro_tool(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    response = client.post(
        "/api/ai-assistant/tools/pricing-optimizer", headers=bearer(access), json={}
    )
    assert response.status_code == 403
    assert response.json()["code"] == 7


def test_oversized_auth_body_is_413(client: httpx.Client) -> None:
    response = client.post("/api/auth/signin", json={"email": "a@b.co", "password": "x" * 70_000})
    assert response.status_code == 413


def test_health_reports_the_database_with_its_latency(client: httpx.Client) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["uptimeSeconds"] >= 0
    database = body["checks"]["database"]
    assert database["status"] == "ok"
    assert database["latencyMs"] >= 0
    assert database["message"] == ""


def test_request_id_is_generated_or_echoed(client: httpx.Client) -> None:
    generated = client.get("/api/health").headers["x-request-id"]
    assert len(generated) >= 16
    echoed = client.get("/api/health", headers={"x-request-id": "e2e-request-0001"})
    assert echoed.headers["x-request-id"] == "e2e-request-0001"


def test_metrics_count_handled_calls(client: httpx.Client) -> None:
    client.get("/api/health")
    client.get("/api/users/me")  # 401
    response = client.get("/api/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    handled = [line for line in text.splitlines() if line.startswith("grpc_server_handled_total{")]
    assert any('grpc_method="GetHealth"' in line and 'grpc_code="OK"' in line for line in handled)
    assert any(
        'grpc_method="GetMe"' in line and 'grpc_code="Unauthenticated"' in line for line in handled
    )
    assert "process_cpu_seconds_total" in text
    assert 'huntaze_worker_process_cpu_seconds_total{worker="0"}' in text


def test_cors_preflight_from_an_allowed_origin(client: httpx.Client) -> None:
    response = client.options(
        "/api/auth/signin",
        headers={
            "origin": ALLOWED_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "POST" in response.headers["access-control-allow-methods"]


def test_cors_preflight_from_another_origin_is_refused(client: httpx.Client) -> None:
    response = client.options(
        "/api/auth/signin",
        headers={"origin": "https://evil.example", "access-control-request-method": "POST"},
    )
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_cors_headers_on_a_real_response(client: httpx.Client) -> None:
    response = client.get("/api/health", headers={"origin": ALLOWED_ORIGIN})
    assert response.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    exposed = response.headers["access-control-expose-headers"]
    assert {"x-request-id", "retry-after", "ratelimit"} <= {h.strip() for h in exposed.split(",")}
    other = httpx.get(f"{client.base_url}/api/health", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_upload_route_streams_bodies_beyond_the_json_limit(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    video = mp4(mdat=b"\0" * (3 * 1024 * 1024))
    response = client.post(
        "/api/content-creation/upload",
        params={"filename": "three-mib.mp4"},
        headers={**bearer(access), "content-type": "application/octet-stream"},
        content=video,
    )
    assert response.status_code == 200, response.text  # streamed past the 1 MiB JSON limit
    assert response.json()["asset"]["sizeBytes"] == len(video)


def test_json_bodies_above_one_mebibyte_are_413(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    response = client.patch(
        "/api/users/me", headers=bearer(access), json={"name": "x" * (1024 * 1024 + 1)}
    )
    assert response.status_code == 413

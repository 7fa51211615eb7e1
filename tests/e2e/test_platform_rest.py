"""Interceptor failures, health, metrics, routing and CORS as a REST client sees them."""

from __future__ import annotations

import time
from urllib.parse import quote

import httpx
import jwt
import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.e2e_client import bearer, signed_in
from support.e2e_stack import ALLOWED_ORIGIN, JWT_SECRET, Stack, wait_for
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


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-jwt"], ids=["no-token", "garbage-token"]
)
def test_echo_answers_its_message_and_needs_no_token(
    client: httpx.Client, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"authorization": authorization}
    message = "héllo, wörld & co/?=1"
    # Percent-encoded (a space is %20: the transcoder reads "+" in a query as a plus sign).
    response = client.get(f"/api/health/echo?message={quote(message, safe='')}", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"message": message}
    # The same interceptors as every call: a request id, the rate limiter's headers.
    assert response.headers["x-request-id"]
    assert "ratelimit" in response.headers


def test_echo_without_a_message_answers_an_empty_one(client: httpx.Client) -> None:
    response = client.get("/api/health/echo")
    assert response.status_code == 200
    assert response.json() == {"message": ""}


def test_echo_validates_its_message(client: httpx.Client) -> None:
    assert client.get("/api/health/echo", params={"message": "é" * 256}).status_code == 200
    response = client.get("/api/health/echo", params={"message": "é" * 257})
    assert response.status_code == 400
    (bad_request,) = [
        d for d in response.json()["details"] if d["@type"].endswith("google.rpc.BadRequest")
    ]
    (violation,) = bad_request["fieldViolations"]
    assert (violation["field"], violation["reason"]) == ("message", "string.max_len")


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


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def metric_samples(text: str) -> Samples:
    """Prometheus text -> {(sample name, labels): value}."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_show_each_workers_loop_lag_and_gc(client: httpx.Client, stack: Stack) -> None:
    """Every worker's loop-lag timer, its GC pauses (at least the full collection before
    gc.freeze()) and the startup objects it froze, each under its worker index."""
    workers = [str(index) for index in range(stack.settings.workers)]

    def value(samples: Samples, name: str, **labels: str) -> float:
        return samples.get((name, frozenset(labels.items())), 0.0)

    def every_worker_ticked() -> bool:
        """The timer runs every 100 ms and records the queued GC pauses as it goes."""
        samples = metric_samples(client.get("/api/metrics").text)
        return all(
            value(samples, "huntaze_event_loop_lag_seconds_count", worker=worker) >= 1
            and value(samples, "huntaze_gc_pause_seconds_count", generation="2", worker=worker) >= 1
            for worker in workers
        )

    # Set before each worker reports ready: there at once.
    samples = metric_samples(client.get("/api/metrics").text)
    for worker in workers:
        assert value(samples, "huntaze_gc_frozen_objects", worker=worker) > 10_000
    frozen = [name for name, _ in samples if name == "huntaze_gc_frozen_objects"]
    assert len(frozen) == len(workers)  # one series per worker, no pid label
    wait_for(every_worker_ticked, timeout=10, what="loop lag and a full collection, every worker")


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

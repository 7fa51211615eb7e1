"""Rate limiting, graceful shutdown and startup failure: each test runs its own processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from e2e_stack import Stack, free_ports, running_stack, wait_for
from grpc_health.v1 import health_pb2, health_pb2_grpc
from huntaze.v1 import auth_pb2, auth_pb2_grpc
from support.databases import sqlite_url

pytestmark = pytest.mark.e2e


@pytest.fixture
def limited_stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path, sqlite_url(tmp_path), env={"RATE_LIMIT_AUTH": "3/60"}) as stack:
        yield stack


def test_auth_rate_limit_answers_429_with_retry_after(limited_stack: Stack) -> None:
    body = {"email": f"{uuid.uuid4().hex}@example.com", "password": "whatever-1"}
    with httpx.Client(base_url=limited_stack.base_url, timeout=10) as client:
        # A client cannot buy itself fresh buckets by claiming other addresses.
        statuses = [
            client.post(
                "/api/auth/signin",
                json=body,
                headers={
                    "x-forwarded-for": f"198.51.100.{attempt}",
                    "x-huntaze-client-address": f"203.0.113.{attempt}",
                },
            )
            for attempt in range(4)
        ]
    assert [r.status_code for r in statuses[:3]] == [401, 401, 401]
    limited = statuses[3]
    assert limited.status_code == 429
    assert limited.json()["code"] == 8
    assert int(limited.headers["retry-after"]) >= 1
    assert "ratelimit" in limited.headers
    assert "ratelimit-policy" in limited.headers


def test_redis_backend_gives_two_workers_one_shared_limit(tmp_path: Path) -> None:
    """Two worker processes behind Envoy draw from one Redis bucket: exactly the configured
    number of calls pass, whichever worker serves them."""
    env = {
        "RATE_LIMIT_AUTH": "4/3600",
        "RATE_LIMIT_BACKEND": "redis",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "RATE_LIMIT_REDIS_PREFIX": f"huntaze-e2e-{uuid.uuid4().hex}:",
    }
    with running_stack(tmp_path, sqlite_url(tmp_path), workers=2, env=env) as stack:
        body = {"email": f"{uuid.uuid4().hex}@example.com", "password": "whatever-1"}
        with httpx.Client(base_url=stack.base_url, timeout=10) as client:
            statuses = [client.post("/api/auth/signin", json=body).status_code for _ in range(8)]
    assert statuses == [401] * 4 + [429] * 4


def test_sigterm_flips_health_then_drains_and_exits_cleanly(tmp_path: Path) -> None:
    with (
        running_stack(tmp_path, sqlite_url(tmp_path), env={"SHUTDOWN_DRAIN_SECONDS": "3"}) as stack,
        grpc.insecure_channel(f"127.0.0.1:{stack.worker_ports[0]}") as channel,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        request = health_pb2.HealthCheckRequest(service="")
        assert health.Check(request, timeout=5).status == health_pb2.HealthCheckResponse.SERVING

        stack.server.send_signal(signal.SIGTERM)
        wait_for(
            lambda: (
                health.Check(request, timeout=5).status
                == health_pb2.HealthCheckResponse.NOT_SERVING
            ),
            timeout=10,
            what="health NOT_SERVING after SIGTERM",
        )
        # Draining: the worker still completes calls that reach it...
        created = auth.SignUp(
            auth_pb2.SignUpRequest(
                name="Late",
                email=f"{uuid.uuid4().hex}@example.com",
                password="drain-pass-1",
                accept_terms=True,
            ),
            timeout=10,
        )
        assert created.user.id
        # ...while Envoy's health check takes it out of rotation (no healthy upstream: 503).
        wait_for(
            lambda: httpx.get(f"{stack.base_url}/api/health", timeout=10).status_code == 503,
            timeout=10,
            what="Envoy stops routing to the draining worker",
        )
        assert all("failed_active_hc" in flags for flags in stack.upstream_health())
        assert stack.server.wait(30) == 0


def test_supervisor_exits_non_zero_when_a_worker_cannot_start(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        (grpc_port,) = free_ports(1)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "server",
                "--workers",
                "1",
                "--grpc-port",
                str(grpc_port),
                "--worker-ports",
                str(taken.getsockname()[1]),
                "--metrics-port",
                "0",
            ],
            cwd=tmp_path,
            env={**os.environ, "DATABASE_URL": sqlite_url(tmp_path), "LOG_LEVEL": "ERROR"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "worker failed at startup" in result.stderr

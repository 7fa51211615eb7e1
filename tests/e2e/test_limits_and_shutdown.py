"""Rate limiting, graceful shutdown and startup failure: each test runs its own processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import httpx
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from huntaze.v1 import auth_pb2, auth_pb2_grpc
from support.databases import sqlite_url
from support.e2e_stack import running_stack, wait_for

pytestmark = pytest.mark.e2e


def test_sigterm_flips_health_then_drains_and_exits_cleanly(tmp_path: Path) -> None:
    with (
        running_stack(tmp_path, sqlite_url(tmp_path), env={"SHUTDOWN_DRAIN_SECONDS": "3"}) as stack,
        grpc.insecure_channel(f"unix:{stack.worker_sockets()[0]}") as channel,
    ):
        health = health_pb2_grpc.HealthStub(channel)
        auth = auth_pb2_grpc.AuthServiceStub(channel)
        request = health_pb2.HealthCheckRequest(service="")
        assert health.Check(request, timeout=5).status == health_pb2.HealthCheckResponse.SERVING

        stack.supervisor.send_signal(signal.SIGTERM)
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
        # ...while Envoy's health check takes it out of rotation (no healthy upstream: 503,
        # in the API's JSON error shape).
        wait_for(
            lambda: httpx.get(f"{stack.base_url}/api/health", timeout=10).status_code == 503,
            timeout=10,
            what="Envoy stops routing to the draining worker",
        )
        unavailable = httpx.get(f"{stack.base_url}/api/health", timeout=10)
        assert unavailable.headers["content-type"] == "application/json"
        assert unavailable.json()["code"] == 14
        assert unavailable.json()["details"][0]["reason"] == "UPSTREAM_UNAVAILABLE"
        assert all("failed_active_hc" in flags for flags in stack.upstream_health().values())
        assert stack.supervisor.wait(30) == 0


def test_supervisor_exits_non_zero_when_a_worker_cannot_start(tmp_path: Path) -> None:
    """The shared port is held by a listener that does not share it: no worker can bind it."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "server",
                "--workers",
                "1",
                "--grpc-port",
                str(taken.getsockname()[1]),
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

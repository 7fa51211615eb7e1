"""The supervisor's Prometheus endpoint and its optional bearer token."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest

from server.metrics_http import WorkerProcessCollector, start_metrics_server


@pytest.fixture
def metrics() -> Iterator[httpx.Client]:
    """A client of the metrics server on its Unix socket (as Envoy reaches it)."""
    registry = CollectorRegistry()
    Counter("demo_calls_total", "Calls.", registry=registry).inc(3)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "metrics.sock"
        server = start_metrics_server(path, registry, token="s3cret")
        transport = httpx.HTTPTransport(uds=str(path))
        try:
            with httpx.Client(transport=transport, base_url="http://envoy") as client:
                yield client
        finally:
            server.shutdown()
            server.server_close()


def test_metrics_need_the_token(metrics: httpx.Client) -> None:
    missing = metrics.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["code"] == 16
    assert set(missing.json()) == {"code", "message", "details"}
    wrong = metrics.get("/metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = metrics.get("/metrics", headers={"authorization": "Bearer s3cret"})
    assert right.status_code == 200
    assert "demo_calls_total 3.0" in right.text


def test_other_paths_are_a_json_404(metrics: httpx.Client) -> None:
    response = metrics.get("/", headers={"authorization": "Bearer s3cret"})
    assert response.status_code == 404
    assert response.json()["code"] == 5


def test_worker_process_metrics_carry_the_worker_index() -> None:
    registry = CollectorRegistry()
    registry.register(WorkerProcessCollector(lambda: {0: os.getpid(), 1: os.getppid()}))
    text = generate_latest(registry).decode()
    rss = {
        line.split("{")[1].split("}")[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("huntaze_worker_process_resident_memory_bytes{")
    }
    assert set(rss) == {'worker="0"', 'worker="1"'}
    assert all(value > 0 for value in rss.values())

"""The supervisor's Prometheus endpoint and its optional bearer token."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest

from server.metrics_http import WorkerProcessCollector, start_metrics_server


@pytest.fixture
def metrics_url() -> Iterator[str]:
    registry = CollectorRegistry()
    Counter("demo_calls_total", "Calls.", registry=registry).inc(3)
    server = start_metrics_server("127.0.0.1", 0, registry, token="s3cret")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_metrics_need_the_token(metrics_url: str) -> None:
    assert httpx.get(f"{metrics_url}/metrics").status_code == 401
    wrong = httpx.get(f"{metrics_url}/metrics", headers={"authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = httpx.get(f"{metrics_url}/metrics", headers={"authorization": "Bearer s3cret"})
    assert right.status_code == 200
    assert "demo_calls_total 3.0" in right.text


def test_other_paths_are_404(metrics_url: str) -> None:
    assert (
        httpx.get(f"{metrics_url}/", headers={"authorization": "Bearer s3cret"}).status_code == 404
    )


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

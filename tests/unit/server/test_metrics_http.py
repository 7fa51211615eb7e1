"""The supervisor's Prometheus endpoint and its optional bearer token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter

from server.metrics_http import start_metrics_server


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

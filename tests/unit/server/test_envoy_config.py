"""The rendered Envoy config: what each start decides is filled in, and Envoy accepts it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from server.config import Settings
from server.envoy_config import (
    LOCAL_REPLIES,
    envoy_binary,
    local_reply_config,
    render,
    render_to_file,
)
from server.runtime import RuntimeDir

RUNTIME = RuntimeDir(Path("/run/huntaze-test"))


def _endpoints(config: dict[str, Any]) -> dict[str, list[str]]:
    return {
        cluster["name"]: [
            endpoint["endpoint"]["address"]["pipe"]["path"]
            for group in cluster["load_assignment"]["endpoints"]
            for endpoint in group["lb_endpoints"]
        ]
        for cluster in config["static_resources"]["clusters"]
    }


def _manager(config: dict[str, Any]) -> dict[str, Any]:
    listener = config["static_resources"]["listeners"][0]
    return listener["filter_chains"][0]["filters"][0]["typed_config"]


def test_sockets_port_and_origins_come_from_settings_and_runtime() -> None:
    settings = Settings(
        http_port=18080, workers=3, cors_origins="https://a.example,https://b.example"
    )
    config = render(settings, RUNTIME)
    listener = config["static_resources"]["listeners"][0]
    assert listener["address"]["socket_address"]["port_value"] == 18080
    assert listener["enable_reuse_port"] is False
    assert config["admin"]["address"]["pipe"]["path"] == "/run/huntaze-test/envoy-admin.sock"
    assert _endpoints(config) == {
        # One endpoint per worker, plus the spare slot rolling restarts use.
        "huntaze": [f"/run/huntaze-test/worker-{slot}.sock" for slot in range(4)],
        "metrics": ["/run/huntaze-test/metrics.sock"],
    }
    host = _manager(config)["route_config"]["virtual_hosts"][0]
    cors = host["typed_per_filter_config"]["envoy.filters.http.cors"]
    assert cors["allow_origin_string_match"] == [
        {"exact": "https://a.example"},
        {"exact": "https://b.example"},
    ]
    (preflight,) = [r for r in host["routes"] if r["name"] == "cors_preflight"]
    (origin,) = [h for h in preflight["match"]["headers"] if h["name"] == "origin"]
    assert origin["string_match"]["safe_regex"]["regex"] == (
        r"https://a\.example|https://b\.example"
    )


def test_local_replies_are_the_api_error_shape_for_rest_only() -> None:
    mappers = local_reply_config()["mappers"]
    assert len(mappers) == len(LOCAL_REPLIES) + 1  # plus the catch-all
    for mapper, (status, (code, reason)) in zip(mappers, LOCAL_REPLIES.items(), strict=False):
        status_filter, rest_only = mapper["filter"]["and_filter"]["filters"]
        assert status_filter["status_code_filter"]["comparison"]["value"]["default_value"] == status
        assert "or_filter" in rest_only
        body = mapper["body_format_override"]
        assert body["content_type"] == "application/json"
        assert body["json_format"]["code"] == code
        assert body["json_format"]["details"][0]["reason"] == reason


def test_descriptor_path_is_absolute() -> None:
    config = render(Settings(), RUNTIME)
    (transcoder,) = [
        f for f in _manager(config)["http_filters"] if f["name"].endswith("grpc_json_transcoder")
    ]
    descriptor = Path(transcoder["typed_config"]["proto_descriptor"])
    assert descriptor.is_absolute() and descriptor.exists()


def test_envoy_accepts_the_rendered_config(tmp_path: Path) -> None:
    rendered = render_to_file(
        Settings(cors_origins="http://localhost:3000,https://app.example", workers=2),
        RuntimeDir(tmp_path),
        path=tmp_path / "envoy.yaml",
    )
    result = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(rendered)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

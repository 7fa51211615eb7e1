"""The rendered Envoy config: settings-dependent parts rewritten, and Envoy accepts it."""

from __future__ import annotations

import subprocess
from pathlib import Path

from server.config import Settings
from server.envoy_config import TEMPLATE, envoy_binary, render, render_to_file


def _clusters(config: dict) -> dict[str, list[int]]:
    return {
        cluster["name"]: [
            endpoint["endpoint"]["address"]["socket_address"]["port_value"]
            for group in cluster["load_assignment"]["endpoints"]
            for endpoint in group["lb_endpoints"]
        ]
        for cluster in config["static_resources"]["clusters"]
    }


def _manager(config: dict) -> dict:
    listener = config["static_resources"]["listeners"][0]
    return listener["filter_chains"][0]["filters"][0]["typed_config"]


def test_ports_endpoints_and_origins_come_from_settings() -> None:
    settings = Settings(
        http_port=18080, metrics_port=19464, cors_origins="https://a.example,https://b.example"
    )
    config = render(settings, upstream_ports=[1001, 1002, 1003], admin_port=19901)
    listener = config["static_resources"]["listeners"][0]
    assert listener["address"]["socket_address"]["port_value"] == 18080
    assert config["admin"]["address"]["socket_address"] == {
        "address": "127.0.0.1",
        "port_value": 19901,
    }
    assert _clusters(config) == {"huntaze": [1001, 1002, 1003], "metrics": [19464]}
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


def test_descriptor_path_is_absolute_and_admin_can_be_off() -> None:
    config = render(Settings(), upstream_ports=[50052])
    assert "admin" not in config
    (transcoder,) = [
        f for f in _manager(config)["http_filters"] if f["name"].endswith("grpc_json_transcoder")
    ]
    descriptor = Path(transcoder["typed_config"]["proto_descriptor"])
    assert descriptor.is_absolute() and descriptor.exists()


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_envoy_accepts_the_template_and_the_rendered_config(tmp_path: Path) -> None:
    rendered = render_to_file(
        Settings(cors_origins="http://localhost:3000,https://app.example"),
        upstream_ports=[40001, 40002],
        admin_port=40003,
        path=tmp_path / "envoy.yaml",
    )
    result = _validate(rendered)
    assert result.returncode == 0, result.stdout + result.stderr
    template = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=TEMPLATE.parent,
    )
    assert template.returncode == 0, template.stdout + template.stderr

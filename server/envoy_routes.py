"""Routes Envoy answers itself, without a worker: 405 with `Allow` for a method a REST path does
not have (the transcoder alone would say 404), and the pieces direct responses share."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

Route = dict[str, Any]

# The transcoder would answer a direct-response route's path with 404: it is off there.
TRANSCODER_OFF = {
    "envoy.filters.http.grpc_json_transcoder": {
        "@type": "type.googleapis.com/envoy.config.route.v3.FilterConfig",
        "disabled": True,
    }
}
_VARIABLE = re.compile(r"\{[^}]+\}")


def header(key: str, value: str) -> dict[str, Any]:
    return {"header": {"key": key, "value": value}, "append_action": "OVERWRITE_IF_EXISTS_OR_ADD"}


def method_not_allowed(name: str, path: dict[str, Any], methods: Iterable[str]) -> Route:
    """405 for every method but `methods` (and OPTIONS, which the CORS routes answer first) on
    the paths `path` matches (an Envoy route match: `path` or `safe_regex`)."""
    allowed = list(methods)
    return {
        "name": name,
        "match": {
            **path,
            "headers": [
                {
                    "name": ":method",
                    "string_match": {"safe_regex": {"regex": "|".join([*allowed, "OPTIONS"])}},
                    "invert_match": True,
                }
            ],
        },
        "direct_response": {
            "status": 405,
            "body": {"inline_string": f"method not allowed here: use {', '.join(allowed)}"},
        },
        "response_headers_to_add": [header("allow", ", ".join(allowed))],
        "typed_per_filter_config": TRANSCODER_OFF,
    }


def rest_method_routes(paths: dict[str, dict[str, Any]]) -> list[Route]:
    """A 405 route per path of an OpenAPI document (`paths`), for the methods it lacks."""
    methods = {template: [verb.upper() for verb in item] for template, item in paths.items()}
    for template in methods:
        sample = _VARIABLE.sub("x", template)
        for other, regex in ((t, _template_regex(t)) for t in methods):
            if methods[other] != methods[template] and re.fullmatch(regex, sample):
                raise ValueError(f"{template} may also be {other}, which has other methods")
    return [
        method_not_allowed(f"method_not_allowed {template}", _match(template), verbs)
        for template, verbs in methods.items()
    ]


def _match(template: str) -> dict[str, Any]:
    if _VARIABLE.search(template) is None:
        return {"path": template}
    return {"safe_regex": {"regex": _template_regex(template)}}


def _template_regex(template: str) -> str:
    """`/api/x/{id}/cancel` -> `/api/x/[^/]+/cancel` (RE2, matched against the whole path)."""
    return "[^/]+".join(re.escape(part) for part in _VARIABLE.split(template))

"""The OpenAPI 3.1 document of the REST API, assembled from the descriptor set."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import descriptor_pb2

from openapigen.catalog import Catalog
from openapigen.errors import error_components
from openapigen.operations import HTTP_METHODS, OperationBuilder, routes, tag_name
from openapigen.schemas import SchemaBuilder

Document = dict[str, Any]

INTRODUCTION = """\
The REST face of the Huntaze gRPC API: Envoy transcodes each route below to a gRPC method of \
`huntaze.v1` (generated from the .proto files: do not edit).

**JSON.** Names are lowerCamelCase (requests may also use the proto's snake_case). Responses \
always print fields without presence, zero values included (`""`, `0`, `false`, `[]`, `{}`); \
nested objects and `optional` fields appear only when set. Timestamps are RFC 3339 strings, \
64-bit integers are strings. Unknown body fields and unknown query parameters are ignored. No \
string may contain a NUL character, and bodies must be valid UTF-8. Envoy's transcoder also reads \
more than this document allows, as the proto3 JSON mapping does: `null` as an absent field, \
numbers written as strings, a single value for an array, nested arrays flattened; send the \
documented shapes.

**Sessions.** `POST /api/auth/signin` returns a short-lived `accessToken` (send it as \
`Authorization: Bearer ...`) and sets the `refreshToken` cookie (HttpOnly, Path=/api/auth); \
`POST /api/auth/refresh` exchanges that cookie for a new token and a new cookie.

**Errors.** Every error, including those Envoy answers itself (404 for an unknown path, 413 for a \
body over the route's limit, 431 for headers over 60 KiB, 503 when no worker is healthy), has one \
JSON shape: `{"code": <google.rpc.Code>, "message": "...", "details": [...]}`. Invalid input gives \
400 with a `google.rpc.BadRequest` detail listing each field's violation; `ErrorInfo.reason` is a \
stable machine-readable code.

**Rate limits.** Each route draws from a budget (`x-huntaze-rate-limit`): `RateLimit` and \
`RateLimit-Policy` headers on every answer, 429 with `Retry-After` when it is spent.
"""


def build_document(
    descriptor_set: descriptor_pb2.FileDescriptorSet,
    *,
    version: str,
    body_limits: Callable[[str, str], int | None],
) -> Document:
    catalog = Catalog(descriptor_set)
    schemas = SchemaBuilder(catalog)
    operations = OperationBuilder(catalog, schemas, body_limits)
    paths: dict[str, dict[str, Any]] = {}
    all_routes = list(routes(catalog))
    for route in all_routes:
        item = paths.setdefault(route.openapi_path, {})
        if route.verb not in HTTP_METHODS or route.verb in item:
            raise ValueError(f"{route.verb} {route.template}: unsupported or bound twice")
        item[route.verb] = operations.operation(route)
    error_schemas, responses, headers = error_components(schemas)
    components = schemas.components()
    for name in error_schemas:
        if name in components:
            raise ValueError(f"a message is named {name}, like the error schema")
    tags = sorted(
        (
            {"name": tag_name(service), "description": catalog.service_comment(service)}
            for service in catalog.services
            if any(route.service == service for route in all_routes)
        ),
        key=lambda tag: tag["name"],
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Huntaze API",
            "version": version,
            "description": INTRODUCTION,
        },
        "servers": [{"url": "/", "description": "The origin this document is served from."}],
        "tags": tags,
        "paths": {path: _ordered(paths[path]) for path in sorted(paths)},
        "components": {
            "schemas": {**dict(sorted({**components, **error_schemas}.items()))},
            "responses": responses,
            "headers": headers,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The `accessToken` from sign-in or refresh (15 minutes).",
                },
            },
        },
    }


def _ordered(item: dict[str, Any]) -> dict[str, Any]:
    return {verb: item[verb] for verb in HTTP_METHODS if verb in item}

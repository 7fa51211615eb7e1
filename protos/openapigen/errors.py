"""The one error shape (`{code, message, details}`, google.rpc.Status as the transcoder prints it)
and which error responses each route can give.

Every method's errors follow from what the contract says of it (a body, a token, plans, a rate
limit); the `(huntaze.v1.rest).errors` option adds the outcomes particular to one method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.rpc import code_pb2
from huntaze.v1 import options_pb2

from openapigen.schemas import Direction, SchemaBuilder

Schema = dict[str, Any]

# The transcoder's mapping of gRPC codes to HTTP statuses (convert_grpc_status).
HTTP_STATUS = {
    code_pb2.INVALID_ARGUMENT: 400,
    code_pb2.FAILED_PRECONDITION: 400,
    code_pb2.OUT_OF_RANGE: 400,
    code_pb2.UNAUTHENTICATED: 401,
    code_pb2.PERMISSION_DENIED: 403,
    code_pb2.NOT_FOUND: 404,
    code_pb2.ALREADY_EXISTS: 409,
    code_pb2.ABORTED: 409,
    code_pb2.RESOURCE_EXHAUSTED: 429,
    code_pb2.CANCELLED: 499,
    code_pb2.UNKNOWN: 500,
    code_pb2.INTERNAL: 500,
    code_pb2.DATA_LOSS: 500,
    code_pb2.UNIMPLEMENTED: 501,
    code_pb2.UNAVAILABLE: 503,
    code_pb2.DEADLINE_EXCEEDED: 504,
}

# The detail messages the API puts in `details`; each is tagged by its `@type`.
DETAIL_TYPES = (".google.rpc.ErrorInfo", ".google.rpc.BadRequest", ".google.rpc.RetryInfo")

_GENERIC = {
    400: "The request is malformed (not JSON, a wrong type, invalid UTF-8) or breaks a rule: "
    "`details` holds a `BadRequest` with one violation per field (`field` is the JSON path, "
    "`reason` a stable rule id such as `string.min_len`).",
    401: "No access token, or one that is malformed, forged, expired, or of an account that is "
    "deactivated or deleted. Refresh the session (POST /api/auth/refresh) and retry.",
    403: "Refused whatever the input.",
    413: "The body is larger than this route accepts.",
    429: "Too many requests: wait for `Retry-After` seconds. `RateLimit` and `RateLimit-Policy` "
    "tell the budget (IETF draft-ietf-httpapi-ratelimit-headers).",
    431: "The request's header block is larger than 60 KiB.",
    500: "An unexpected failure (a bug): the message says nothing more; quote the X-Request-Id.",
    503: "A dependency or every worker is unavailable: retry after `Retry-After` when given.",
    504: "The request took longer than the route's timeout.",
}
# The generic error responses, shared by reference when a method adds nothing to them.
RESPONSE_NAMES = {
    400: "InvalidRequest",
    401: "Unauthenticated",
    429: "RateLimited",
    431: "HeadersTooLarge",
    500: "Internal",
    503: "Unavailable",
    504: "Timeout",
}
_FORBIDDEN_PLAN = "The account's plan does not include this method (plans: {plans})."
_FORBIDDEN_ORIGIN = "A browser request from a foreign origin (Origin or Sec-Fetch-Site)."


@dataclass(frozen=True)
class MethodFacts:
    """What decides a method's generic errors."""

    takes_input: bool
    body_limit: int | None
    has_body: bool
    access: options_pb2.AccessPolicy
    streaming_response: bool


def error_components(
    schemas: SchemaBuilder,
) -> tuple[dict[str, Schema], dict[str, Schema], dict[str, Schema]]:
    """(schemas, responses, headers) the error responses refer to."""
    details = [
        {
            "allOf": [schemas.ref(type_name, Direction.ERROR_DETAIL)],
            "properties": {
                "@type": {"const": f"type.googleapis.com/{type_name.removeprefix('.')}"}
            },
            "required": ["@type"],
        }
        for type_name in DETAIL_TYPES
    ]
    error = {
        "type": "object",
        "description": "Every error, whether the API or Envoy answers it (google.rpc.Status).",
        "properties": {
            "code": {
                "type": "integer",
                "description": "The google.rpc.Code (3 INVALID_ARGUMENT, 16 UNAUTHENTICATED...).",
                "enum": sorted(code_pb2.Code.values()),
            },
            "message": {"type": "string", "description": "For developers, in English."},
            "details": {"type": "array", "items": {"oneOf": details}},
        },
        "required": ["code", "message"],
    }
    headers = {
        "RetryAfter": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 0},
        },
        "RateLimit": {
            "description": 'The caller\'s remaining budget, e.g. `"standard";r=118;t=1` '
            "(r: requests left, t: seconds until the next one is allowed).",
            "schema": {"type": "string"},
        },
        "RateLimitPolicy": {
            "description": 'The budget\'s size, e.g. `"standard";q=120;w=60` '
            "(q requests per w seconds).",
            "schema": {"type": "string"},
        },
        "RequestId": {
            "description": "The request's id: the client's own X-Request-Id, or a new one.",
            "schema": {"type": "string"},
        },
        "WWWAuthenticate": {"schema": {"type": "string"}},
    }
    responses = {
        name: _response(status, [_GENERIC[status]]) for status, name in RESPONSE_NAMES.items()
    }
    return {"Error": error}, responses, headers


def error_responses(facts: MethodFacts, declared: list[options_pb2.ErrorCase]) -> dict[str, Schema]:
    """The error responses of one method, by status."""
    reasons: dict[int, list[str]] = {}

    def add(status: int, text: str) -> None:
        reasons.setdefault(status, []).append(text)

    if facts.takes_input:
        add(400, _GENERIC[400])
    if not facts.access.public:
        add(401, _GENERIC[401])
    if facts.access.plans:
        add(403, _FORBIDDEN_PLAN.format(plans=", ".join(facts.access.plans)))
    if facts.access.same_origin_only:
        add(403, _FORBIDDEN_ORIGIN)
    if facts.has_body:
        limit = f" ({facts.body_limit} bytes)" if facts.body_limit else ""
        add(413, _GENERIC[413].rstrip(".") + limit + ".")
    if facts.access.rate_limit != options_pb2.RATE_LIMIT_CLASS_NONE:
        add(429, _GENERIC[429])
    for case in declared:
        add(case.http_status or HTTP_STATUS[case.code], case.when)
    for status in (431, 500, 503):
        add(status, _GENERIC[status])
    if not facts.streaming_response:
        add(504, _GENERIC[504])
    return {str(status): _shared_or_own(status, reasons[status]) for status in sorted(reasons)}


def _shared_or_own(status: int, reasons: list[str]) -> Schema:
    if status in RESPONSE_NAMES and reasons == [_GENERIC[status]]:
        return {"$ref": f"#/components/responses/{RESPONSE_NAMES[status]}"}
    return _response(status, reasons)


def _response(status: int, reasons: list[str]) -> Schema:
    unique = list(dict.fromkeys(reasons))
    description = unique[0] if len(unique) == 1 else "\n".join(f"- {r}" for r in unique)
    headers: dict[str, Schema] = {"X-Request-Id": _header("RequestId")}
    if status == 401:
        headers["WWW-Authenticate"] = _header("WWWAuthenticate")
    if status in (429, 503):
        headers["Retry-After"] = _header("RetryAfter")
    if status == 429:
        headers["RateLimit"] = _header("RateLimit")
        headers["RateLimit-Policy"] = _header("RateLimitPolicy")
    return {
        "description": description,
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _header(name: str) -> Schema:
    return {"$ref": f"#/components/headers/{name}"}

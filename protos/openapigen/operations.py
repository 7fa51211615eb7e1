"""`google.api.http` rules as OpenAPI operations: path and query parameters and the body as the
transcoder binds them, the responses (JSON, an SSE stream, raw bytes), the access option as
security, and the error responses."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from google.api import annotations_pb2, http_pb2
from google.protobuf import descriptor_pb2
from huntaze.v1 import options_pb2

from openapigen.catalog import Catalog, Service
from openapigen.errors import MethodFacts, error_responses
from openapigen.schemas import Direction, SchemaBuilder

Schema = dict[str, Any]
FieldProto = descriptor_pb2.FieldDescriptorProto

HTTP_BODY = ".google.api.HttpBody"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_VARIABLE = re.compile(r"\{([^}=]+)(=[^}]*)?\}")
# Messages the transcoder reads from one query parameter, in their JSON string form.
_QUERY_SCALARS = {
    ".google.protobuf.Timestamp",
    ".google.protobuf.Duration",
    ".google.protobuf.FieldMask",
    *(f".google.protobuf.{kind}Value" for kind in ("Double", "Float", "Int64", "UInt64")),
    *(f".google.protobuf.{kind}Value" for kind in ("Int32", "UInt32", "Bool", "String", "Bytes")),
}

# Where Envoy caps a route's request body (bytes), looked up by method and path.
BodyLimits = Callable[[str, str], int | None]


@dataclass(frozen=True)
class Route:
    """One HTTP binding of one method."""

    service: Service
    method: descriptor_pb2.MethodDescriptorProto
    method_index: int
    verb: str
    template: str
    body: str
    response_body: str
    # 0 for the rule itself, 1... for its additional bindings.
    binding: int

    @property
    def operation_id(self) -> str:
        """`AuthService_SignIn`; additional bindings `..._SignIn2`, `..._SignIn3`..."""
        suffix = str(self.binding + 1) if self.binding else ""
        return f"{self.service.proto.name}_{self.method.name}{suffix}"

    @property
    def openapi_path(self) -> str:
        """`/api/x/{id}`: variables as OpenAPI writes them (no `=pattern`)."""
        return _VARIABLE.sub(lambda match: "{" + match.group(1) + "}", self.template)

    @property
    def path_fields(self) -> list[str]:
        return [match.group(1) for match in _VARIABLE.finditer(self.template)]


def routes(catalog: Catalog) -> Iterator[Route]:
    """Every HTTP binding in the contract, additional bindings included, in file order."""
    for service in catalog.services:
        for index, method in enumerate(service.proto.method):
            rule = method.options.Extensions[annotations_pb2.http]
            for binding, http in enumerate((rule, *rule.additional_bindings)):
                yield _route(service, method, index, http, binding)


def _route(
    service: Service,
    method: descriptor_pb2.MethodDescriptorProto,
    index: int,
    rule: http_pb2.HttpRule,
    binding: int,
) -> Route:
    pattern = rule.WhichOneof("pattern")
    if pattern == "custom":
        verb, template = rule.custom.kind.lower(), rule.custom.path
    else:
        verb, template = pattern, getattr(rule, pattern)
    return Route(service, method, index, verb, template, rule.body, rule.response_body, binding)


class OperationBuilder:
    """Turns routes into OpenAPI operations, building schemas as it goes."""

    def __init__(self, catalog: Catalog, schemas: SchemaBuilder, body_limits: BodyLimits) -> None:
        self._catalog = catalog
        self._schemas = schemas
        self._body_limits = body_limits

    def operation(self, route: Route) -> Schema:
        method = route.method
        access = method.options.Extensions[options_pb2.access]
        rest = method.options.Extensions[options_pb2.rest]
        raw_request = method.input_type == HTTP_BODY
        parameters = [] if raw_request else self._path_parameters(route)
        if not raw_request and not route.body:
            parameters += self._query_parameters(route)
        parameters += [_parameter("query", query) for query in rest.query_parameters]
        parameters += [_parameter("header", header) for header in rest.request_headers]
        parameters += [_parameter("cookie", cookie) for cookie in rest.request_cookies]
        operation: Schema = {
            "operationId": route.operation_id,
            "summary": _summary(method.name),
            "description": self._description(route, access),
            "tags": [tag_name(route.service)],
        }
        if parameters:
            operation["parameters"] = parameters
        if route.body:
            operation["requestBody"] = self._request_body(route, raw_request)
            if rest.request_example:
                media = operation["requestBody"]["content"]["application/json"]
                media["example"] = json.loads(rest.request_example)
        operation["security"] = _security(access)
        body_limit = self._body_limits(route.verb, route.openapi_path) if route.body else None
        facts = MethodFacts(
            takes_input=bool(parameters or route.body),
            has_body=bool(route.body),
            body_limit=body_limit,
            access=access,
            streaming_response=method.server_streaming,
        )
        success = self._success(route, access, rest)
        operation["responses"] = {"200": success, **error_responses(facts, list(rest.errors))}
        if rest.partial_content:
            operation["responses"]["206"] = {
                **success,
                "description": "One range of the bytes (the request had `Range`).",
                "headers": {
                    **success["headers"],
                    "Content-Range": {
                        "description": "`bytes <first>-<last>/<size>`",
                        "schema": {"type": "string"},
                    },
                },
            }
        operation["x-huntaze-rate-limit"] = _rate_limit_name(access.rate_limit)
        if access.plans:
            operation["x-huntaze-plans"] = list(access.plans)
        if body_limit:
            operation["x-huntaze-max-body-bytes"] = body_limit
        return operation

    def _description(self, route: Route, access: options_pb2.AccessPolicy) -> str:
        words = [_without_route(self._catalog.method_comment(route.service, route.method_index))]
        if access.public:
            words.append("**Public**: no access token needed.")
        else:
            words.append("**Needs** `Authorization: Bearer <accessToken>`.")
        if access.plans:
            words.append(f"**Plans**: {', '.join(access.plans)}.")
        if access.same_origin_only:
            words.append("**Same origin only**: browsers may call it only from the app's origins.")
        return "\n\n".join(word for word in words if word)

    def _path_parameters(self, route: Route) -> list[Schema]:
        parameters = []
        for path in route.path_fields:
            field, owner = self._field_at(route.method.input_type, path)
            schema = self._schemas.field_schema(owner, field, Direction.INPUT)
            parameters.append(
                {
                    "name": path,
                    "in": "path",
                    "required": True,
                    "description": schema.pop("description", ""),
                    "schema": schema,
                }
            )
        return parameters

    def _query_parameters(self, route: Route) -> list[Schema]:
        """Every field not bound to the path, as the transcoder reads it from the query string:
        nested messages as dotted names (`page.limit`), repeated scalars as repeated keys."""
        bound = {path.split(".")[0] for path in route.path_fields}
        parameters: list[Schema] = []
        self._add_query(route.method.input_type, "", bound, parameters, seen=())
        return parameters

    def _add_query(
        self,
        message_type: str,
        prefix: str,
        skip: set[str],
        out: list[Schema],
        seen: tuple[str, ...],
    ) -> None:
        for field in self._catalog.message(message_type).field:
            if field.name in skip:
                continue
            name = prefix + field.json_name
            repeated = field.label == FieldProto.LABEL_REPEATED
            message = field.type == FieldProto.TYPE_MESSAGE
            if message and field.type_name not in _QUERY_SCALARS:
                if (
                    not repeated
                    and field.type_name in self._catalog.messages
                    and (field.type_name not in seen)
                ):
                    child_seen = (*seen, field.type_name)
                    self._add_query(field.type_name, f"{name}.", set(), out, child_seen)
                continue  # maps, repeated messages and free JSON have no query-string form
            if message and repeated:
                continue
            schema = self._schemas.field_schema(message_type, field, Direction.INPUT)
            parameter: Schema = {
                "name": name,
                "in": "query",
                "description": schema.pop("description", ""),
                "schema": schema,
            }
            if self._schemas.field_required(message_type, field) and not prefix:
                parameter["required"] = True
            if repeated:
                parameter["style"], parameter["explode"] = "form", True
            out.append(parameter)

    def _field_at(self, message_type: str, path: str) -> tuple[FieldProto, str]:
        """The field a dotted path names, and the message that declares it."""
        *parents, last = path.split(".")
        for part in parents:
            message_type = self._field(message_type, part).type_name
        return self._field(message_type, last), message_type

    def _field(self, message_type: str, name: str) -> FieldProto:
        for field in self._catalog.message(message_type).field:
            if field.name == name:
                return field
        raise ValueError(f"{message_type} has no field {name}")

    def _request_body(self, route: Route, raw: bool) -> Schema:
        if raw:
            streamed = (
                " It is streamed to the server in chunks." if route.method.client_streaming else ""
            )
            return {
                "required": True,
                "description": f"The raw bytes, sent as they are (any media type).{streamed}",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        # The transcoder reads an empty body as an empty message: a body is needed only when
        # the message has required fields.
        if route.body == "*":
            exclude = frozenset(path.split(".")[0] for path in route.path_fields)
            schema = self._schemas.ref(route.method.input_type, Direction.INPUT, exclude=exclude)
            required = self._schemas.has_required_fields(route.method.input_type, exclude)
        else:
            field, owner = self._field_at(route.method.input_type, route.body)
            schema = self._schemas.field_schema(owner, field, Direction.INPUT)
            required = self._schemas.field_required(owner, field)
        return {"required": required, "content": {"application/json": {"schema": schema}}}

    def _success(
        self, route: Route, access: options_pb2.AccessPolicy, rest: options_pb2.RestDetails
    ) -> Schema:
        headers: dict[str, Schema] = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
        if access.rate_limit != options_pb2.RATE_LIMIT_CLASS_NONE:
            headers["RateLimit"] = {"$ref": "#/components/headers/RateLimit"}
            headers["RateLimit-Policy"] = {"$ref": "#/components/headers/RateLimitPolicy"}
        for header in rest.response_headers:
            headers[header.name] = {"description": header.description, "schema": {"type": "string"}}
        output = route.method.output_type
        if output == HTTP_BODY:
            content = {"*/*": {"schema": {"type": "string", "format": "binary"}}}
            description = "The raw bytes, with their own media type."
        else:
            schema = self._response_schema(route)
            if route.method.server_streaming:
                content = {"text/event-stream": _event_stream(schema)}
                description = (
                    "A stream of server-sent events, one `data: <JSON>` event per message, "
                    "sent as they are produced (the schema describes one event)."
                )
            else:
                content = {"application/json": {"schema": schema}}
                description = "OK"
        return {"description": description, "headers": headers, "content": content}

    def _response_schema(self, route: Route) -> Schema:
        if not route.response_body:
            return self._schemas.ref(route.method.output_type, Direction.OUTPUT)
        field, owner = self._field_at(route.method.output_type, route.response_body)
        return self._schemas.field_schema(owner, field, Direction.OUTPUT)


def _without_route(comment: str) -> str:
    """Method comments often start with their route (`POST /api/auth/refresh: rotates...`),
    which the document already shows."""
    match = re.match(r"(GET|POST|PUT|PATCH|DELETE) /\S*?(:\s*|\s*$|\s*,\s*)", comment)
    if match is None:
        return comment
    rest = comment[match.end() :]
    return rest[:1].upper() + rest[1:]


def _event_stream(event: Schema) -> Schema:
    """A `text/event-stream` body, described event by event as OpenAPI 3.2's `itemSchema` and
    Schemathesis read a 3.1 `schema` there: `{data}` whose text is the JSON of one message."""
    return {
        "schema": {
            "type": "object",
            "description": "One event: `data: <JSON of the message>` followed by a blank line.",
            "required": ["data"],
            "properties": {
                "data": {
                    "type": "string",
                    "contentMediaType": "application/json",
                    "contentSchema": event,
                }
            },
        }
    }


def _parameter(location: str, declared: options_pb2.HttpParameter) -> Schema:
    parameter: Schema = {
        "name": declared.name,
        "in": location,
        "description": declared.description,
        "schema": {"type": "string"},
    }
    if declared.required:
        parameter["required"] = True
    return parameter


def _security(access: options_pb2.AccessPolicy) -> list[Schema]:
    return [] if access.public else [{"bearerAuth": []}]


def _rate_limit_name(rate_limit: int) -> str:
    name = options_pb2.RateLimitClass.Name(rate_limit).removeprefix("RATE_LIMIT_CLASS_")
    return "standard" if name == "UNSPECIFIED" else name.lower()


def _summary(method_name: str) -> str:
    """`GenerateContentIdeasTool` -> `Generate content ideas tool`."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*", method_name)
    text = " ".join(word if word.isupper() else word.lower() for word in words)
    return text[0].upper() + text[1:]


def tag_name(service: Service) -> str:
    return service.proto.name.removesuffix("Service")

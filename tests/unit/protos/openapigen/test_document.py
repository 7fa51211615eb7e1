"""The OpenAPI generator on a sample contract that uses what ours does not yet (64-bit integers,
enums, oneofs, recursion, additional bindings, `body: "field"`, `response_body`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from generate import PROTO_ROOT, image_only
from google.protobuf import descriptor_pb2
from openapi_spec_validator import validate
from openapigen import build_document

SAMPLE = Path(__file__).parent / "sample"
Document = dict[str, Any]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> descriptor_pb2.FileDescriptorSet:
    path = tmp_path_factory.mktemp("image") / "sample.binpb"
    image_only(SAMPLE, path, extra_includes=(PROTO_ROOT,))
    return descriptor_pb2.FileDescriptorSet.FromString(path.read_bytes())


def limits(verb: str, path: str) -> int | None:
    return 4096 if (verb, path) == ("patch", "/v1/things/{id}") else None


@pytest.fixture(scope="module")
def document(image: descriptor_pb2.FileDescriptorSet) -> Document:
    return build_document(image, version="9.9.9", body_limits=limits)


def schema(document: Document, name: str) -> dict[str, Any]:
    return document["components"]["schemas"][name]


def parameters(operation: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {parameter["name"]: parameter for parameter in operation.get("parameters", [])}


def test_the_document_is_valid_openapi_3_1(document: Document) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["version"] == "9.9.9"


def test_the_same_contract_gives_the_same_bytes(image: descriptor_pb2.FileDescriptorSet) -> None:
    first = json.dumps(build_document(image, version="1", body_limits=limits))
    second = json.dumps(build_document(image, version="1", body_limits=limits))
    assert first == second


def test_every_binding_is_an_operation(document: Document) -> None:
    operations = {
        (verb, path): operation["operationId"]
        for path, item in document["paths"].items()
        for verb, operation in item.items()
    }
    assert operations == {
        ("get", "/v1/things/{id}"): "ThingService_GetThing",
        ("get", "/v1/aliases/{id}"): "ThingService_GetThing2",
        ("get", "/v1/things"): "ThingService_ListThings",
        ("post", "/v1/things"): "ThingService_CreateThing",
        ("patch", "/v1/things/{id}"): "ThingService_UpdateThing",
        ("post", "/v1/things:watch"): "ThingService_WatchThings",
        ("post", "/v1/blobs"): "ThingService_UploadBlob",
    }


def test_comments_become_descriptions_without_the_route_or_lint_directives(
    document: Document,
) -> None:
    get = document["paths"]["/v1/things/{id}"]["get"]
    assert get["description"].startswith("One thing.")
    listing = document["paths"]["/v1/things"]["get"]
    assert listing["description"].startswith("Lists things.")
    assert "buf:lint" not in listing["description"]
    assert schema(document, "Thing")["description"] == "A thing."
    assert schema(document, "Thing")["properties"]["id"]["description"] == "Its id."
    assert document["tags"] == [
        {"name": "Thing", "description": "Things, to exercise what the generator maps."}
    ]


def test_path_parameters_carry_their_rules(document: Document) -> None:
    (parameter,) = document["paths"]["/v1/things/{id}"]["get"]["parameters"]
    assert parameter["in"] == "path" and parameter["required"] is True
    assert parameter["schema"] == {"type": "string", "format": "uuid"}


def test_get_fields_become_query_parameters_as_the_transcoder_reads_them(
    document: Document,
) -> None:
    query = parameters(document["paths"]["/v1/things"]["get"])
    # Nested messages as dotted names; maps and Struct have no query-string form.
    assert set(query) == {"page.limit", "page.cursor", "tags", "kind", "since", "after", "scope"}
    assert query["page.limit"]["schema"] == {
        "type": "integer",
        "format": "int32",
        "minimum": 0,
        "maximum": 100,
    }
    assert query["tags"]["style"] == "form" and query["tags"]["explode"] is True
    assert query["tags"]["schema"]["maxItems"] == 3
    assert query["kind"]["schema"] == {"type": "string", "enum": ["KIND_UNSPECIFIED", "KIND_SMALL"]}
    assert query["since"]["schema"]["type"] == ["string", "integer"]
    assert query["after"]["schema"]["format"] == "date-time"
    assert query["scope"]["required"] is True
    assert "required" not in query["page.limit"]


def test_output_schemas_print_every_field_without_presence(document: Document) -> None:
    thing = schema(document, "Thing")
    properties = thing["properties"]
    # Zero values are printed; message fields, oneof members and `optional` fields only when set.
    assert thing["required"] == [
        "id",
        "count",
        "size",
        "kind",
        "children",
        "labels",
        "blob",
    ]
    assert properties["count"] == {"type": "string", "format": "int64"}
    assert properties["size"] == {"type": "integer", "minimum": 0, "maximum": 4294967295}
    assert properties["children"]["items"] == {"$ref": "#/components/schemas/Thing"}
    assert properties["labels"]["propertyNames"] == {"pattern": "^-?[0-9]+$"}
    assert properties["labels"]["additionalProperties"] == {"type": "string"}
    assert properties["blob"]["contentEncoding"] == "base64"
    assert properties["createdAt"]["format"] == "date-time"
    assert properties["ttl"]["pattern"].endswith("s$")
    assert properties["maybe"]["type"] == "integer"
    assert properties["extra"]["type"] == "object"
    assert "type" not in properties["anything"]  # any JSON value


def test_a_message_used_both_ways_gets_an_input_variant(document: Document) -> None:
    # Thing is both the body of CreateThing (input) and a response (output).
    thing_input = schema(document, "ThingInput")
    assert "required" not in thing_input
    assert thing_input["properties"]["count"]["type"] == ["string", "integer"]
    assert thing_input["properties"]["children"]["items"] == {
        "$ref": "#/components/schemas/ThingInput"
    }


def test_request_rules_become_keywords_and_cel_becomes_words(document: Document) -> None:
    body = schema(document, "UpdateThingRequestBody")
    # The path's `id` is not part of the body.
    assert set(body["properties"]) == {"name", "updateMask"}
    assert body["properties"]["name"] == {"type": "string", "minLength": 1, "maxLength": 10}
    assert body["required"] == ["name"]
    request = document["paths"]["/v1/things"]["get"]
    assert "since must come before until" not in request["description"]
    assert schema(document, "ListThingsResponse")["required"] == ["things"]


def test_a_body_is_required_only_when_the_message_has_required_fields(
    document: Document,
) -> None:
    # The transcoder reads an empty body as an empty message.
    assert document["paths"]["/v1/things/{id}"]["patch"]["requestBody"]["required"] is True
    assert document["paths"]["/v1/things:watch"]["post"]["requestBody"]["required"] is False
    # Request objects refuse an empty key, as the transcoder does.
    assert schema(document, "WatchThingsRequest")["propertyNames"] == {"minLength": 1}


def test_body_field_and_response_body(document: Document) -> None:
    create = document["paths"]["/v1/things"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ThingInput"}
    assert parameters(create) == {}  # request_id is neither in the path nor in the body
    response = create["responses"]["200"]["content"]["application/json"]["schema"]
    assert response == {"$ref": "#/components/schemas/Thing"}


def test_streams_are_server_sent_events(document: Document) -> None:
    content = document["paths"]["/v1/things:watch"]["post"]["responses"]["200"]["content"]
    event = content["text/event-stream"]["schema"]
    assert event["required"] == ["data"]
    data = event["properties"]["data"]
    assert data["contentMediaType"] == "application/json"
    assert data["contentSchema"] == {"$ref": "#/components/schemas/Thing"}


def test_raw_bodies_take_any_media_type(document: Document) -> None:
    upload = document["paths"]["/v1/blobs"]["post"]
    content = upload["requestBody"]["content"]
    assert content == {"*/*": {"schema": {"type": "string", "format": "binary"}}}
    assert "streamed" in upload["requestBody"]["description"]


def test_access_options_become_security_and_extensions(document: Document) -> None:
    get = document["paths"]["/v1/things/{id}"]["get"]
    assert get["security"] == [{"bearerAuth": []}]
    assert get["x-huntaze-plans"] == ["pro"]
    assert "**Plans**: pro." in get["description"]
    listing = document["paths"]["/v1/things"]["get"]
    assert listing["security"] == []
    assert listing["x-huntaze-rate-limit"] == "none"
    upload = document["paths"]["/v1/blobs"]["post"]
    assert upload["security"] == []
    assert "**Same origin only**" in upload["description"]
    assert parameters(upload)["session"] == {
        "name": "session",
        "in": "cookie",
        "description": "The session.",
        "schema": {"type": "string"},
        "required": True,
    }


def test_error_responses_follow_from_the_options(document: Document) -> None:
    def statuses(verb: str, path: str) -> list[str]:
        return list(document["paths"][path][verb]["responses"])

    # Not public: 401; plans: 403; rate limited: 429; declared: 404.
    assert statuses("get", "/v1/things/{id}") == [
        "200",
        "400",
        "401",
        "403",
        "404",
        "429",
        "431",
        "500",
        "503",
        "504",
    ]
    # Public, not rate limited.
    assert statuses("get", "/v1/things") == ["200", "400", "431", "500", "503", "504"]
    # A body: 413 with the route's limit; a stream has no route timeout (no 504).
    update = document["paths"]["/v1/things/{id}"]["patch"]
    assert "4096 bytes" in update["responses"]["413"]["description"]
    assert update["x-huntaze-max-body-bytes"] == 4096
    assert "504" not in statuses("post", "/v1/things:watch")
    declared = document["paths"]["/v1/things/{id}"]["get"]["responses"]["404"]
    assert declared["description"] == "No such thing."
    assert declared["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_declared_headers(document: Document) -> None:
    update = document["paths"]["/v1/things/{id}"]["patch"]
    assert parameters(update)["If-Match"] == {
        "name": "If-Match",
        "in": "header",
        "description": "The version the client has.",
        "schema": {"type": "string"},
        "required": True,
    }
    assert update["responses"]["200"]["headers"]["ETag"]["description"] == "The new version."
    assert update["requestBody"]["content"]["application/json"]["example"] == {"name": "box"}


def test_the_error_shape_names_its_details(document: Document) -> None:
    error = schema(document, "Error")
    assert error["required"] == ["code", "message"]
    tags = [
        detail["properties"]["@type"]["const"]
        for detail in error["properties"]["details"]["items"]["oneOf"]
    ]
    assert tags == [
        "type.googleapis.com/google.rpc.ErrorInfo",
        "type.googleapis.com/google.rpc.BadRequest",
        "type.googleapis.com/google.rpc.RetryInfo",
    ]
    # Envoy's own error replies leave out empty fields: no detail field is required.
    assert "required" not in schema(document, "ErrorInfo")


def test_every_reference_resolves(document: Document) -> None:
    text = json.dumps(document)
    for ref in set(_refs(document)):
        kind, name = ref.removeprefix("#/components/").split("/")
        assert name in document["components"][kind], ref
    assert '"$ref": ""' not in text


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []

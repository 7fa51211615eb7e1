"""generated/openapi.json states what the fuzz tests found the transcoder and the server do
(each was a Schemathesis failure against the first version of the document)."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

import huntaze.v1
import protovalidate
import pytest
from google.protobuf import descriptor_pool, json_format, message_factory

DOCUMENT = json.loads(
    (Path(__file__).resolve().parents[4] / "generated" / "openapi.json").read_text()
)
SCHEMAS = DOCUMENT["components"]["schemas"]
# The contract's services, registered in the default descriptor pool.
for _module in pkgutil.iter_modules(huntaze.v1.__path__):
    importlib.import_module(f"huntaze.v1.{_module.name}")


def operation(verb: str, path: str) -> dict[str, Any]:
    return DOCUMENT["paths"][path][verb]


def cookies(verb: str, path: str) -> dict[str, bool]:
    return {
        parameter["name"]: parameter.get("required", False)
        for parameter in operation(verb, path).get("parameters", [])
        if parameter["in"] == "cookie"
    }


def test_refresh_needs_the_session_cookie_and_logout_does_not() -> None:
    """Logout without a cookie answers 200 (it clears the cookie): the first document required
    the cookie there, as a security scheme."""
    assert cookies("post", "/api/auth/refresh") == {"refreshToken": True}
    assert cookies("post", "/api/auth/logout") == {"refreshToken": False}
    assert operation("post", "/api/auth/logout")["security"] == []


@pytest.mark.parametrize(
    ("path", "required"),
    [("/api/auth/refresh", False), ("/api/auth/logout", False), ("/api/auth/signup", True)],
)
def test_a_body_is_required_only_where_an_empty_one_is_refused(path: str, required: bool) -> None:
    """The transcoder reads a missing body as `{}`."""
    assert operation("post", path)["requestBody"]["required"] is required


def test_request_objects_refuse_an_empty_key() -> None:
    """`{"": 1}` is a 400 from the transcoder ("Proto fields must have a name")."""
    requests = [
        name
        for name in SCHEMAS
        if name.endswith(("Request", "Input", "RequestBody")) and name != "BadRequest"
    ]
    assert requests
    for name in requests:
        assert SCHEMAS[name]["propertyNames"] == {"minLength": 1}, name


def test_field_masks_have_the_syntax_the_transcoder_reads() -> None:
    pattern = SCHEMAS["UpdateMeRequest"]["properties"]["updateMask"]["pattern"]
    for valid in ("", "name", "name,profile.niches", "profile.restrictedWords"):
        assert re.search(pattern, valid), valid
    for invalid in ('Ð[ó"Ñ', "name,", "profile..bio", "a b"):
        assert not re.search(pattern, invalid), invalid


def test_timestamps_state_their_range() -> None:
    """Year 0 (e.g. 0001-01-01T00:00:00+01:00) is a 400 from the transcoder."""
    scheduled = SCHEMAS["SchedulePostRequest"]["properties"]["scheduledAt"]
    assert scheduled["format"] == "date-time"
    assert "from 0001-01-01 to 9999-12-31 UTC" in scheduled["description"]


def test_the_stream_schema_describes_one_event() -> None:
    media = operation("post", "/api/ai-assistant/generate")["responses"]["200"]["content"]
    event = media["text/event-stream"]["schema"]
    assert event["required"] == ["data"]
    assert event["properties"]["data"]["contentSchema"] == {
        "$ref": "#/components/schemas/GenerateTextResponse"
    }


def _request_examples() -> list[tuple[str, Any, Any]]:
    examples = []
    for path, item in DOCUMENT["paths"].items():
        for verb, op in item.items():
            media = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in media:
                examples.append((f"{verb.upper()} {path}", op["operationId"], media["example"]))
    return examples


@pytest.mark.parametrize(("label", "operation_id", "example"), _request_examples())
def test_request_examples_pass_the_request_rules(
    label: str, operation_id: str, example: Any
) -> None:
    """The reference shows them and the fuzz tests send them first: each must be valid."""
    service_name, method_name = operation_id.split("_")
    service = descriptor_pool.Default().FindServiceByName(f"huntaze.v1.{service_name}")
    request = message_factory.GetMessageClass(service.methods_by_name[method_name].input_type)()
    json_format.Parse(json.dumps(example), request)
    protovalidate.validate(request)


def test_the_served_routes_have_examples() -> None:
    labels = {label for label, _, _ in _request_examples()}
    assert {
        "POST /api/auth/signup",
        "POST /api/auth/signin",
        "PATCH /api/users/me",
        "POST /api/content-ideas/generate",
        "POST /api/ai-assistant/generate",
        "POST /api/ai-assistant/tools/content-ideas",
        "POST /api/ai-assistant/tools/message-generator",
        "POST /api/ai-assistant/tools/pricing-optimizer",
        "POST /api/billing/subscriptions",
        "POST /api/billing/portal",
        "POST /api/billing/message-packs/checkout",
        "POST /api/content-creation/content",
        "POST /api/content-creation/campaigns",
    } <= labels

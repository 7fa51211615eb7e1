"""What the fuzz tests (e2e/test_openapi_fuzz.py) know about the API beyond its OpenAPI document:
the rules the document can only state in words, and how proto3 JSON reads a request."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from typing import Any

import huntaze.v1
import jsonschema
import referencing
import referencing.jsonschema
from buf.validate import validate_pb2
from google.protobuf.descriptor import Descriptor

# Rules the use cases check (the proto comments say so) and the one every string obeys.
SERVICE_RULES = frozenset(
    {
        "string.no_nul",
        "timezone.iana",
        "template.missing_value",
        "template.restricted_word",
        "template.unbalanced_braces",
        "template.unknown_variable",
        "context.restricted_word",
        "page.cursor_invalid",
        "caption.restricted_word",
        "schedule.in_future",
        "schedule.within_horizon",
        "event.occurred_at",
        "event.amount_cents",
        "window.date",
        "window.max_days",
        "window.range",
    }
)


def _messages() -> Iterator[Descriptor]:
    def walk(message: Descriptor) -> Iterator[Descriptor]:
        yield message
        for nested in message.nested_types:
            yield from walk(nested)

    for module in pkgutil.iter_modules(huntaze.v1.__path__):
        if module.name.endswith("_pb2"):
            compiled = importlib.import_module(f"huntaze.v1.{module.name}")
            for message in compiled.DESCRIPTOR.message_types_by_name.values():
                yield from walk(message)


def cel_rule_ids() -> frozenset[str]:
    """The id of every CEL rule in the contract: the document describes these in words."""
    ids: set[str] = set()
    for message in _messages():
        ids |= {rule.id for rule in message.GetOptions().Extensions[validate_pb2.message].cel}
        for field in message.fields:
            rules = field.GetOptions().Extensions[validate_pb2.field]
            ids |= {rule.id for rule in rules.cel}
            ids |= {rule.id for rule in rules.repeated.items.cel}
    return frozenset(ids)


WORDED_RULES = cel_rule_ids() | SERVICE_RULES


# What the transcoder refuses that the document states in words (Timestamp's range).
TRANSCODER_WORDED_LIMITS = ("Timestamp value exceeds limits",)


def refused_only_for_worded_rules(body: Any) -> bool:
    """Whether a 400's violations are all rules the document states in words."""
    if not isinstance(body, dict):
        return False
    if any(limit in str(body.get("message", "")) for limit in TRANSCODER_WORDED_LIMITS):
        return True
    reasons = [
        violation.get("reason")
        for detail in body.get("details", [])
        if detail.get("@type", "").endswith("google.rpc.BadRequest")
        for violation in detail.get("fieldViolations", [])
    ]
    return bool(reasons) and all(reason in WORDED_RULES for reason in reasons)


class Proto3Json:
    """Reads a JSON body as the transcoder does before checking it against the document: `null`
    means absent and numbers may be strings (the proto3 JSON mapping); the transcoder also reads a
    single value as a one-item array, flattens nested arrays, drops nulls inside arrays and reads
    `{}` as an absent Timestamp or FieldMask."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document
        resource = referencing.Resource.from_contents(
            document, default_specification=referencing.jsonschema.DRAFT202012
        )
        self._registry = referencing.Registry().with_resource("urn:openapi", resource)

    def validator(self, schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
        return jsonschema.Draft202012Validator(
            self._absolute(schema),
            registry=self._registry,
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )

    def reads_as_valid(self, body: Any, schema: dict[str, Any]) -> bool:
        return self.validator(schema).is_valid(self.normalize(body, schema))

    def normalize(self, value: Any, schema: dict[str, Any]) -> Any:
        schema = self._resolve(schema)
        if isinstance(value, dict) and "properties" in schema:
            properties = schema["properties"]
            return {
                key: self.normalize(item, properties.get(key, {}))
                for key, item in value.items()
                if not _absent(item, self._resolve(properties.get(key, {})))
            }
        if schema.get("type") == "array" and "items" in schema:
            items = value if isinstance(value, list) else [value]
            return [self.normalize(item, schema["items"]) for item in _flat(items)]
        if isinstance(value, str) and schema.get("type") in ("integer", "number"):
            try:
                number = json.loads(value)
            except ValueError:
                return value
            return number if isinstance(number, int | float) else value
        return value

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The schema a $ref points to (the document's own references are local)."""
        while "$ref" in schema:
            node: Any = self._document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return schema

    def _absolute(self, schema: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(schema).replace('"$ref": "#/', '"$ref": "urn:openapi#/')
        return json.loads(text)


def _absent(value: Any, schema: dict[str, Any]) -> bool:
    return value is None or (value == {} and schema.get("type") == "string")


def _flat(items: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        if isinstance(item, list):
            flat.extend(_flat(item))
        elif item is not None:
            flat.append(item)
    return flat

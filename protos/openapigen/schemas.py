"""Messages as JSON Schema, in the JSON Envoy's transcoder reads and prints (proto3 JSON mapping
with `always_print_primitive_fields`): lowerCamelCase names, 64-bit integers as strings,
Timestamp as RFC 3339, maps as objects, Struct/Value/ListValue as free JSON.

Each message gets a component per direction, because the two differ:
- output (what the API prints): every field without presence is always there (zero values
  included), so it is `required`; message fields, `optional` fields and oneof members appear only
  when set. No request rules.
- input (what a client sends): protovalidate's rules as keywords (rules.py); a field is required
  when the server refuses its absence.
A message used both ways is `Name` (output) and `NameInput`; error details are a third, loose
variant (Envoy's own error replies omit empty fields).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from enum import Enum
from typing import Any

from buf.validate import validate_pb2
from google.protobuf import descriptor_pb2

from openapigen.catalog import Catalog
from openapigen.rules import Constraints, field_constraints, message_words

FieldProto = descriptor_pb2.FieldDescriptorProto
Schema = dict[str, Any]

INT32 = {"type": "integer", "format": "int32", "minimum": -(2**31), "maximum": 2**31 - 1}
UINT32 = {"type": "integer", "minimum": 0, "maximum": 2**32 - 1}
# proto3 JSON prints 64-bit integers as strings and reads strings or numbers.
INT64_OUT = {"type": "string", "format": "int64"}
INT64_IN = {"type": ["string", "integer"], "format": "int64"}
_SCALARS: dict[int, Schema] = {
    FieldProto.TYPE_DOUBLE: {"type": "number", "format": "double"},
    FieldProto.TYPE_FLOAT: {"type": "number", "format": "float"},
    FieldProto.TYPE_INT32: INT32,
    FieldProto.TYPE_SINT32: INT32,
    FieldProto.TYPE_SFIXED32: INT32,
    FieldProto.TYPE_UINT32: UINT32,
    FieldProto.TYPE_FIXED32: UINT32,
    FieldProto.TYPE_BOOL: {"type": "boolean"},
    FieldProto.TYPE_STRING: {"type": "string"},
    FieldProto.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}
_INT64 = {
    FieldProto.TYPE_INT64,
    FieldProto.TYPE_SINT64,
    FieldProto.TYPE_SFIXED64,
    FieldProto.TYPE_UINT64,
    FieldProto.TYPE_FIXED64,
}
_WRAPPERS = {
    "DoubleValue": _SCALARS[FieldProto.TYPE_DOUBLE],
    "FloatValue": _SCALARS[FieldProto.TYPE_FLOAT],
    "Int32Value": INT32,
    "UInt32Value": UINT32,
    "Int64Value": INT64_OUT,
    "UInt64Value": INT64_OUT,
    "BoolValue": _SCALARS[FieldProto.TYPE_BOOL],
    "StringValue": _SCALARS[FieldProto.TYPE_STRING],
    "BytesValue": _SCALARS[FieldProto.TYPE_BYTES],
}
_FIELD_PATH = "[A-Za-z_][A-Za-z0-9_]*([.][A-Za-z_][A-Za-z0-9_]*)*"
# The well-known types have their own JSON forms; they are written inline, never as components.
WELL_KNOWN: dict[str, Schema] = {
    ".google.protobuf.Timestamp": {
        "type": "string",
        "format": "date-time",
        "description": "RFC 3339 date-time from 0001-01-01 to 9999-12-31 UTC; printed in UTC "
        "(`2026-01-31T20:15:00.123Z`).",
    },
    ".google.protobuf.Duration": {
        "type": "string",
        "pattern": "^-?[0-9]+(\\.[0-9]{1,9})?s$",
        "description": "Seconds with an `s` suffix, e.g. `1.5s`.",
    },
    ".google.protobuf.FieldMask": {
        "type": "string",
        "pattern": f"^$|^{_FIELD_PATH}(,{_FIELD_PATH})*$",
        "description": "Comma-separated field paths in lowerCamelCase, e.g. `name,profile.bio`.",
    },
    ".google.protobuf.Struct": {"type": "object", "description": "Any JSON object."},
    ".google.protobuf.Value": {"description": "Any JSON value."},
    ".google.protobuf.ListValue": {"type": "array", "description": "Any JSON array."},
    ".google.protobuf.NullValue": {"type": "null"},
    ".google.protobuf.Empty": {"type": "object"},
    ".google.protobuf.Any": {
        "type": "object",
        "properties": {"@type": {"type": "string"}},
        "required": ["@type"],
    },
    **{f".google.protobuf.{name}": {**schema} for name, schema in _WRAPPERS.items()},
}


class Direction(Enum):
    INPUT = "input"
    OUTPUT = "output"
    ERROR_DETAIL = "error"


def has_presence(field: FieldProto) -> bool:
    """Whether the printed JSON can leave the field out (proto3 explicit presence)."""
    if field.label == FieldProto.LABEL_REPEATED:
        return False
    return (
        field.proto3_optional
        or field.HasField("oneof_index")
        or field.type in (FieldProto.TYPE_MESSAGE, FieldProto.TYPE_GROUP)
    )


def field_rules(field: FieldProto) -> validate_pb2.FieldRules:
    return field.options.Extensions[validate_pb2.field]


class SchemaBuilder:
    """Builds component schemas on demand (`ref`) and names them once all are known
    (`components`)."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._schemas: dict[tuple[str, Direction, frozenset[str]], Schema] = {}
        self._refs: dict[tuple[str, Direction, frozenset[str]], list[Schema]] = defaultdict(list)

    def ref(
        self, type_name: str, direction: Direction, *, exclude: frozenset[str] = frozenset()
    ) -> Schema:
        """A schema for a message: inline for well-known types, else a $ref to its component
        (without the fields in `exclude`, e.g. those a route takes from its path)."""
        if type_name in WELL_KNOWN:
            return copy.deepcopy(WELL_KNOWN[type_name])
        key = (type_name, direction, exclude)
        reference: Schema = {"$ref": ""}
        self._refs[key].append(reference)
        if key not in self._schemas:
            self._schemas[key] = {}  # placeholder: recursive messages refer to themselves
            self._schemas[key] = self._message(type_name, direction, exclude)
        return reference

    def field_schema(self, message_type: str, field: FieldProto, direction: Direction) -> Schema:
        """One field's schema (used for path and query parameters)."""
        schema, _ = self._property(message_type, field, direction)
        return schema

    def field_required(self, message_type: str, field: FieldProto) -> bool:
        """Whether a request without this field is refused."""
        _, required = self._property(message_type, field, Direction.INPUT)
        return required

    def has_required_fields(self, type_name: str, exclude: frozenset[str]) -> bool:
        """Whether a request message (built by `ref` first) refuses to be empty."""
        return bool(self._schemas[(type_name, Direction.INPUT, exclude)].get("required"))

    def components(self) -> dict[str, Schema]:
        """Every component built so far, under its final name; fills in the $refs."""
        both_ways = {
            type_name
            for type_name, direction, _ in self._schemas
            if direction is Direction.INPUT
            and any(
                other == type_name and d is not Direction.INPUT for other, d, _ in self._schemas
            )
        }
        named: dict[str, Schema] = {}
        for key in sorted(self._schemas, key=lambda k: (k[0], k[1].value, sorted(k[2]))):
            type_name, direction, exclude = key
            name = self._catalog.short_name(type_name).replace(".", "_")
            if exclude:
                name += "Body"
            elif direction is Direction.INPUT and type_name in both_ways:
                name += "Input"
            if name in named:
                raise ValueError(f"two schemas would be named {name}")
            named[name] = self._schemas[key]
            for reference in self._refs[key]:
                reference["$ref"] = f"#/components/schemas/{name}"
        return dict(sorted(named.items()))

    def _message(self, type_name: str, direction: Direction, exclude: frozenset[str]) -> Schema:
        message = self._catalog.message(type_name)
        properties: dict[str, Schema] = {}
        required: list[str] = []
        for field in message.field:
            if field.name in exclude:
                continue
            schema, must = self._property(type_name, field, direction)
            properties[field.json_name] = schema
            if must:
                required.append(field.json_name)
        schema: Schema = {"type": "object"}
        words = [self._catalog.comment(type_name)]
        if direction is Direction.INPUT:
            words += message_words(message.options.Extensions[validate_pb2.message])
        _describe(schema, words)
        if direction is Direction.INPUT:
            # The transcoder refuses an empty key ("Proto fields must have a name").
            schema["propertyNames"] = {"minLength": 1}
        schema["properties"] = properties
        if required:
            schema["required"] = required
        return schema

    def _property(
        self, message_type: str, field: FieldProto, direction: Direction
    ) -> tuple[Schema, bool]:
        """(schema, required) of one field of `message_type`."""
        index = list(self._catalog.message(message_type).field).index(field)
        rules = field_constraints(field_rules(field)) if direction is Direction.INPUT else None
        constraints = rules or Constraints()
        words = [self._catalog.field_comment(message_type, index)]
        map_entry = self._map_entry(field)
        if map_entry is not None:
            key, value = map_entry.field
            schema: Schema = {"type": "object"}
            names = _key_schema(key, constraints.keys)
            if names:
                schema["propertyNames"] = names
            schema["additionalProperties"] = self._value(value, direction, constraints.values)
            schema.update(constraints.keywords)
            words += _element_words("Each key", constraints.keys)
            words += _element_words("Each value", constraints.values)
        elif field.label == FieldProto.LABEL_REPEATED:
            schema = {"type": "array", "items": self._value(field, direction, constraints.items)}
            schema.update(constraints.keywords)
            words += _element_words("Each item", constraints.items)
        else:
            schema = self._value(field, direction, constraints)
        words += constraints.words
        _describe(schema, words)
        if direction is Direction.INPUT:
            required = constraints.required or (
                not has_presence(field) and constraints.zero_breaks_rule
            )
        else:
            required = direction is Direction.OUTPUT and not has_presence(field)
        return schema, required

    def _value(
        self, field: FieldProto, direction: Direction, constraints: Constraints | None
    ) -> Schema:
        """The schema of one value of the field (an element, for repeated fields)."""
        if field.type in (FieldProto.TYPE_MESSAGE, FieldProto.TYPE_GROUP):
            schema = self.ref(field.type_name, direction)
        elif field.type == FieldProto.TYPE_ENUM:
            schema = self._enum(field.type_name)
        elif field.type in _INT64:
            schema = dict(INT64_IN if direction is Direction.INPUT else INT64_OUT)
        else:
            schema = dict(_SCALARS[field.type])
        if constraints is not None:
            # Rule bounds replace the type's own (int32's range), never loosen them.
            schema.update(constraints.keywords)
        return schema

    def _enum(self, type_name: str) -> Schema:
        values = [value.name for value in self._catalog.enums[type_name].value]
        return {"type": "string", "enum": values}

    def _map_entry(self, field: FieldProto) -> descriptor_pb2.DescriptorProto | None:
        if field.label != FieldProto.LABEL_REPEATED or field.type != FieldProto.TYPE_MESSAGE:
            return None
        entry = self._catalog.messages.get(field.type_name)
        return entry if entry is not None and entry.options.map_entry else None


def _key_schema(key: FieldProto, constraints: Constraints | None) -> Schema:
    """Map keys are JSON object keys, so strings; integer keys as their decimal form."""
    if key.type in (FieldProto.TYPE_STRING,):
        return dict(constraints.keywords) if constraints else {}
    if key.type == FieldProto.TYPE_BOOL:
        return {"enum": ["true", "false"]}
    return {"pattern": "^-?[0-9]+$"}


def _element_words(label: str, constraints: Constraints | None) -> list[str]:
    if constraints is None or not constraints.words:
        return []
    return [f"{label}: {' '.join(constraints.words)}"]


def _describe(schema: Schema, words: list[str]) -> None:
    text = " ".join(word for word in words if word)
    if text:
        # A well-known type's own description comes after the field's.
        own = schema.pop("description", "")
        schema["description"] = f"{text} {own}".strip() if own else text

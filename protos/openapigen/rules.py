"""protovalidate rules as JSON Schema: what maps becomes keywords, the rest (CEL, byte lengths)
becomes words in the description. Also decides whether a field must be present in a request:
a field without presence that is absent is its zero value, so it is required exactly when its
zero value breaks a rule."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from buf.validate import validate_pb2

# protovalidate's well-known string formats that JSON Schema names too.
_FORMATS = {
    "email": "email",
    "hostname": "hostname",
    "ipv4": "ipv4",
    "ipv6": "ipv6",
    "uri": "uri",
    "uri_ref": "uri-reference",
    "uuid": "uuid",
}
_NUMERIC_KINDS = {
    "float",
    "double",
    "int32",
    "int64",
    "uint32",
    "uint64",
    "sint32",
    "sint64",
    "fixed32",
    "fixed64",
    "sfixed32",
    "sfixed64",
}


@dataclass
class Constraints:
    """A field's rules as JSON Schema keywords (`keywords`, for the field's own schema, and
    `items`/`keys`/`values` for repeated and map elements) plus sentences for the rest."""

    keywords: dict[str, Any] = field(default_factory=dict)
    items: Constraints | None = None
    keys: Constraints | None = None
    values: Constraints | None = None
    words: list[str] = field(default_factory=list)
    zero_breaks_rule: bool = False
    required: bool = False


def field_constraints(rules: validate_pb2.FieldRules) -> Constraints:
    """The JSON Schema equivalent of one field's (or element's) protovalidate rules."""
    result = Constraints(required=rules.required)
    for rule in rules.cel:
        result.words.append(describe_cel(rule))
    for expression in rules.cel_expression:
        result.words.append(f"Must satisfy the CEL expression `{expression}`.")
    kind = rules.WhichOneof("type")
    if kind == "string":
        _string(rules.string, result)
    elif kind == "bytes":
        _bytes(rules.bytes, result)
    elif kind == "bool":
        if rules.bool.HasField("const"):
            result.keywords["const"] = rules.bool.const
            result.zero_breaks_rule = rules.bool.const
    elif kind in _NUMERIC_KINDS:
        _number(getattr(rules, kind), result)
    elif kind == "enum":
        _enum(rules.enum, result)
    elif kind == "repeated":
        _repeated(rules.repeated, result)
    elif kind == "map":
        _map(rules.map, result)
    elif kind == "timestamp":
        _timestamp(rules.timestamp, result)
    elif kind is not None:
        result.words.append(f"Rules on this {kind} are checked by the server.")
    if rules.ignore == validate_pb2.IGNORE_IF_ZERO_VALUE:
        result.zero_breaks_rule = False
        result.words.append("The rules apply only to a non-empty value.")
    if rules.ignore == validate_pb2.IGNORE_ALWAYS:
        return Constraints()
    return result


def describe_cel(rule: validate_pb2.Rule) -> str:
    message = rule.message or f"must satisfy `{rule.expression}`"
    return f"{message[0].upper()}{message[1:]} (rule `{rule.id}`)."


def _string(rules: validate_pb2.StringRules, result: Constraints) -> None:
    keywords, zero = result.keywords, ""
    if rules.HasField("const"):
        keywords["const"] = rules.const
    if rules.HasField("len"):
        keywords["minLength"] = keywords["maxLength"] = rules.len
    if rules.HasField("min_len"):
        keywords["minLength"] = rules.min_len
    if rules.HasField("max_len"):
        keywords["maxLength"] = rules.max_len
    patterns = []
    if rules.HasField("pattern"):
        patterns.append(rules.pattern)
    if rules.HasField("prefix"):
        patterns.append("^" + re.escape(rules.prefix))
    if rules.HasField("suffix"):
        patterns.append(re.escape(rules.suffix) + "$")
    if rules.HasField("contains"):
        patterns.append(re.escape(rules.contains))
    if patterns:
        keywords["pattern"] = patterns[0]
        if len(patterns) > 1:
            keywords["allOf"] = [{"pattern": pattern} for pattern in patterns[1:]]
    if rules.HasField("not_contains"):
        result.words.append(f"Must not contain `{rules.not_contains}`.")
    if getattr(rules, "in"):
        keywords["enum"] = list(getattr(rules, "in"))
    if rules.not_in:
        keywords["not"] = {"enum": list(rules.not_in)}
    for name, value in (
        ("len_bytes", "exactly {} bytes"),
        ("min_bytes", "at least {} bytes"),
        ("max_bytes", "at most {} bytes"),
    ):
        if rules.HasField(name):
            result.words.append(f"UTF-8 length: {value.format(getattr(rules, name))}.")
    well_known = rules.WhichOneof("well_known")
    if well_known in _FORMATS:
        keywords["format"] = _FORMATS[well_known]
    elif well_known is not None:
        label = well_known.replace("_", " ")
        result.words.append(f"Must be a valid {label} (checked by the server).")
    result.zero_breaks_rule = (
        (rules.HasField("const") and rules.const != zero)
        or rules.len > 0
        or rules.min_len > 0
        or rules.len_bytes > 0
        or rules.min_bytes > 0
        or any(not _python_search(pattern, zero) for pattern in patterns)
        or (bool(getattr(rules, "in")) and zero not in getattr(rules, "in"))
        or zero in rules.not_in
        or well_known is not None
    )


def _python_search(pattern: str, text: str) -> bool:
    """RE2 and Python agree on the patterns these protos use; a pattern Python cannot read is
    taken to match (the field is then not marked required: the server still checks it)."""
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True


def _bytes(rules: validate_pb2.BytesRules, result: Constraints) -> None:
    limits = [
        f"{name.replace('_', ' ')} {getattr(rules, name)}"
        for name in ("len", "min_len", "max_len")
        if rules.HasField(name)
    ]
    if limits:
        result.words.append(f"Decoded length in bytes: {', '.join(limits)}.")
    result.zero_breaks_rule = rules.len > 0 or rules.min_len > 0


def _number(rules: Any, result: Constraints) -> None:
    keywords = result.keywords
    if rules.HasField("const"):
        keywords["const"] = rules.const
    lower = rules.gt if rules.HasField("gt") else rules.gte if rules.HasField("gte") else None
    upper = rules.lt if rules.HasField("lt") else rules.lte if rules.HasField("lte") else None
    if lower is not None and upper is not None and lower > upper:
        # protovalidate's "outside the range" form, which JSON Schema needs `not` for.
        result.words.append(f"Must not lie between {upper} and {lower}.")
        return
    if rules.HasField("gt"):
        keywords["exclusiveMinimum"] = rules.gt
    if rules.HasField("gte"):
        keywords["minimum"] = rules.gte
    if rules.HasField("lt"):
        keywords["exclusiveMaximum"] = rules.lt
    if rules.HasField("lte"):
        keywords["maximum"] = rules.lte
    if getattr(rules, "in"):
        keywords["enum"] = list(getattr(rules, "in"))
    if rules.not_in:
        keywords["not"] = {"enum": list(rules.not_in)}
    if getattr(rules, "finite", False):
        result.words.append("Must be finite (not NaN or Infinity).")
    result.zero_breaks_rule = (
        (rules.HasField("const") and rules.const != 0)
        or (rules.HasField("gt") and rules.gt >= 0)
        or (rules.HasField("gte") and rules.gte > 0)
        or (rules.HasField("lt") and rules.lt <= 0)
        or (rules.HasField("lte") and rules.lte < 0)
        or (bool(getattr(rules, "in")) and 0 not in getattr(rules, "in"))
        or 0 in rules.not_in
    )


def _enum(rules: validate_pb2.EnumRules, result: Constraints) -> None:
    if rules.defined_only:
        result.words.append("Only the values listed are accepted.")
    if rules.HasField("const") or getattr(rules, "in") or rules.not_in:
        result.words.append("Some values are refused by the server (enum rules).")
    result.zero_breaks_rule = (
        (rules.HasField("const") and rules.const != 0)
        or (bool(getattr(rules, "in")) and 0 not in getattr(rules, "in"))
        or 0 in rules.not_in
    )


def _repeated(rules: validate_pb2.RepeatedRules, result: Constraints) -> None:
    if rules.HasField("min_items"):
        result.keywords["minItems"] = rules.min_items
    if rules.HasField("max_items"):
        result.keywords["maxItems"] = rules.max_items
    if rules.unique:
        result.keywords["uniqueItems"] = True
    if rules.HasField("items"):
        result.items = field_constraints(rules.items)
    result.zero_breaks_rule = rules.min_items > 0


def _map(rules: validate_pb2.MapRules, result: Constraints) -> None:
    if rules.HasField("min_pairs"):
        result.keywords["minProperties"] = rules.min_pairs
    if rules.HasField("max_pairs"):
        result.keywords["maxProperties"] = rules.max_pairs
    if rules.HasField("keys"):
        result.keys = field_constraints(rules.keys)
    if rules.HasField("values"):
        result.values = field_constraints(rules.values)
    result.zero_breaks_rule = rules.min_pairs > 0


def _timestamp(rules: validate_pb2.TimestampRules, result: Constraints) -> None:
    if rules.lt_now:
        result.words.append("Must be in the past.")
    if rules.gt_now:
        result.words.append("Must be in the future.")
    if rules.HasField("within"):
        result.words.append(f"Must be within {rules.within.seconds} s of now.")
    for name in ("const", "lt", "lte", "gt", "gte"):
        if rules.HasField(name):
            bound = getattr(rules, name).ToJsonString()
            result.words.append(f"Bound `{name}`: {bound}.")


def message_words(rules: validate_pb2.MessageRules) -> list[str]:
    """Rules across fields (CEL on the message, oneof rules), in words."""
    words = [describe_cel(rule) for rule in rules.cel]
    words += [f"Must satisfy the CEL expression `{text}`." for text in rules.cel_expression]
    for oneof in rules.oneof:
        names = ", ".join(f"`{name}`" for name in oneof.fields)
        quantity = "Exactly one" if oneof.required else "At most one"
        words.append(f"{quantity} of {names} may be set.")
    return words

"""protovalidate on every request message (each message of a client stream too).

Violations become one services.errors.InvalidArgument whose field violations name fields the way
REST clients wrote them: lowerCamelCase JSON names, dotted, with [index] / ["key"] subscripts
(e.g. `profile.contentTypes[1]`). A message-level rule (CEL on the message) names the path of
that message, "" for the request itself. google.api.HttpBody requests (raw bytes) are skipped.
"""

from __future__ import annotations

import json
from typing import Any

import grpc
import protovalidate
from google.api import httpbody_pb2

from interceptors.handlers import CallHooks, HookInterceptor
from services.errors import FieldViolation, InvalidArgument

_MAX_IN_MESSAGE = 3  # violations spelled out in the status message (all are in the details)


def json_name(field_name: str) -> str:
    """protoc's default json_name: drop underscores, capitalise the letter after each."""
    head, *rest = field_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def field_path(elements: Any) -> str:
    """FieldPath elements -> 'creatorProfile.contentTypes[1]' / 'checks["db"]'."""
    path = ""
    for element in elements:
        name = element.field_name
        path += ("." if path else "") + (name if name.startswith("[") else json_name(name))
        subscript = element.subscript
        if subscript is None:
            continue
        if subscript.field == "string_key":
            path += f"[{json.dumps(subscript.value)}]"
        elif subscript.field == "bool_key":
            path += f"[{'true' if subscript.value else 'false'}]"
        else:  # index, int_key, uint_key
            path += f"[{subscript.value}]"
    return path


def violations_of(message: Any, validator: protovalidate.Validator) -> list[FieldViolation]:
    found = []
    for violation in validator.collect_violations(message):
        proto = violation.proto
        elements = proto.field.elements if proto.field is not None else ()
        found.append(
            FieldViolation(
                field=field_path(elements),
                description=proto.message or proto.rule_id,
                reason=proto.rule_id,
            )
        )
    return found


def invalid_argument(violations: list[FieldViolation]) -> InvalidArgument:
    shown = "; ".join(
        f"{v.field}: {v.description}" if v.field else v.description
        for v in violations[:_MAX_IN_MESSAGE]
    )
    more = len(violations) - _MAX_IN_MESSAGE
    suffix = f" (and {more} more)" if more > 0 else ""
    return InvalidArgument(f"invalid request: {shown}{suffix}", violations)


class _ValidationHooks(CallHooks):
    __slots__ = ("validator",)

    def __init__(self, validator: protovalidate.Validator) -> None:
        self.validator = validator

    async def received(self, message: Any) -> None:
        if isinstance(message, httpbody_pb2.HttpBody):
            return
        violations = violations_of(message, self.validator)
        if violations:
            raise invalid_argument(violations)


class ValidationInterceptor(HookInterceptor):
    def __init__(self, validator: protovalidate.Validator | None = None) -> None:
        self._hooks = _ValidationHooks(validator or protovalidate.Validator())

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks:
        return self._hooks  # stateless

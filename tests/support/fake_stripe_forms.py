"""Stripe's request parameters, read back: form parsing, parameter checks, the error shape.

The SDK sends POST bodies (and GET/DELETE query strings) as `application/x-www-form-urlencoded`
with unescaped brackets: `line_items[0][price]=price_x&metadata[pack]=small&expand[0]=x`.
`parse_form` nests them: arrays are indexed (`a[0]`, `a[1]`), `a[]` appends (curl style), and a
hash whose keys are exactly 0..n-1 becomes a list, except under `metadata`, whose keys are the
caller's own (`metadata[0]=x` stays a hash). Every leaf is a string, as on the wire; the
checks below coerce and validate, raising `StripeError` with the `param` Stripe would name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


class StripeError(Exception):
    """An API error: the HTTP status and the body's `error` object."""

    def __init__(
        self, status: int, message: str, *, type: str = "invalid_request_error", **extra: Any
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = {"type": type, "message": message, **extra}


def bad_param(message: str, param: str | None) -> StripeError:
    return StripeError(400, message, param=param)


def no_such(kind: str, object_id: str, status: int = 404, param: str = "id") -> StripeError:
    """Stripe's unknown-id error: 404 for an id in the path, 400 for one in a parameter."""
    message = f"No such {kind}: '{object_id}'"
    return StripeError(status, message, code="resource_missing", param=param)


# -- parsing ----------------------------------------------------------------------------------


def parse_form(encoded: str | bytes) -> dict[str, Any]:
    """Parse an urlencoded body or query string into nested dicts and lists."""
    text = encoded.decode() if isinstance(encoded, bytes) else encoded
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        _assign(root, key, _path(key), value)
    return _listify(root, parent=None)  # type: ignore[no-any-return]


def _path(key: str) -> list[str]:
    match = _KEY.match(key)
    if match is None:
        return [key]
    return [match.group(1), *_SEGMENT.findall(match.group(2))]


def _assign(root: dict[str, Any], key: str, path: list[str], value: str) -> None:
    node = root
    for depth, segment in enumerate(path):
        if segment == "":  # `a[]`: the next free index
            segment = str(len(node))
        if depth == len(path) - 1:
            if isinstance(node.get(segment), dict):
                raise bad_param(f"Invalid parameter: {key} is both a value and a hash.", key)
            node[segment] = value
            return
        child = node.setdefault(segment, {})
        if not isinstance(child, dict):
            raise bad_param(f"Invalid parameter: {key} is both a value and a hash.", key)
        node = child


def _listify(value: Any, parent: str | None) -> Any:
    if not isinstance(value, dict):
        return value
    items = {key: _listify(child, key) for key, child in value.items()}
    indices = [str(i) for i in range(len(items))]
    if parent != "metadata" and items and sorted(items, key=_as_index) == indices:
        return [items[i] for i in indices]
    return items


def _as_index(key: str) -> int:
    return int(key) if key.isdigit() else -1


# -- checks -----------------------------------------------------------------------------------


def as_bool(value: Any, param: str) -> bool:
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise bad_param(f"Invalid boolean: {value}", param)


def as_int(value: Any, param: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_param(f"Invalid integer: {value}", param) from None


def as_list(value: Any) -> list[Any]:
    """A parameter that is an array on the wire; a lone value counts as a one-item array."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def required_param(params: Mapping[str, Any], name: str, prefix: str = "") -> Any:
    value = params.get(name)
    if value in (None, ""):
        full = f"{prefix}[{name}]" if prefix else name
        raise bad_param(f"Missing required param: {full}.", full)
    return value


def hash_param(params: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = params.get(name) or {}
    if not isinstance(value, dict):
        raise bad_param("Invalid object", name)
    return value


def metadata_param(value: Any, param: str) -> dict[str, str]:
    """Metadata as Stripe checks it: at most 50 keys of 40 characters, values of 500."""
    if value is None or value == "":
        return {}
    if not isinstance(value, dict):
        raise bad_param("Invalid object", param)
    if len(value) > 50:
        raise bad_param("You can have at most 50 metadata keys.", param)
    for key, item in value.items():
        if len(key) > 40 or not isinstance(item, str) or len(item) > 500:
            raise bad_param(f"Invalid metadata value for key {key!r}.", f"{param}[{key}]")
    return dict(value)


def merge_metadata(current: dict[str, str], update: Any, param: str = "metadata") -> None:
    """Stripe's update rule: `metadata=""` clears all, a key set to "" is removed."""
    if update == "":
        current.clear()
        return
    for key, value in metadata_param(update, param).items():
        if value == "":
            current.pop(key, None)
        else:
            current[key] = value


def created_matches(created: int, condition: Any) -> bool:
    """A `created` filter: an exact timestamp or a hash of gt / gte / lt / lte bounds."""
    if not isinstance(condition, dict):
        return created == as_int(condition, "created")
    checks = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
    for op, bound in condition.items():
        if op not in checks:
            raise bad_param(f"Invalid created filter: {op}", f"created[{op}]")
        if not checks[op](created, as_int(bound, f"created[{op}]")):
            return False
    return True


def matches(obj: Mapping[str, Any], params: Mapping[str, Any], *fields: str) -> bool:
    """List filters: each named parameter, when given, equals the object's field."""
    return all(params.get(name) in (None, obj.get(name)) for name in fields)

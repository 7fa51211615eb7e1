"""Message templates: `{{variable}}` placeholders, checked before anything is generated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from services.errors import FieldViolation, InvalidArgument

KNOWN_VARIABLES = ("name", "first_name", "occasion", "days_since_purchase", "creator_name")

_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_TEMPLATE_FIELD = "template"


@dataclass(frozen=True)
class Template:
    """A parsed template: the literal text between placeholders and the variables it uses."""

    text: str

    @classmethod
    def parse(cls, text: str) -> Template:
        """Raise InvalidArgument on `template` for unbalanced braces or unknown variables.

        Whitespace inside the braces is tolerated (`{{ name }}`); a single `{` or `}` is
        ordinary text, but `{{` / `}}` outside a complete placeholder is an error."""
        leftover = _PLACEHOLDER.sub("", text)
        if "{{" in leftover or "}}" in leftover:
            raise _template_error(
                "template has unbalanced braces: every '{{' needs a matching '}}'",
                "template.unbalanced_braces",
            )
        unknown = sorted({name for name in _names(text) if name not in KNOWN_VARIABLES})
        if unknown:
            listed = ", ".join("{{" + name + "}}" for name in KNOWN_VARIABLES)
            named = ", ".join(name or "(empty)" for name in unknown)
            raise _template_error(
                f"unknown template variable(s): {named}; known variables are {listed}",
                "template.unknown_variable",
            )
        return cls(text)

    @property
    def variables(self) -> frozenset[str]:
        return frozenset(_names(self.text))

    @property
    def literal_text(self) -> str:
        """The text the creator wrote, placeholders removed (what restricted words apply to)."""
        return _PLACEHOLDER.sub(" ", self.text)

    def fill(self, values: Mapping[str, str]) -> str:
        """Substitute every placeholder; `values` must hold each of `variables`."""
        return _PLACEHOLDER.sub(lambda match: values[match.group(1)], self.text)


def _names(text: str) -> list[str]:
    return [match.group(1) for match in _PLACEHOLDER.finditer(text)]


def _template_error(description: str, reason: str) -> InvalidArgument:
    return InvalidArgument(description, [FieldViolation(_TEMPLATE_FIELD, description, reason)])

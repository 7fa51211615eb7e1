"""The message rules the contract cannot state: a template's variables need values, and nothing
sent in the creator's name may contain one of their restricted words. Lengths, lists and
patterns live in ai_assistant.proto only (protovalidate refuses them at the edge).

Violations name domain fields: the proto's field names, dotted (`recipient.last_purchase_at`);
interceptors/errors.py turns them into the JSON paths clients see.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.assistant.messages.model import MessageRequest
from services.assistant.messages.restricted import RestrictedWords
from services.assistant.messages.templates import Template
from services.errors import FieldViolation, InvalidArgument


def checked_template(request: MessageRequest, days_since_purchase: int | None) -> Template:
    """The parsed template; InvalidArgument for unknown variables, unbalanced braces or a
    variable whose value the request does not give."""
    try:
        template = Template.parse(request.template)
    except InvalidArgument as error:
        raise invalid(error.violations) from None
    violations: list[FieldViolation] = []
    if "occasion" in template.variables and not (request.context.occasion or "").strip():
        violations.append(
            FieldViolation(
                "context.occasion",
                "the template uses {{occasion}}: give the occasion",
                "template.missing_value",
            )
        )
    if "days_since_purchase" in template.variables and days_since_purchase is None:
        violations.append(
            FieldViolation(
                "recipient.last_purchase_at",
                "the template uses {{days_since_purchase}}: give the last purchase time",
                "template.missing_value",
            )
        )
    if violations:
        raise invalid(violations)
    return template


def refuse_restricted(
    restricted: RestrictedWords, template: Template, occasion: str | None, filled: str
) -> None:
    """A restricted word the caller wrote is a 400, never something to rewrite silently."""
    violations: list[FieldViolation] = []
    if word := restricted.find(template.literal_text):
        violations.append(
            FieldViolation(
                "template",
                f"the template contains the restricted word {word!r}",
                "template.restricted_word",
            )
        )
    if occasion and (word := restricted.find(occasion)):
        violations.append(
            FieldViolation(
                "context.occasion",
                f"the occasion contains the restricted word {word!r}",
                "context.restricted_word",
            )
        )
    if not violations and (word := restricted.find(filled)):  # formed across a placeholder
        violations.append(
            FieldViolation(
                "template",
                f"the filled template contains the restricted word {word!r}",
                "template.restricted_word",
            )
        )
    if violations:
        raise invalid(violations)


def acceptable(texts: Sequence[str], restricted: RestrictedWords) -> list[str]:
    """The generated variants that may be sent: distinct, fully filled, no restricted word."""
    kept: list[str] = []
    for text in texts:
        if text in kept or "{{" in text or "}}" in text or not restricted.allows(text):
            continue
        kept.append(text)
    return kept


def invalid(violations: list[FieldViolation]) -> InvalidArgument:
    if len(violations) == 1:
        summary = f"{violations[0].field}: {violations[0].description}"
    else:
        summary = "invalid message request: " + "; ".join(v.field for v in violations)
    return InvalidArgument(summary, violations)

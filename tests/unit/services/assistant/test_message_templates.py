"""Template parsing and filling."""

from __future__ import annotations

import pytest

from services.assistant.messages.templates import KNOWN_VARIABLES, Template
from services.errors import InvalidArgument


def test_variables_and_fill_tolerate_whitespace() -> None:
    template = Template.parse("Hi {{ first_name }}, {{name}}! {single} braces stay")
    assert template.variables == {"first_name", "name"}
    assert template.fill({"first_name": "Ava", "name": "Ava Stone"}) == (
        "Hi Ava, Ava Stone! {single} braces stay"
    )
    assert "first_name" not in template.literal_text


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{}}", "template.unknown_variable"),
        ("{{ first name }}", "template.unknown_variable"),
        ("{{name}", "template.unbalanced_braces"),
        ("}}{{", "template.unbalanced_braces"),
    ],
)
def test_bad_templates_name_the_template_field(text: str, reason: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        Template.parse(text)
    (violation,) = raised.value.violations
    assert (violation.field, violation.reason) == ("template", reason)


def test_every_known_variable_parses() -> None:
    text = " ".join("{{" + name + "}}" for name in KNOWN_VARIABLES)
    assert Template.parse(text).variables == set(KNOWN_VARIABLES)

"""parse_messages: anything but exactly N non-empty messages in the tone is MalformedOutput."""

from __future__ import annotations

import json

import pytest

from services.ai.errors import MalformedOutput
from services.assistant.messages.parsing import max_message_chars, parse_messages


def answer(*items: object) -> str:
    return json.dumps({"messages": list(items)})


def test_returns_the_stripped_texts() -> None:
    text = answer({"text": " Hi Ava! ", "tone": "casual"}, {"text": "Yo", "tone": "casual"})
    assert parse_messages(text, count=2, tone="casual", max_chars=100) == ["Hi Ava!", "Yo"]


@pytest.mark.parametrize(
    "text",
    [
        "Here you go: Hi Ava!",
        "[]",
        json.dumps({"msgs": []}),
        json.dumps({"messages": "Hi"}),
        answer({"text": "Hi", "tone": "casual"}),  # one item short
        answer(*[{"text": "Hi", "tone": "casual"}] * 3),  # one too many
        answer({"text": "Hi", "tone": "casual"}, {"text": "   ", "tone": "casual"}),
        answer({"text": "Hi", "tone": "casual"}, {"text": "Yo", "tone": "flirty"}),
        answer({"text": "Hi", "tone": "casual"}, {"tone": "casual"}),
        answer({"text": "Hi", "tone": "casual"}, "Yo"),
        answer({"text": "Hi", "tone": "casual"}, {"text": "x" * 101, "tone": "casual"}),
    ],
)
def test_malformed_answers_raise(text: str) -> None:
    with pytest.raises(MalformedOutput):
        parse_messages(text, count=2, tone="casual", max_chars=100)


def test_the_length_limit_grows_with_the_filled_template() -> None:
    template = "x" * 1500
    limit = max_message_chars(template)
    fits = answer({"text": "y" * limit, "tone": "casual"}, {"text": "Yo", "tone": "casual"})
    assert len(parse_messages(fits, count=2, tone="casual", max_chars=limit)[0]) == limit

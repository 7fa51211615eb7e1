"""The offline composer for "messages": faithful to the request, distinct, never restricted."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from services.ai.model import AIRequest, ChatMessage
from services.assistant.messages.offline import (
    ENGLISH,
    FRENCH,
    compose_messages,
    compose_variants,
    phrasing_language,
)
from services.assistant.messages.parsing import max_message_chars, parse_messages


def inputs(**overrides: Any) -> dict[str, Any]:
    fan = {
        "name": "Ava Stone",
        "first_name": "Ava",
        "spend_tier": "medium",
        "days_since_purchase": 3,
        "subscription_status": "active",
        "situation": "nurture",
    }
    fan.update(overrides.pop("fan", {}))
    return {
        "base": "Thanks for your support, a new set is coming!",
        "variants": 3,
        "tone": "friendly",
        "language": None,
        "occasion": None,
        "creator_name": "Mia",
        "restricted_words": [],
        "fan": fan,
        **overrides,
    }


def compose(**overrides: Any) -> list[str]:
    values = inputs(**overrides)
    request = AIRequest(task="messages", messages=(ChatMessage("user", "x"),), inputs=values)
    return parse_messages(
        compose_messages(request),
        count=values["variants"],
        tone=values["tone"],
        max_chars=max_message_chars(values["base"]),
    )


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
def test_answers_count_distinct_variants_that_parse(count: int) -> None:
    texts = compose(variants=count)
    assert len(texts) == count == len(set(texts))
    assert all("Thanks for your support, a new set is coming!" in text for text in texts)
    assert not any("lorem" in text.lower() for text in texts)


def test_is_deterministic() -> None:
    assert compose(variants=5, occasion="birthday") == compose(variants=5, occasion="birthday")


def test_reflects_the_fan_situation_and_occasion() -> None:
    texts = compose(
        variants=5,
        occasion="birthday",
        fan={"situation": "win_back", "subscription_status": "expired"},
    )
    joined = " ".join(texts)
    assert "Happy birthday!" in joined
    assert any(line in joined for line in ENGLISH.situations["win_back"])


def test_re_engagement_names_the_real_number_of_days() -> None:
    texts = compose(variants=5, fan={"situation": "re_engage", "days_since_purchase": 45})
    assert any("45 days" in text for text in texts)


def test_french_template_gets_french_phrasing_whatever_language_was_asked() -> None:
    texts = compose(
        base="Merci pour ton soutien, je te prépare une surprise !",
        language="de",
        tone="grateful",
        variants=5,
    )
    french_lines = [*FRENCH.closers.values(), *FRENCH.situations["nurture"]]
    english_lines = [*ENGLISH.closers.values(), *ENGLISH.situations["nurture"]]
    joined = " ".join(texts)
    assert any(line in joined for line in french_lines)
    assert not any(line in joined for line in english_lines)


@pytest.mark.parametrize(
    ("base", "requested", "expected"),
    [
        ("Merci pour tout, à très vite", "en", "fr"),
        ("Thank you for everything, see you soon", "fr", "en"),
        ("Ava 💕", "fr-CA", "fr"),  # nothing to recognise: the requested language
        ("Ava 💕", "de", "en"),  # no phrasing for German: English
    ],
)
def test_phrasing_follows_the_template_then_the_request(
    base: str, requested: str, expected: str
) -> None:
    assert phrasing_language(base, requested) == expected


def test_never_uses_a_restricted_word_even_when_its_phrases_do() -> None:
    banned = ["happy", "thank", "you", "new", "talk", "soon", "posted", "thinking", "hi"]
    values = inputs(variants=5, occasion="birthday", restricted_words=banned, base="Ava 💕")
    texts = compose_variants(values, 5)
    assert len(texts) == 5 == len(set(texts))
    for text in texts:
        for word in banned:
            assert not re.search(rf"(?<!\w){word}(?!\w)", text, re.IGNORECASE), (word, text)


def test_excluded_texts_are_not_repeated() -> None:
    values = inputs(variants=5)
    first = compose_variants(values, 3)
    more = compose_variants(values, 2, exclude=first)
    assert len(more) == 2
    assert not set(more) & set(first)


def test_answer_is_the_json_shape_the_schema_asks_for() -> None:
    values = inputs(tone="flirty", variants=2)
    request = AIRequest(task="messages", messages=(), inputs=values)
    document = json.loads(compose_messages(request))
    assert list(document) == ["messages"]
    assert [set(item) for item in document["messages"]] == [{"text", "tone"}] * 2
    assert {item["tone"] for item in document["messages"]} == {"flirty"}

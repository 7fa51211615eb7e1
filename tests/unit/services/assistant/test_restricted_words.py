"""RestrictedWords: case-insensitive whole words and phrases; names exempt."""

from __future__ import annotations

import pytest

from services.assistant.messages.restricted import RestrictedWords


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("So CHEAP!", "cheap"),
        ("cheap.", "cheap"),
        ("cheaper deals", None),
        ("let's meet\n up", "meet up"),
        ("a meetup", None),
        ("Crème brûlée", "brûlée"),
        ("brûléeX", None),
    ],
)
def test_matches_whole_words_in_any_case(text: str, found: str | None) -> None:
    assert RestrictedWords(["cheap", " meet up ", "", "brûlée"]).find(text) == found


def test_names_are_exempt_but_the_word_elsewhere_is_not() -> None:
    words = RestrictedWords(["candy"], exempt_names=["Candy Lane", "Candy"])
    assert words.allows("Hi Candy Lane, hi Candy!")
    assert words.find("Candy, want some candy?") == "candy"  # one name, one word

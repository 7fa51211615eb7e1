"""A creator's restricted words: what no message sent in their name may contain.

Matching is case-insensitive and whole-word (a restricted "free" does not match "freedom");
a restricted phrase matches with any whitespace between its words. Names are exempt: the fan's
and the creator's own names, spelled exactly as given, are blanked before matching, so a fan
called "Candy" can still be greeted by name when "candy" is restricted (the list governs what
the creator says, not who they are talking to) while the word "candy" elsewhere still counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


class RestrictedWords:
    def __init__(self, words: Iterable[str], *, exempt_names: Iterable[str] = ()) -> None:
        self.words = tuple(dict.fromkeys(word.strip() for word in words if word.strip()))
        self._patterns = [(word, _whole_words(word)) for word in self.words]
        names = sorted({name.strip() for name in exempt_names if name.strip()}, key=len)
        # Longest first, so "Ava Stone" is blanked before "Ava".
        self._names = [_whole_words(name, ignore_case=False) for name in reversed(names)]

    def find(self, text: str) -> str | None:
        """The first restricted word `text` contains (names blanked), or None."""
        for name in self._names:
            text = name.sub(" ", text)
        for word, pattern in self._patterns:
            if pattern.search(text):
                return word
        return None

    def allows(self, text: str) -> bool:
        return self.find(text) is None


def _whole_words(phrase: str, *, ignore_case: bool = True) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(part) for part in phrase.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE if ignore_case else 0)

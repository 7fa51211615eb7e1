"""Difficulty and time required of an idea, from its content type, the creativity level and the
creator's constraints (equipment, time availability). Deterministic.

- Level: `BASE_LEVEL[type]` (story easy, photo and live medium, video hard) shifted by
  `CREATIVITY_SHIFT` (conservative one step easier, creative one step harder), within easy-hard.
- Equipment: "hard" needs the type's full kit (`FULL_KIT`: lighting, a tripod or gimbal, a
  microphone for video and live); without it the idea is planned one step simpler. A phone
  camera is assumed, so easy and medium need nothing listed.
- Time: `MINUTES[type][level]`; while that exceeds the time available in one sitting, the level
  steps down; if even the easy version does not fit, the idea is cut to the time available. An
  idea never requires more time than the creator has.

Time availability is free text read by `available_minutes`: "2h/day", "1h30", "30 minutes per
day", "1-2 hours" (the lower bound), "10 hours a week" (a week's time); with several amounts the
largest sitting counts; without an amount, words such as "weekends only" (`KEYWORD_MINUTES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from services.content_ideas.model import CreatorConstraints, Difficulty

LEVELS: tuple[Difficulty, ...] = ("easy", "medium", "hard")
BASE_LEVEL = {"story": 0, "photo": 1, "live": 1, "video": 2}
CREATIVITY_SHIFT = {"conservative": -1, "balanced": 0, "creative": 1}
MINUTES = {  # per level: easy, medium, hard
    "photo": (30, 60, 120),
    "video": (45, 90, 180),
    "story": (15, 30, 60),
    "live": (45, 75, 120),
}
FULL_KIT = {
    "photo": frozenset({"lighting", "tripod"}),
    "video": frozenset({"lighting", "tripod", "microphone"}),
    "story": frozenset({"lighting"}),
    "live": frozenset({"lighting", "microphone"}),
}
CAPABILITIES = {
    "lighting": re.compile(r"light|softbox|\bleds?\b|\blamps?\b|\bflash"),
    "tripod": re.compile(r"tripod|gimbal|stabili[sz]er|\bstands?\b|\bmounts?\b|selfie.?stick"),
    "microphone": re.compile(r"\bmics?\b|microphone|lavalier|\blav\b|lapel"),
}
# Availability without an amount: minutes in one sitting.
KEYWORD_MINUTES = (
    (re.compile(r"full.?time"), 480),
    (re.compile(r"part.?time"), 240),
    (re.compile(r"weekend"), 240),
    (re.compile(r"couple of hours|few hours"), 120),
    (re.compile(r"evening|night|morning|afternoon"), 120),
    (re.compile(r"half an? hour|half.?hour"), 30),
    (re.compile(r"\ban hour\b"), 60),
    (re.compile(r"lunch|break|busy|limited|little"), 30),
)
_DURATION = re.compile(
    r"""
    (?P<amount>\d+(?:[.,]\d+)?)
    (?:\s*(?:-|\u2013|to)\s*\d+(?:[.,]\d+)?)?    # a range: its lower bound counts
    \s*
    (?:
        (?P<hours>hours?|hrs?|h)(?![a-z])
        (?:                                     # "1 hour 30 minutes", "1h30m", "1h30"
            \s*(?:and\s*)?(?P<minutes>\d+)\s*(?:minutes?|mins?|m)(?![a-z])
            | (?P<bare>\d+)(?![a-z0-9])
        )?
        | (?:minutes?|mins?|m)(?![a-z])
    )
    """,
    re.VERBOSE,
)
MIN_MINUTES = 5


@dataclass(frozen=True)
class Effort:
    difficulty: Difficulty
    minutes: int
    time_required: str


class EffortModel:
    """The constraints read once per request; `effort` sizes each idea."""

    def __init__(self, constraints: CreatorConstraints) -> None:
        self._capabilities = capabilities(constraints.equipment)
        self._available = available_minutes(constraints.time_availability)

    def effort(self, content_type: str, creativity: str) -> Effort:
        level = min(max(BASE_LEVEL[content_type] + CREATIVITY_SHIFT[creativity], 0), 2)
        if level == 2 and not FULL_KIT[content_type] <= self._capabilities:
            level = 1
        minutes = MINUTES[content_type]
        if self._available is not None:
            while level > 0 and minutes[level] > self._available:
                level -= 1
        needed = minutes[level]
        if self._available is not None and needed > self._available:
            needed = _round_down(self._available)
        return Effort(LEVELS[level], needed, format_minutes(needed))


def capabilities(equipment: Iterable[str]) -> frozenset[str]:
    """What the listed equipment makes possible: lighting, tripod, microphone."""
    text = " ".join(equipment).lower()
    return frozenset(name for name, pattern in CAPABILITIES.items() if pattern.search(text))


def available_minutes(text: str) -> int | None:
    """Minutes the creator has in one sitting, or None when the text says nothing usable."""
    text = text.lower()
    amounts = []
    for match in _DURATION.finditer(text):
        amount = float(match["amount"].replace(",", "."))
        if match["hours"]:
            amount = amount * 60 + int(match["minutes"] or match["bare"] or 0)
        amounts.append(int(amount))
    if amounts and max(amounts) > 0:
        return max(amounts)
    for pattern, minutes in KEYWORD_MINUTES:
        if pattern.search(text):
            return minutes
    return None


def format_minutes(minutes: int) -> str:
    """45 -> "45 minutes", 60 -> "1 hour", 90 -> "1.5 hours", 135 -> "2 hours 15 minutes"."""
    if minutes < 60:
        return f"{minutes} minute" + ("s" if minutes != 1 else "")
    hours, rest = divmod(minutes, 60)
    if rest == 0:
        return f"{hours} hour" + ("s" if hours != 1 else "")
    if rest == 30:
        return f"{hours}.5 hours"
    return f"{hours} hour" + ("s" if hours != 1 else "") + f" {rest} minutes"


def _round_down(minutes: int) -> int:
    """Down to a multiple of 5 minutes (a plan, not a stopwatch), but never to nothing."""
    return max(minutes - minutes % MIN_MINUTES, min(minutes, MIN_MINUTES))

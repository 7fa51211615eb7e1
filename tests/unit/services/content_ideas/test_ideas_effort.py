"""Difficulty and time required respect the creator's equipment and time."""

from __future__ import annotations

import pytest

from services.content_ideas.effort import (
    MINUTES,
    EffortModel,
    available_minutes,
    capabilities,
    format_minutes,
)
from services.content_ideas.model import CreatorConstraints

TYPES = ("photo", "video", "story", "live")
CREATIVITY = ("conservative", "balanced", "creative")
FULL_STUDIO = ("Sony a7 IV", "2 softboxes", "tripod", "lavalier mic")


def model(time: str = "", equipment: tuple[str, ...] = FULL_STUDIO) -> EffortModel:
    return EffortModel(CreatorConstraints(equipment=equipment, time_availability=time))


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2h/day", 120),
        ("2 hours per day", 120),
        ("1 hour", 60),
        ("an hour a day", 60),
        ("30 minutes per day", 30),
        ("45m", 45),
        ("90 min", 90),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("1h30", 90),
        ("1h 30m", 90),
        ("1 hour and 30 minutes", 90),
        ("1-2 hours", 60),
        ("30 to 45 mins", 30),
        ("2 hours 3 days a week", 120),
        ("30 mins on weekdays, 3h on weekends", 180),
        ("10 hours a week", 600),
        ("weekends only", 240),
        ("evenings", 120),
        ("half an hour", 30),
        ("full-time", 480),
        ("very busy", 30),
    ],
)
def test_time_availability_is_read_from_free_text(text: str, minutes: int) -> None:
    assert available_minutes(text) == minutes


@pytest.mark.parametrize("text", ["", "flexible", "whenever", "3 months", "0 hours"])
def test_time_availability_without_a_limit(text: str) -> None:
    assert available_minutes(text) is None


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (1, "1 minute"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (90, "1.5 hours"),
        (120, "2 hours"),
        (75, "1 hour 15 minutes"),
        (135, "2 hours 15 minutes"),
    ],
)
def test_time_is_written_for_people(minutes: int, text: str) -> None:
    assert format_minutes(minutes) == text


def test_equipment_words_are_recognised() -> None:
    assert capabilities(FULL_STUDIO) == {"lighting", "tripod", "microphone"}
    assert capabilities(("Ring light", "phone gimbal")) == {"lighting", "tripod"}
    assert capabilities(("iPhone 15",)) == frozenset()
    assert capabilities(()) == frozenset()


@pytest.mark.parametrize("time", ["10 minutes", "30 minutes per day", "1h", "2h/day", "weekends"])
@pytest.mark.parametrize("content_type", TYPES)
@pytest.mark.parametrize("creativity", CREATIVITY)
def test_ideas_never_need_more_time_than_available(
    time: str, content_type: str, creativity: str
) -> None:
    available = available_minutes(time)
    assert available is not None
    assert model(time).effort(content_type, creativity).minutes <= available


def test_hard_needs_the_full_kit() -> None:
    assert model().effort("video", "balanced").difficulty == "hard"
    for equipment in [(), ("iPhone 15",), ("iPhone 15", "ring light", "tripod")]:  # no microphone
        effort = model(equipment=equipment).effort("video", "creative")
        assert effort.difficulty == "medium"
        assert effort.minutes == MINUTES["video"][1]


def test_creativity_moves_the_difficulty() -> None:
    levels = [model().effort("photo", creativity).difficulty for creativity in CREATIVITY]
    assert levels == ["easy", "medium", "hard"]


def test_short_time_scales_the_idea_down() -> None:
    effort = model("2h/day").effort("video", "balanced")  # hard video takes 3 hours
    assert (effort.difficulty, effort.time_required) == ("medium", "1.5 hours")


def test_very_little_time_cuts_even_the_easy_version() -> None:
    effort = model("12 minutes a day").effort("video", "creative")
    assert (effort.difficulty, effort.minutes, effort.time_required) == ("easy", 10, "10 minutes")


def test_without_a_time_limit_the_level_decides() -> None:
    for content_type in TYPES:
        effort = model().effort(content_type, "creative")
        assert (
            effort.minutes
            == MINUTES[content_type][("easy", "medium", "hard").index(effort.difficulty)]
        )

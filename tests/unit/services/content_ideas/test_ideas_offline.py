"""The offline composer writes schema-valid ideas from the profile's own words."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from services.content_ideas.model import DraftIdea, IdeaOptions, IdeasProfile
from services.content_ideas.offline import compose_ideas
from services.content_ideas.prompt import build_request, ideas_parser


def compose(profile: IdeasProfile, **options: Any) -> list[dict[str, Any]]:
    return json.loads(compose_ideas(build_request(profile, IdeaOptions(**options))))["ideas"]


def drafts(profile: IdeasProfile, **options: Any) -> list[DraftIdea]:
    chosen = IdeaOptions(**options)
    return ideas_parser(profile, chosen)(compose_ideas(build_request(profile, chosen)))


def text_of(ideas: list[dict[str, Any]]) -> str:
    return json.dumps(ideas, ensure_ascii=False)


@pytest.mark.parametrize("count", [1, 2, 5, 13, 20])
@pytest.mark.parametrize("creativity", ["conservative", "balanced", "creative"])
def test_exactly_count_distinct_ideas_of_allowed_types(
    profile: IdeasProfile, count: int, creativity: str
) -> None:
    ideas = drafts(profile, count=count, creativity=creativity)  # the parser accepts them
    assert len(ideas) == count
    assert {idea.content_type for idea in ideas} <= set(profile.content_types)
    assert len({idea.title for idea in ideas}) == count
    if count >= len(profile.content_types):
        assert {idea.content_type for idea in ideas} == set(profile.content_types)


def test_ideas_use_the_profiles_real_words(profile: IdeasProfile) -> None:
    text = text_of(compose(profile, count=6, include_captions=True, include_hashtags=True))
    for words in [
        "fitness",
        "plant-based cooking",
        "home workouts",
        "high-protein recipes",
        "reach 10k subscribers",
        "launch a paid meal plan",
        "home gym",
        "kitchen",
        "ring light",
        "2h/day",
        "20:00",
        "Sunrise yoga flow",
    ]:
        assert words in text, words


def test_hashtags_come_from_niches_and_platforms(profile: IdeasProfile) -> None:
    ideas = compose(profile, count=3, include_hashtags=True, target_platforms=("tiktok",))
    for idea in ideas:
        assert "#fitness" in idea["hashtags"]
        assert "#plantbasedcooking" in idea["hashtags"]
        assert "#fyp" in idea["hashtags"]
    assert "TikTok" in text_of(ideas)


def test_captions_and_hashtags_only_when_asked(profile: IdeasProfile) -> None:
    plain = compose(profile, count=4)
    assert all(idea["caption"] is None and idea["hashtags"] is None for idea in plain)
    both = compose(profile, count=4, include_captions=True, include_hashtags=True)
    assert all(idea["caption"] and idea["hashtags"] for idea in both)


@pytest.mark.parametrize("creativity", ["conservative", "balanced", "creative"])
def test_captions_speak_as_the_creator(profile: IdeasProfile, creativity: str) -> None:
    for idea in compose(profile, count=3, creativity=creativity, include_captions=True):
        assert idea["title"] in idea["caption"]
        assert any(word in idea["caption"].split() for word in ("I", "me", "I'm"))


def test_creativity_levels_give_different_ideas(profile: IdeasProfile) -> None:
    titles = {
        creativity: {idea["title"] for idea in compose(profile, count=5, creativity=creativity)}
        for creativity in ("conservative", "balanced", "creative")
    }
    assert titles["conservative"].isdisjoint(titles["balanced"])
    assert titles["balanced"].isdisjoint(titles["creative"])
    assert titles["conservative"].isdisjoint(titles["creative"])


def test_conservative_starts_from_the_best_earning_type(profile: IdeasProfile) -> None:
    # revenueByCategory: video 3400 > photo 1200.5 > live (none).
    assert [i["contentType"] for i in compose(profile, count=3, creativity="conservative")] == [
        "video",
        "photo",
        "live",
    ]
    assert compose(profile, count=1, creativity="creative")[0]["contentType"] == "live"


def test_the_same_request_gives_the_same_answer(profile: IdeasProfile) -> None:
    request = build_request(profile, IdeaOptions(count=8, include_captions=True))
    assert compose_ideas(request) == compose_ideas(request)


def test_a_bare_profile_still_gets_readable_ideas(bare_profile: IdeasProfile) -> None:
    ideas = drafts(bare_profile, count=20, include_captions=True, include_hashtags=True)
    text = " ".join(f"{i.title} {i.description} {i.caption} {' '.join(i.tips)}" for i in ideas)
    for leak in ("{", "}", "None", "lorem", "  "):
        assert leak not in text
    assert {idea.content_type for idea in ideas} == {"photo", "story"}


def test_long_profile_text_stays_within_the_limits(profile: IdeasProfile) -> None:
    wordy = replace(
        profile,
        niche=("n" * 50, "m" * 50),
        audience_preferences=("a" * 100,),
        current_goals=("g" * 200,),
    )
    assert len(drafts(wordy, count=20, creativity="creative", include_hashtags=True)) == 20


@pytest.mark.parametrize("hours", [[20, 21], [20.0, 21.0]])  # a protobuf Struct gives doubles
def test_best_hours_become_a_posting_tip(profile: IdeasProfile, hours: list[float]) -> None:
    history = replace(profile.performance_history, engagement_patterns={"bestHours": hours})
    ideas = compose(replace(profile, performance_history=history), count=3)
    assert "Post around 20:00 or 21:00" in text_of(ideas)

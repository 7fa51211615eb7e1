"""The model request (strict schema, messages, parameters) and the parser of its answer."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any

import pytest

from services.ai.errors import MalformedOutput
from services.content_ideas.model import IdeaOptions, IdeasProfile, PerformanceHistory
from services.content_ideas.offline import compose_ideas
from services.content_ideas.prompt import (
    MAX_TITLE,
    PROMPT_ITEMS,
    PROMPT_VALUE_CHARS,
    build_request,
    ideas_parser,
    ideas_schema,
    max_tokens,
)


def object_schemas(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every object schema nested anywhere in `schema`."""
    types = schema.get("type")
    if types == "object" or (isinstance(types, list) and "object" in types):
        yield schema
    for child in schema.get("properties", {}).values():
        yield from object_schemas(child)
    if "items" in schema:
        yield from object_schemas(schema["items"])


def good_idea(**changes: Any) -> dict[str, Any]:
    idea = {
        "title": "Sunrise yoga, part two",
        "description": "A calmer follow-up to the flow fans loved.",
        "contentType": "video",
        "caption": "Round two of sunrise yoga is here!",
        "hashtags": ["#yoga", "fitness"],
        "tips": ["Film at sunrise for the warm light."],
    }
    idea.update(changes)
    return idea


def answer(*ideas: dict[str, Any]) -> str:
    return json.dumps({"ideas": list(ideas)})


def parser(profile: IdeasProfile, count: int = 1, *, captions: bool = True, tags: bool = True):
    options = IdeaOptions(count=count, include_captions=captions, include_hashtags=tags)
    return ideas_parser(profile, options)


def test_schema_is_strict_at_every_level(profile: IdeasProfile) -> None:
    schema = ideas_schema(profile.content_types)
    objects = list(object_schemas(schema))
    assert len(objects) == 2  # the answer and each idea
    for node in objects:
        assert node["additionalProperties"] is False
        assert sorted(node["required"]) == sorted(node["properties"])


def test_schema_allows_only_the_profiles_content_types(profile: IdeasProfile) -> None:
    idea = ideas_schema(profile.content_types)["properties"]["ideas"]["items"]
    assert idea["properties"]["contentType"]["enum"] == sorted(profile.content_types)
    # Optional fields are nullable rather than optional (strict mode has no optional fields).
    assert "null" in idea["properties"]["caption"]["type"]
    assert "null" in idea["properties"]["hashtags"]["type"]


def test_request_carries_schema_parameters_and_inputs(profile: IdeasProfile) -> None:
    options = IdeaOptions(count=3, creativity="creative", include_hashtags=True)
    request = build_request(profile, options)
    assert request.task == "content_ideas"
    assert request.temperature == 1.0
    assert request.response_format is not None
    assert request.response_format.schema == ideas_schema(profile.content_types)
    assert request.max_tokens == max_tokens(options)
    assert IdeasProfile.from_json(request.inputs["profile"]) == profile
    assert IdeaOptions.from_json(request.inputs["options"]) == options


@pytest.mark.parametrize(
    ("creativity", "temperature"), [("conservative", 0.3), ("balanced", 0.7), ("creative", 1.0)]
)
def test_temperature_follows_creativity(
    profile: IdeasProfile, creativity: str, temperature: float
) -> None:
    request = build_request(profile, IdeaOptions(creativity=creativity))  # type: ignore[arg-type]
    assert request.temperature == temperature


def test_token_budget_grows_with_count_and_extras() -> None:
    assert max_tokens(IdeaOptions(count=10)) > max_tokens(IdeaOptions(count=5))
    plain = max_tokens(IdeaOptions(count=5))
    assert max_tokens(IdeaOptions(count=5, include_captions=True)) > plain
    assert max_tokens(IdeaOptions(count=5, include_hashtags=True)) > plain


def test_user_message_is_written_from_the_real_profile(profile: IdeasProfile) -> None:
    options = IdeaOptions(count=7, creativity="conservative", target_platforms=("tiktok",))
    system, user = build_request(profile, options).messages
    assert (system.role, user.role) == ("system", "user")
    for fact in (
        "plant-based cooking",
        "high-protein recipes",
        "launch a paid meal plan",
        "ring light",
        "kitchen",
        "2h/day",
        "Sunrise yoga flow",
        "exactly 7",
        "conservative",
        "tiktok",
    ):
        assert fact in user.content
    assert profile.id not in user.content


def test_oversized_history_is_trimmed_in_the_prompt(profile: IdeasProfile) -> None:
    history = PerformanceHistory(
        top_performing_content=[
            {"title": f"Post {n}", "notes": "x" * 5000} for n in range(PROMPT_ITEMS + 10)
        ],
        engagement_patterns={"bestHours": [20], "raw": ["y" * 5000]},
    )
    _, user = build_request(replace(profile, performance_history=history), IdeaOptions()).messages
    assert len(user.content) < 4 * PROMPT_ITEMS * PROMPT_VALUE_CHARS
    assert f"Post {PROMPT_ITEMS - 1}" in user.content  # reduced to its title
    assert f'Post {PROMPT_ITEMS}"' not in user.content  # beyond the limit
    assert "bestHours" in user.content
    assert "yyyy" not in user.content


@pytest.mark.parametrize("creativity", ["conservative", "balanced", "creative"])
@pytest.mark.parametrize(("captions", "tags"), [(False, False), (True, False), (False, True)])
def test_parse_accepts_the_offline_composer(
    profile: IdeasProfile, creativity: str, captions: bool, tags: bool
) -> None:
    options = IdeaOptions(
        count=6,
        creativity=creativity,  # type: ignore[arg-type]
        include_captions=captions,
        include_hashtags=tags,
    )
    drafts = ideas_parser(profile, options)(compose_ideas(build_request(profile, options)))
    assert len(drafts) == 6
    assert all((draft.caption is not None) == captions for draft in drafts)
    assert all((draft.hashtags is not None) == tags for draft in drafts)


def test_parse_keeps_the_drafts_text(profile: IdeasProfile) -> None:
    [draft] = parser(profile)(answer(good_idea(title="  Sunrise yoga, part two ")))
    assert draft.title == "Sunrise yoga, part two"  # surrounding whitespace trimmed
    assert draft.content_type == "video"
    assert draft.caption == "Round two of sunrise yoga is here!"
    assert draft.hashtags == ("#yoga", "#fitness")  # a missing # is added
    assert draft.tips == ("Film at sunrise for the warm light.",)


def test_parse_drops_caption_and_hashtags_not_asked_for(profile: IdeasProfile) -> None:
    [draft] = parser(profile, captions=False, tags=False)(answer(good_idea()))
    assert (draft.caption, draft.hashtags) == (None, None)


def test_parse_removes_duplicate_hashtags(profile: IdeasProfile) -> None:
    [draft] = parser(profile)(answer(good_idea(hashtags=["#Yoga", "yoga", "#fitness"])))
    assert draft.hashtags == ("#Yoga", "#fitness")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("not json at all", "schema"),
        ('{"ideas": [', "schema"),
        ("[]", "schema"),
        ('{"ideas": "none"}', "schema"),
        (answer(good_idea(), good_idea()), "expected 1 ideas, got 2"),
        (answer(), "expected 1 ideas, got 0"),
        (json.dumps({"ideas": [good_idea()], "extra": 1}), "schema"),
        (answer(good_idea(mood="happy")), "schema"),
        (answer({k: v for k, v in good_idea().items() if k != "tips"}), "schema"),
        (answer(good_idea(contentType="story")), "contentType 'story'"),
        (answer(good_idea(contentType="podcast")), "contentType 'podcast'"),
        (answer(good_idea(title="")), "schema"),
        (answer(good_idea(title="   ")), "schema"),
        (answer(good_idea(title="x" * (MAX_TITLE + 1))), "schema"),
        (answer(good_idea(description=None)), "schema"),
        (answer(good_idea(tips=[])), "schema"),
        (answer(good_idea(tips=[""])), "schema"),
        (answer(good_idea(tips="film it")), "schema"),
        (answer(good_idea(caption=None)), "caption is missing"),
        (answer(good_idea(caption="")), "schema"),
        (answer(good_idea(hashtags=None)), "hashtags is missing"),
        (answer(good_idea(hashtags=[])), "hashtags is empty"),
        (answer(good_idea(hashtags=["#two words"])), "invalid hashtag"),
        (answer(good_idea(hashtags=["#"])), "invalid hashtag"),
        (answer(good_idea(hashtags=[3])), "schema"),
    ],
)
def test_parse_rejects_malformed_answers(profile: IdeasProfile, text: str, problem: str) -> None:
    with pytest.raises(MalformedOutput, match=problem):
        parser(profile)(text)


def test_numbers_are_not_accepted_as_text(profile: IdeasProfile) -> None:
    with pytest.raises(MalformedOutput):
        parser(profile)(answer(good_idea(title=42)))


def test_parse_checks_against_this_requests_content_types(profile: IdeasProfile) -> None:
    photos_only = replace(profile, content_types=("photo",))
    with pytest.raises(MalformedOutput, match="contentType 'video'"):
        parser(photos_only)(answer(good_idea(contentType="video")))

"""The model's side of content ideas: the request (messages, strict JSON schema, inputs) and the
parser that turns its answer into `DraftIdea`s or raises `MalformedOutput`.

The model writes only the creative text (title, description, content type, caption, hashtags,
tips). Engagement, revenue, difficulty and time come from estimates.py and effort.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from services.ai.errors import MalformedOutput
from services.ai.model import AIRequest, ChatMessage, JsonSchemaFormat
from services.content_ideas.estimates import record_title
from services.content_ideas.model import DraftIdea, IdeaOptions, IdeasProfile

TASK = "content_ideas"
SCHEMA_NAME = "content_ideas"
TEMPERATURE = {"conservative": 0.3, "balanced": 0.7, "creative": 1.0}

MAX_TITLE = 120
MAX_DESCRIPTION = 1000
MAX_CAPTION = 2200  # Instagram's caption limit, the tightest of the target platforms
MAX_TIP = 300
MAX_TIPS = 6
MAX_HASHTAGS = 30
MAX_HASHTAG = 50

# Free-form history in the prompt: at most this many records / patterns, each at most this long
# in JSON (the request may carry up to a megabyte; the prompt should not).
PROMPT_ITEMS = 20
PROMPT_VALUE_CHARS = 300

# Token budget: the envelope plus, per idea, the text fields; captions and hashtags add more.
BASE_TOKENS = 200
TOKENS_PER_IDEA = 220
CAPTION_TOKENS = 90
HASHTAG_TOKENS = 50

_HASHTAG = re.compile(r"#\w+")

SYSTEM_PROMPT = """\
You are a content strategist for an online creator. You propose concrete, original content \
ideas tailored to the creator's niches, audience, goals and constraints, written in English.

Rules:
- Answer with one JSON document matching the given schema, nothing else.
- Propose exactly the number of ideas asked for, each one different from the others.
- contentType must be one of the creator's content types.
- Respect the constraints: use only the listed equipment and locations, and keep each idea \
doable within the creator's available time.
- Build on what already works (top-performing content, best categories) as much as the \
creativity level says.
- caption: a ready-to-post caption in the creator's own voice when captions are asked for, \
otherwise null.
- hashtags: 3 to 10 relevant hashtags, each starting with #, when hashtags are asked for, \
otherwise null.
- tips: 1 to 4 short, practical production or posting tips.
- Do not estimate engagement, revenue, difficulty or time; the platform computes those.
"""

CREATIVITY_BRIEF = {
    "conservative": "conservative: stay close to the creator's proven formats and best sellers",
    "balanced": "balanced: mix proven formats with fresh angles",
    "creative": "creative: bold, novel concepts the creator has not tried yet",
}


def ideas_schema(content_types: tuple[str, ...]) -> dict[str, Any]:
    """The strict JSON schema of the answer (OpenAI structured outputs: every property
    required, no additional properties; optional fields are nullable)."""
    strings = {"type": "array", "items": {"type": "string"}}
    idea = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "description": {"type": "string"},
            "contentType": {"type": "string", "enum": sorted(set(content_types))},
            "caption": {"type": ["string", "null"]},
            "hashtags": {"type": ["array", "null"], "items": {"type": "string"}},
            "tips": strings,
        },
        "required": ["title", "description", "contentType", "caption", "hashtags", "tips"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"ideas": {"type": "array", "items": idea}},
        "required": ["ideas"],
        "additionalProperties": False,
    }


def request_inputs(profile: IdeasProfile, options: IdeaOptions) -> dict[str, Any]:
    """The facts the prompt is written from, JSON-able; the offline composer reads these."""
    return {"profile": profile.to_json(), "options": options.to_json()}


def build_messages(profile: IdeasProfile, options: IdeaOptions) -> tuple[ChatMessage, ...]:
    facts = profile.to_json()
    del facts["id"]  # an opaque identifier tells the model nothing
    history = facts["performanceHistory"]
    history["topPerformingContent"] = _prompt_records(history["topPerformingContent"])
    history["engagementPatterns"] = {
        key: value
        for key, value in list(history["engagementPatterns"].items())[:PROMPT_ITEMS]
        if _fits(value)
    }
    wanted = [
        f"Propose exactly {options.count} content ideas.",
        f"Creativity: {CREATIVITY_BRIEF[options.creativity]}.",
        "Target platforms: " + (", ".join(options.target_platforms) or "not specified") + ".",
        "Captions: " + ("yes" if options.include_captions else "no (caption: null)") + ".",
        "Hashtags: " + ("yes" if options.include_hashtags else "no (hashtags: null)") + ".",
    ]
    user = (
        "Creator profile (JSON):\n"
        + json.dumps(facts, ensure_ascii=False, sort_keys=True)
        + "\n\n"
        + "\n".join(wanted)
    )
    return (ChatMessage("system", SYSTEM_PROMPT), ChatMessage("user", user))


def _prompt_records(records: list[Any]) -> list[Any]:
    """The first PROMPT_ITEMS top records; an oversized one is reduced to its title."""
    kept = []
    for record in records[:PROMPT_ITEMS]:
        if _fits(record):
            kept.append(record)
        elif title := record_title(record):
            kept.append(title[:PROMPT_VALUE_CHARS])
    return kept


def _fits(value: Any) -> bool:
    return len(json.dumps(value, ensure_ascii=False)) <= PROMPT_VALUE_CHARS


def max_tokens(options: IdeaOptions) -> int:
    per_idea = TOKENS_PER_IDEA
    per_idea += CAPTION_TOKENS if options.include_captions else 0
    per_idea += HASHTAG_TOKENS if options.include_hashtags else 0
    return BASE_TOKENS + options.count * per_idea


def build_request(profile: IdeasProfile, options: IdeaOptions) -> AIRequest:
    return AIRequest(
        task=TASK,
        messages=build_messages(profile, options),
        max_tokens=max_tokens(options),
        temperature=TEMPERATURE[options.creativity],
        response_format=JsonSchemaFormat(SCHEMA_NAME, ideas_schema(profile.content_types)),
        inputs=request_inputs(profile, options),
    )


def ideas_parser(profile: IdeasProfile, options: IdeaOptions) -> Callable[[str], list[DraftIdea]]:
    """`parse_ideas` bound to what this request asked for."""
    return partial(
        parse_ideas,
        count=options.count,
        content_types=profile.content_types,
        captions=options.include_captions,
        hashtags=options.include_hashtags,
    )


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _IdeaAnswer(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    title: Annotated[Text, StringConstraints(max_length=MAX_TITLE)]
    description: Annotated[Text, StringConstraints(max_length=MAX_DESCRIPTION)]
    content_type: str = Field(alias="contentType")
    caption: Annotated[Text, StringConstraints(max_length=MAX_CAPTION)] | None
    hashtags: Annotated[list[str], Field(max_length=MAX_HASHTAGS)] | None
    tips: Annotated[
        list[Annotated[Text, StringConstraints(max_length=MAX_TIP)]],
        Field(min_length=1, max_length=MAX_TIPS),
    ]


class _Answer(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    ideas: list[_IdeaAnswer]


def parse_ideas(
    text: str, *, count: int, content_types: tuple[str, ...], captions: bool, hashtags: bool
) -> list[DraftIdea]:
    """The model's answer as `count` draft ideas, or MalformedOutput saying what is wrong.

    A caption or hashtags the request did not ask for are dropped rather than refused.
    """
    try:
        answer = _Answer.model_validate_json(text)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, problem['loc'])) or 'answer'}: {problem['msg']}"
            for problem in error.errors(include_url=False)[:3]
        )
        raise MalformedOutput(f"answer does not match the schema: {problems}") from None
    if len(answer.ideas) != count:
        raise MalformedOutput(f"expected {count} ideas, got {len(answer.ideas)}")
    return [
        _draft(index, idea, content_types, captions, hashtags)
        for index, idea in enumerate(answer.ideas)
    ]


def _draft(
    index: int,
    idea: _IdeaAnswer,
    content_types: tuple[str, ...],
    captions: bool,
    hashtags: bool,
) -> DraftIdea:
    where = f"ideas[{index}]"
    if idea.content_type not in content_types:
        raise MalformedOutput(
            f"{where}.contentType {idea.content_type!r} is not one of {list(content_types)}"
        )
    if captions and idea.caption is None:
        raise MalformedOutput(f"{where}.caption is missing but captions were asked for")
    if hashtags and idea.hashtags is None:
        raise MalformedOutput(f"{where}.hashtags is missing but hashtags were asked for")
    return DraftIdea(
        title=idea.title,
        description=idea.description,
        content_type=idea.content_type,
        caption=idea.caption if captions else None,
        hashtags=_hashtags(where, idea.hashtags or []) if hashtags else None,
        tips=tuple(idea.tips),
    )


def _hashtags(where: str, tags: list[str]) -> tuple[str, ...]:
    """Normalised to "#word" (a missing # is added), duplicates (any case) dropped."""
    result: list[str] = []
    seen: set[str] = set()
    for tag in tags:
        normalised = "#" + tag.strip().removeprefix("#")
        if len(normalised) > MAX_HASHTAG or not _HASHTAG.fullmatch(normalised):
            raise MalformedOutput(f"{where}.hashtags has an invalid hashtag {tag!r}")
        if normalised.lower() not in seen:
            seen.add(normalised.lower())
            result.append(normalised)
    if not result:
        raise MalformedOutput(f"{where}.hashtags is empty but hashtags were asked for")
    return tuple(result)

"""The content-ideas request rules live in content_ideas.proto only; the vocabularies Python
still needs (content types, creativity levels, platforms) equal the proto's, and every table
keyed by one of them covers it."""

from __future__ import annotations

from typing import get_args

import protovalidate
import pytest
from buf.validate import validate_pb2
from google.protobuf.message import Message
from huntaze.v1 import content_ideas_pb2 as pb

from interceptors.validation import violations_of
from services.content_ideas import effort, estimates, offline, prompt
from services.content_ideas.model import CONTENT_TYPES, CREATIVITY_LEVELS, PLATFORMS, Creativity

VALIDATOR = protovalidate.Validator()


def string_rules(message: type[Message], field: str) -> validate_pb2.StringRules:
    descriptor = message.DESCRIPTOR.fields_by_name[field]
    rules = descriptor.GetOptions().Extensions[validate_pb2.field]
    return rules.repeated.items.string if descriptor.is_repeated else rules.string


def allowed(message: type[Message], field: str) -> tuple[str, ...]:
    return tuple(getattr(string_rules(message, field), "in"))


def test_content_types_are_the_contracts_and_every_model_knows_each() -> None:
    assert allowed(pb.ContentIdeasProfile, "content_types") == CONTENT_TYPES
    tables = (
        estimates.PRIORS,
        estimates.TYPE_SYNONYMS,
        effort.BASE_LEVEL,
        effort.FULL_KIT,
        effort.MINUTES,
        offline.FORMATS,
        offline.TYPE_TIPS,
        offline.TYPE_HASHTAGS,
    )
    for table in tables:
        assert set(table) == set(CONTENT_TYPES)


def test_creativity_levels_are_the_contracts_and_every_model_knows_each() -> None:
    assert allowed(pb.ContentIdeasOptions, "creativity") == CREATIVITY_LEVELS
    assert get_args(Creativity) == CREATIVITY_LEVELS
    tables = (
        prompt.TEMPERATURE,
        prompt.CREATIVITY_BRIEF,
        effort.CREATIVITY_SHIFT,
        offline.CAPTIONS,
    )
    for table in tables:
        assert set(table) == set(CREATIVITY_LEVELS)


def test_platforms_are_the_contracts_and_the_offline_composer_knows_each() -> None:
    assert allowed(pb.ContentIdeasOptions, "target_platforms") == PLATFORMS
    for table in (offline.PLATFORM_TIPS, offline.PLATFORM_NAMES, offline.PLATFORM_HASHTAGS):
        assert set(table) == set(PLATFORMS)


def request(
    content_types: tuple[str, ...] = ("photo",), **options: object
) -> pb.GenerateContentIdeasRequest:
    return pb.GenerateContentIdeasRequest(
        creator_profile=pb.ContentIdeasProfile(id="creator-1", content_types=content_types),
        options=pb.ContentIdeasOptions(**options),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (request(), []),
        (request(()), [("creator_profile.content_types", "repeated.min_items")]),
        (request(("photo", "podcast")), [("creator_profile.content_types[1]", "string.in")]),
        (request(count=0), [("options.count", "int32.gte_lte")]),
        (request(count=21), [("options.count", "int32.gte_lte")]),
        (request(creativity="wild"), [("options.creativity", "string.in")]),
        (request(target_platforms=["myspace"]), [("options.target_platforms[0]", "string.in")]),
    ],
)
def test_the_contract_refuses_what_the_models_cannot_use(
    message: pb.GenerateContentIdeasRequest, expected: list[tuple[str, str]]
) -> None:
    found = [(violation.field, violation.reason) for violation in violations_of(message, VALIDATOR)]
    assert found == expected

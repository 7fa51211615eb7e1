"""Captions and hashtags: the parser, the offline composer and the use case (fake AI, memory
unit of work)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from support.assistant_fakes import FakeAI
from support.fakes import MemoryDatabase, an_account

from services.ai.errors import MalformedOutput
from services.ai.model import AIRequest
from services.captions.model import CaptionRequest, hashtag
from services.captions.offline import compose_captions
from services.captions.parsing import parse_captions
from services.captions.prompt import build_request, caption_inputs
from services.captions.service import CaptionAssistant
from services.common.principal import Principal
from services.content.model import ContentItem
from services.errors import InvalidArgument, NotFound
from services.users.model import Profile

NOW = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "tag"),
    [
        ("#Beach", "#beach"),
        ("golden hour", "#goldenhour"),
        ("##x-y", "#xy"),
        ("2026", None),
        ("#", None),
    ],
)
def test_hashtags_are_normalised(raw: str, tag: str | None) -> None:
    assert hashtag(raw) == tag


def test_the_parser_wants_exactly_the_captions_asked_for() -> None:
    answer = json.dumps({"captions": [{"text": "Hi", "hashtags": ["#A", "a", "b c"]}]})
    (caption,) = parse_captions(answer, count=1, max_chars=10, max_hashtags=5)
    assert caption.hashtags == ("#a", "#bc")
    for bad in (
        "nope",
        json.dumps({"captions": []}),
        json.dumps({"captions": [{"text": "x" * 11, "hashtags": []}]}),
    ):
        with pytest.raises(MalformedOutput):
            parse_captions(bad, count=1, max_chars=10, max_hashtags=5)


def inputs(**overrides: object) -> dict[str, object]:
    values = caption_inputs(
        source="Golden hour at the beach. Cheap tickets inside!",
        platform="instagram",
        variants=3,
        max_hashtags=4,
        niches=("fitness",),
        restricted_words=("cheap",),
    )
    return {**values, **overrides}


def test_the_offline_composer_keeps_clear_of_restricted_words() -> None:
    answer = json.loads(compose_captions(build_request(inputs())))
    captions = answer["captions"]
    assert len(captions) == 3
    assert len({c["text"] for c in captions}) == 3
    for caption in captions:
        assert "cheap" not in caption["text"].lower()
        assert "Golden hour at the beach." in caption["text"]
        assert len(caption["hashtags"]) <= 4
        assert "#fitness" in caption["hashtags"]


@pytest.fixture
async def creator(uow: MemoryDatabase) -> Principal:
    account = an_account(profile=Profile(niches=("fitness",), restricted_words=("cheap",)))
    async with uow() as unit:
        await unit.users.add(account)
        await unit.content.add_all(
            [
                ContentItem(
                    "c1",
                    account.id,
                    "Beach set",
                    "Ten photos at golden hour",
                    "photo",
                    "draft",
                    False,
                    NOW,
                    NOW,
                )
            ]
        )
        await unit.commit()
    return Principal(account.id, "free")


@pytest.fixture
def uow() -> MemoryDatabase:
    return MemoryDatabase()


def answering(*captions: dict[str, object]):  # type: ignore[no-untyped-def]
    def answer(request: AIRequest) -> str:
        return json.dumps({"captions": list(captions)})

    return answer


async def test_a_content_item_is_the_source_and_refused_captions_are_replaced(
    uow: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI(
        [
            answering(
                {"text": "Beach vibes", "hashtags": ["beach", "cheap"]},
                {"text": "So cheap today", "hashtags": []},
            )
        ]
    )
    result = await CaptionAssistant(ai, uow).suggest(
        creator, CaptionRequest(platform="instagram", content_id="c1", variants=2)
    )
    assert "Beach set. Ten photos at golden hour" in ai.requests[0].messages[1].content
    assert ai.cache_flags == [True]
    first, second = result.captions
    assert (first.text, first.hashtags) == ("Beach vibes", ("#beach",))
    assert "cheap" not in second.text.lower()  # the offline composer's
    assert result.model == "fake-model"


async def test_refusals_happen_before_any_model_call(
    uow: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI()
    assistant = CaptionAssistant(ai, uow)
    with pytest.raises(InvalidArgument) as refused:
        await assistant.suggest(creator, CaptionRequest(platform="tiktok", caption="cheap stuff"))
    assert refused.value.violations[0].reason == "caption.restricted_word"
    with pytest.raises(NotFound):
        await assistant.suggest(creator, CaptionRequest(platform="tiktok", content_id="missing"))
    assert ai.requests == []

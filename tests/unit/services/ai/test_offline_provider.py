"""The offline provider: deterministic answers from the request, streamed word by word."""

from __future__ import annotations

import json

from services.ai.model import AIRequest, ChatMessage, JsonSchemaFormat, StreamDelta, Usage
from services.ai.providers.base import Deployment
from services.ai.providers.offline import OFFLINE_MODEL, Composer, OfflineProvider, compose_text

DEPLOYMENT = Deployment(name="offline", provider="offline", model=OFFLINE_MODEL)
PROMPT = "Plan a yoga video: morning yoga stretches, breathing drills and yoga breathing tips."
REQUEST = AIRequest(
    task="assistant",
    messages=(
        ChatMessage("system", "You are a terse assistant who loves pineapples."),
        ChatMessage("user", PROMPT),
    ),
)


class RecordingSleep:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def provider(
    composers: dict[str, Composer] | None = None, *, delay: float = 0.0
) -> tuple[OfflineProvider, RecordingSleep]:
    sleep = RecordingSleep()
    offline = OfflineProvider(DEPLOYMENT, composers or {}, token_delay_seconds=delay, sleep=sleep)
    return offline, sleep


def words(text: str) -> int:
    return len(text.split())


async def stream_of(offline: OfflineProvider, request: AIRequest) -> list[StreamDelta]:
    return [delta async for delta in offline.stream(request)]


async def test_answers_are_deterministic_and_free_of_filler() -> None:
    offline, _ = provider()

    first = await offline.complete(REQUEST)
    second = await offline.complete(REQUEST)

    assert first == second
    assert first.model == OFFLINE_MODEL
    assert "lorem" not in first.text.lower()


async def test_free_text_is_built_from_the_prompts_own_words() -> None:
    text = compose_text(REQUEST)

    # The prompt's most frequent content words, and the prompt itself, shape the answer.
    assert "yoga" in text and "breathing" in text
    assert "Plan a yoga video: morning yoga stretches" in text
    assert "pineapple" not in text  # the system message is instructions, not the topic
    other = AIRequest(task="assistant", messages=(ChatMessage("user", "Cooking pasta live"),))
    assert compose_text(other) != text
    assert "pasta" in compose_text(other)


async def test_streams_word_by_word_with_the_configured_delay_then_the_usage() -> None:
    offline, sleep = provider(delay=0.015)

    *pieces, last = await stream_of(offline, REQUEST)
    whole = await offline.complete(REQUEST)

    assert "".join(piece.text for piece in pieces) == whole.text
    assert all(words(piece.text) == 1 for piece in pieces)
    assert sleep.delays == [0.015] * len(pieces)
    assert last.text == ""
    assert last.model == OFFLINE_MODEL
    assert last.usage == whole.usage


async def test_no_delay_means_no_sleeping() -> None:
    offline, sleep = provider(delay=0.0)

    await stream_of(offline, REQUEST)

    assert sleep.delays == []


async def test_usage_counts_prompt_words_of_every_message_and_answer_words() -> None:
    offline, _ = provider()

    completion = await offline.complete(REQUEST)

    prompt_words = sum(words(message.content) for message in REQUEST.messages)
    assert completion.usage == Usage(prompt_words, words(completion.text))


async def test_free_text_is_cut_at_max_tokens_like_a_length_finish() -> None:
    offline, _ = provider()
    full = await offline.complete(REQUEST)
    short_request = AIRequest(task="assistant", messages=REQUEST.messages, max_tokens=5)

    short = await offline.complete(short_request)
    *pieces, last = await stream_of(offline, short_request)

    assert words(full.text) > 5
    assert short.text.split() == full.text.split()[:5]
    assert short.usage.completion_tokens == 5
    assert len(pieces) == 5
    assert last.usage is not None and last.usage.completion_tokens == 5


async def test_structured_answers_are_never_cut() -> None:
    document = {"ideas": [f"idea number {n} about yoga at sunrise" for n in range(10)]}
    offline, _ = provider({"content_ideas": lambda request: json.dumps(document)})
    request = AIRequest(
        task="content_ideas",
        messages=(ChatMessage("user", "ideas"),),
        max_tokens=3,
        response_format=JsonSchemaFormat(name="ideas", schema={"type": "object"}),
    )

    completion = await offline.complete(request)
    *pieces, _ = await stream_of(offline, request)

    assert json.loads(completion.text) == document
    assert json.loads("".join(piece.text for piece in pieces)) == document
    assert completion.usage.completion_tokens > request.max_tokens


async def test_the_task_picks_the_composer_and_others_get_free_text() -> None:
    offline, _ = provider(
        {"content_ideas": lambda request: f"Ideas for {request.inputs['niche']} creators"}
    )
    ideas = AIRequest(task="content_ideas", messages=REQUEST.messages, inputs={"niche": "yoga"})

    assert (await offline.complete(ideas)).text == "Ideas for yoga creators"
    assert (await offline.complete(REQUEST)).text == compose_text(REQUEST)

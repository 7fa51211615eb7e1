"""TextAssistant: the prompt becomes one "text" request streamed for the caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from services.ai.model import AIChunk, AIRequest
from services.assistant.text import DEFAULT_MAX_TOKENS, DEFAULT_SYSTEM, TextAssistant
from services.common.principal import Principal

CALLER = Principal(user_id="user-1", plan="free")


class FakeStreamingAI:
    def __init__(self) -> None:
        self.calls: list[tuple[AIRequest, Principal]] = []

    async def stream(
        self, request: AIRequest, *, caller: Principal
    ) -> AsyncGenerator[AIChunk, None]:
        self.calls.append((request, caller))
        yield AIChunk(delta="hello")
        yield AIChunk(done=True)


async def test_defaults_fill_what_the_caller_left_out() -> None:
    ai = FakeStreamingAI()
    chunks = [chunk async for chunk in TextAssistant(ai).stream(CALLER, "Plan my week")]
    assert [chunk.delta for chunk in chunks] == ["hello", ""]
    ((request, caller),) = ai.calls
    assert caller == CALLER
    assert request.task == "text"
    assert [(m.role, m.content) for m in request.messages] == [
        ("system", DEFAULT_SYSTEM),
        ("user", "Plan my week"),
    ]
    assert (request.max_tokens, request.temperature) == (DEFAULT_MAX_TOKENS, 0.7)


async def test_the_callers_options_win() -> None:
    ai = FakeStreamingAI()
    stream = TextAssistant(ai).stream(
        CALLER, "hi", system="Be brief.", max_tokens=50, temperature=0.0
    )
    _ = [chunk async for chunk in stream]
    ((request, _),) = ai.calls
    assert request.messages[0].content == "Be brief."
    assert (request.max_tokens, request.temperature) == (50, 0.0)

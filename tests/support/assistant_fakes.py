"""A fake AI service for the assistant's tests and the creator they run as."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from services.ai.errors import MalformedOutput
from services.ai.model import AIRequest, AIResponse, Parsed, Usage
from services.assistant.messages.offline import compose_messages
from services.common.principal import Principal

T = TypeVar("T")

CREATOR_NAME = "Mia Rose"
RESTRICTED = ("cheap", "meet up", "candy")


class FakeAI:
    """complete_parsed like the real service's router: each scripted answer is tried in turn
    until one parses (MalformedOutput = retry/fall back); with no script, the offline composer
    answers. Records every request and whether the cache was asked for."""

    def __init__(self, answers: list[Callable[[AIRequest], str]] | None = None) -> None:
        self.answers = answers or [compose_messages]
        self.requests: list[AIRequest] = []
        self.cache_flags: list[bool] = []
        self.rejected: list[str] = []

    async def complete_parsed(
        self,
        request: AIRequest,
        parse: Callable[[str], T],
        *,
        caller: Principal,
        cache: bool = False,
    ) -> Parsed[T]:
        self.requests.append(request)
        self.cache_flags.append(cache)
        for answer in self.answers:
            text = answer(request)
            try:
                value = parse(text)
            except MalformedOutput:
                self.rejected.append(text)
                continue
            response = AIResponse(
                text=text, usage=Usage(10, 20), cost_usd=0.0, deployment="fake", model="fake-model"
            )
            return Parsed(value=value, response=response)
        raise AssertionError("every scripted answer was malformed")

"""What use cases need of the AI service: small ports, so they can be tested with fakes."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from typing import Protocol, TypeVar

from services.ai.model import AIChunk, AIRequest, Parsed
from services.common.principal import Principal

T = TypeVar("T")


class StructuredAI(Protocol):
    """services.ai.service.AIService.complete_parsed: an answer that passed `parse`."""

    async def complete_parsed(
        self,
        request: AIRequest,
        parse: Callable[[str], T],
        *,
        caller: Principal,
        cache: bool = False,
    ) -> Parsed[T]: ...


class StreamingAI(Protocol):
    """services.ai.service.AIService.stream: chunks as they are produced, then a final one."""

    def stream(self, request: AIRequest, *, caller: Principal) -> AsyncGenerator[AIChunk, None]: ...

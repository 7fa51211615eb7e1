"""What use cases need of the AI service: a small port, so they can be tested with a fake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from services.ai.model import AIRequest, Parsed
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

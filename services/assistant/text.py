"""Free-form generation for the assistant: a prompt (and optional system text) streamed back."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from services.ai.model import AIChunk, AIRequest, ChatMessage
from services.ai.ports import StreamingAI
from services.common.principal import Principal

TEXT_TASK = "text"
DEFAULT_MAX_TOKENS = 1024
DEFAULT_TEMPERATURE = 0.7
DEFAULT_SYSTEM = (
    "You are Huntaze's assistant for online creators (OnlyFans, Instagram, TikTok): concise, "
    "practical, platform-aware advice and copy. Never invent facts about the creator."
)


class TextAssistant:
    def __init__(self, ai: StreamingAI) -> None:
        self._ai = ai

    def stream(
        self,
        caller: Principal,
        prompt: str,
        *,
        system: str | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> AsyncGenerator[AIChunk, None]:
        """The answer as it is produced (AIService.stream's chunks). Close it when the reader
        leaves (`contextlib.aclosing`): that ends the upstream request at once."""
        return self._ai.stream(
            text_request(prompt, system=system, max_tokens=max_tokens, temperature=temperature),
            caller=caller,
        )


def text_request(
    prompt: str,
    *,
    system: str | None = None,
    max_tokens: int | None = None,
    temperature: float | None = None,
) -> AIRequest:
    return AIRequest(
        task=TEXT_TASK,
        messages=(
            ChatMessage("system", system or DEFAULT_SYSTEM),
            ChatMessage("user", prompt),
        ),
        max_tokens=max_tokens or DEFAULT_MAX_TOKENS,
        temperature=DEFAULT_TEMPERATURE if temperature is None else temperature,
        inputs={"prompt": prompt, "system": system or ""},
    )

"""Free-form generation for the assistant: a prompt (and optional system text) streamed back."""

from __future__ import annotations

from services.ai.model import AIRequest, ChatMessage

TEXT_TASK = "text"
DEFAULT_MAX_TOKENS = 1024
DEFAULT_TEMPERATURE = 0.7
DEFAULT_SYSTEM = (
    "You are Huntaze's assistant for online creators (OnlyFans, Instagram, TikTok): concise, "
    "practical, platform-aware advice and copy. Never invent facts about the creator."
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

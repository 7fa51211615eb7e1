"""The offline provider: deterministic answers composed from the request's own inputs.

It is the default when no key is configured and the last resort of every route: it never calls
the network, costs nothing and streams word by word (optionally with a fixed delay per word,
which demos and the benchmark use to look like a model). Each task has a composer; tasks without
one get the free-text composer, which answers the prompt itself.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping

from services.ai.model import AIRequest, Completion, StreamDelta, Usage
from services.ai.providers.base import Deployment

Composer = Callable[[AIRequest], str]
OFFLINE_MODEL = "huntaze-offline-1"

_PIECE = re.compile(r"\s*\S+\s*")
_WORD = re.compile(r"[^\W\d_][\w'-]{3,}", re.UNICODE)
_STOPWORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "because",
        "been",
        "before",
        "being",
        "could",
        "does",
        "doing",
        "each",
        "from",
        "have",
        "having",
        "here",
        "into",
        "just",
        "like",
        "make",
        "more",
        "most",
        "much",
        "need",
        "only",
        "other",
        "over",
        "please",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "very",
        "want",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "write",
        "your",
        "yours",
        "give",
        "tell",
        "help",
        "ideas",
        "idea",
    ]
)


class OfflineProvider:
    def __init__(
        self,
        deployment: Deployment,
        composers: Mapping[str, Composer],
        *,
        token_delay_seconds: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.deployment = deployment
        self._composers = dict(composers)
        self._delay = token_delay_seconds
        self._sleep = sleep

    async def complete(self, request: AIRequest) -> Completion:
        pieces = self._pieces(request)
        return Completion("".join(pieces), _usage(request, len(pieces)), OFFLINE_MODEL)

    async def stream(self, request: AIRequest) -> AsyncGenerator[StreamDelta, None]:
        pieces = self._pieces(request)
        for piece in pieces:
            if self._delay > 0:
                await self._sleep(self._delay)
            yield StreamDelta(text=piece)
        yield StreamDelta(usage=_usage(request, len(pieces)), model=OFFLINE_MODEL)

    async def aclose(self) -> None:
        return None

    def _pieces(self, request: AIRequest) -> list[str]:
        """The answer split into words (one word = one token here); free text is cut at
        max_tokens like a model's `length` finish, structured answers are never cut."""
        text = self._composers.get(request.task, compose_text)(request)
        pieces = _PIECE.findall(text)
        if request.response_format is None:
            pieces = pieces[: request.max_tokens]
        return pieces


def _usage(request: AIRequest, completion_tokens: int) -> Usage:
    prompt_tokens = sum(len(_PIECE.findall(message.content)) for message in request.messages)
    return Usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def compose_text(request: AIRequest) -> str:
    """A short, concrete plan built around the prompt's own key words."""
    prompt = next((m.content for m in reversed(request.messages) if m.role == "user"), "").strip()
    topic = _first_sentence(prompt)
    first, second, third = _keywords(prompt)
    return (
        f'Here is a plan for "{topic}".\n'
        f"1. Open with {first}: one line on why it matters to your fans today.\n"
        f"2. Build the middle around {second}; show it rather than describe it, a "
        f"behind-the-scenes moment works well.\n"
        f"3. Close with a question about {third}, so fans answer in the comments or in DMs.\n"
        f"Keep it short, post when your audience is most active, and reuse the strongest line "
        f"as the caption."
    )


def _first_sentence(text: str, limit: int = 80) -> str:
    sentence = re.split(r"(?<=[.!?])\s", " ".join(text.split()), maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def _keywords(text: str) -> tuple[str, str, str]:
    """The three most frequent content words (ties: first seen), padded with generic ones."""
    words = [word.lower() for word in _WORD.findall(text)]
    counts = Counter(word for word in words if word not in _STOPWORDS)
    ranked = sorted(counts, key=lambda word: (-counts[word], words.index(word)))
    padded = [*ranked, "your niche", "your audience", "your next post"]
    return padded[0], padded[1], padded[2]

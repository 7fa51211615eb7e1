"""The AI service's vocabulary: what a use case asks for and what it gets back.

Transport-free and provider-free: use cases build an `AIRequest`, providers answer with a
`Completion` or a stream of `StreamDelta`s, and the service (services.ai.service) returns an
`AIResponse` or a stream of `AIChunk`s with usage, cost and the deployment that answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

Role = Literal["system", "user", "assistant"]
T = TypeVar("T")


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class JsonSchemaFormat:
    """Structured output: the model must answer with one JSON document matching `schema`
    (OpenAI's strict `json_schema` response format: every property required, no extras)."""

    name: str
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class AIRequest:
    """One generation. `task` picks the route (ordered deployments) and the offline composer.

    `inputs` are the structured facts the prompt was written from (creator profile, fan,
    options...): LLM providers read `messages`; the offline provider composes its answer from
    `inputs`, so it stays faithful to the request without a model.
    """

    task: str
    messages: tuple[ChatMessage, ...]
    max_tokens: int = 1024
    temperature: float = 0.7
    response_format: JsonSchemaFormat | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    """A provider's whole answer. `model` is the model name the upstream reported."""

    text: str
    usage: Usage
    model: str


@dataclass(frozen=True)
class StreamDelta:
    """One piece of a provider's stream: text, and on the last piece the usage when known."""

    text: str = ""
    usage: Usage | None = None
    model: str = ""


@dataclass(frozen=True)
class AIResponse:
    """The service's answer: the text plus who answered and what it cost the user."""

    text: str
    usage: Usage
    cost_usd: float
    deployment: str
    model: str
    cached: bool = False


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """A structured answer: the value the caller's parser produced, and the answer itself."""

    value: T
    response: AIResponse


@dataclass(frozen=True)
class StreamFailure:
    """Why a stream ended early. `code` is a google.rpc.Code name such as "UNAVAILABLE"."""

    code: str
    message: str


@dataclass(frozen=True)
class AIChunk:
    """One event of the service's stream: text as it arrives; the last chunk has `done` and
    either the usage and cost or, after a failure past the first token, `error`."""

    delta: str = ""
    done: bool = False
    usage: Usage | None = None
    cost_usd: float = 0.0
    deployment: str = ""
    model: str = ""
    error: StreamFailure | None = None

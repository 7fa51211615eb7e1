"""What every provider implements, and the failures the router tells apart.

A provider instance is bound to one deployment (endpoint, model, key, timeout). It makes exactly
one upstream attempt per call: retries, fallback and circuit breaking belong to the router
(services.ai.router), the one layer that retries.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from enum import Enum
from typing import Literal, Protocol

from services.ai.model import AIRequest, Completion, StreamDelta

ProviderKind = Literal["offline", "openai", "azure"]


@dataclass(frozen=True)
class Deployment:
    """One configured place to send a request.

    `model` is the model name (OpenAI) or the deployment name (Azure); `price_model` is the key
    of the price table (Azure deployment names rarely equal model names); `base_url` is an
    OpenAI-compatible base URL or the Azure endpoint.
    """

    name: str
    provider: ProviderKind
    model: str
    price_model: str = ""
    base_url: str = ""
    api_key: str = ""
    api_version: str = ""
    timeout_seconds: float = 30.0

    @property
    def pricing_key(self) -> str:
        return self.price_model or self.model


class FailureKind(Enum):
    """How the router treats a failed attempt (see services.ai.router for the policy)."""

    RATE_LIMITED = "rate_limited"  # 429: retry after Retry-After, then fall back; counts
    SERVER_ERROR = "server_error"  # 5xx, connection reset: retry, then fall back; counts
    TIMEOUT = "timeout"  # no answer in time: fall back at once; counts
    CONTENT_FILTER = "content_filter"  # Azure's refusal: fall back at once; healthy, no count
    MISCONFIGURED = "misconfigured"  # 401/403/404 from upstream: fall back at once; counts
    BAD_REQUEST = "bad_request"  # any other 4xx from this upstream: fall back at once; no count
    MALFORMED_OUTPUT = "malformed_output"  # answer failed parsing: retry once, then fall back


class ProviderError(Exception):
    def __init__(
        self,
        message: str,
        *,
        kind: FailureKind,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


class Provider(Protocol):
    deployment: Deployment

    async def complete(self, request: AIRequest) -> Completion:
        """One attempt; raises ProviderError on failure."""
        ...

    def stream(self, request: AIRequest) -> AsyncGenerator[StreamDelta, None]:
        """One attempt as an async generator: text pieces as they arrive, the usage on the last
        piece. Raises ProviderError (before or during the stream). Closing the generator
        (client gone) must cancel the upstream request."""
        ...

    async def aclose(self) -> None: ...

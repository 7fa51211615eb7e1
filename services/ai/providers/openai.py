"""The OpenAI-compatible and Azure OpenAI provider: one chat-completions call per attempt.

The SDK's own retries are off (`max_retries=0`): the router is the one layer that retries, so
every SDK failure becomes one ProviderError whose `kind` tells the router what to do.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from services.ai.model import AIRequest, Completion, StreamDelta, Usage
from services.ai.providers.base import Deployment, FailureKind, ProviderError

Clock = Callable[[], datetime]

# Local OpenAI-compatible servers take no key, and the SDK refuses an empty one (or reads it
# from the environment); a real endpoint answers a placeholder with 401 -> MISCONFIGURED.
_NO_KEY = "none"
_MAX_UPSTREAM_MESSAGE = 300


def _utc_now() -> datetime:
    return datetime.now(UTC)


class OpenAIProvider:
    """A Provider for `Deployment.provider` "openai" (any OpenAI-compatible base URL) or "azure".

    `client` replaces the SDK client built from the deployment; an injected client belongs to
    its owner and is not closed by `aclose`. `clock` reads HTTP-date `Retry-After` headers.
    """

    def __init__(
        self,
        deployment: Deployment,
        *,
        client: openai.AsyncOpenAI | None = None,
        clock: Clock = _utc_now,
    ) -> None:
        self.deployment = deployment
        self._clock = clock
        self._owns_client = client is None
        self._client = client or _build_client(deployment)

    async def complete(self, request: AIRequest) -> Completion:
        try:
            response: ChatCompletion = await self._client.chat.completions.create(
                **self._arguments(request)
            )
        except openai.APIError as error:
            raise self._failure(error) from error
        if not response.choices:
            raise ProviderError(
                f"{self.deployment.name}: upstream answered without choices",
                kind=FailureKind.SERVER_ERROR,
            )
        choice = response.choices[0]
        text = choice.message.content or ""
        if choice.finish_reason == "content_filter" and not text:
            raise self._filtered()
        usage = response.usage
        return Completion(
            text=text,
            usage=Usage(usage.prompt_tokens, usage.completion_tokens) if usage else Usage(),
            model=response.model,
        )

    async def stream(self, request: AIRequest) -> AsyncGenerator[StreamDelta, None]:
        try:
            upstream = await self._client.chat.completions.create(
                **self._arguments(request),
                stream=True,
                stream_options={"include_usage": True},
            )
        except openai.APIError as error:
            raise self._failure(error) from error
        usage: Usage | None = None
        model = ""
        # `async with`: closing or cancelling this generator closes the HTTP response, which
        # drops the connection and so cancels the upstream generation.
        async with upstream:
            try:
                async for chunk in upstream:
                    model = chunk.model or model
                    if chunk.usage is not None:
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    for text in self._texts(chunk):
                        yield StreamDelta(text=text, model=model)
            except openai.APIError as error:
                raise self._failure(error) from error
        yield StreamDelta(usage=usage, model=model)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.close()

    def _arguments(self, request: AIRequest) -> dict[str, Any]:
        arguments: dict[str, Any] = {
            "model": self.deployment.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            # max_tokens, not max_completion_tokens: the one every OpenAI-compatible server and
            # Azure API version accepts.
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        }
        if request.response_format is not None:
            arguments["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": request.response_format.name,
                    "schema": dict(request.response_format.schema),
                    "strict": True,
                },
            }
        return arguments

    def _texts(self, chunk: ChatCompletionChunk) -> list[str]:
        texts = []
        for choice in chunk.choices:
            if choice.delta.content:
                texts.append(choice.delta.content)
            if choice.finish_reason == "content_filter":
                raise self._filtered()
        return texts

    def _filtered(self) -> ProviderError:
        return ProviderError(
            f"{self.deployment.name}: the answer was withheld by the content filter",
            kind=FailureKind.CONTENT_FILTER,
        )

    def _failure(self, error: openai.APIError) -> ProviderError:
        name = self.deployment.name
        if isinstance(error, openai.APITimeoutError):
            return ProviderError(f"{name}: upstream timed out", kind=FailureKind.TIMEOUT)
        if isinstance(error, openai.APIConnectionError):
            return ProviderError(
                f"{name}: connection to upstream failed", kind=FailureKind.SERVER_ERROR
            )
        status = error.status_code if isinstance(error, openai.APIStatusError) else None
        message = f"{name}: upstream {status or 'stream'} error: {self._upstream_message(error)}"
        if _is_content_filter(error.body):
            return ProviderError(message, kind=FailureKind.CONTENT_FILTER, status=status)
        if status is None or status >= 500:
            return ProviderError(message, kind=FailureKind.SERVER_ERROR, status=status)
        if status == 429:
            assert isinstance(error, openai.APIStatusError)
            return ProviderError(
                message,
                kind=FailureKind.RATE_LIMITED,
                status=status,
                retry_after=_retry_after(error.response.headers, self._clock()),
            )
        if status in (401, 403, 404):
            return ProviderError(message, kind=FailureKind.MISCONFIGURED, status=status)
        return ProviderError(message, kind=FailureKind.BAD_REQUEST, status=status)

    def _upstream_message(self, error: openai.APIError) -> str:
        """The upstream's own words, shortened, with our key blanked should they echo it."""
        text = error.message[:_MAX_UPSTREAM_MESSAGE]
        key = self.deployment.api_key
        return text.replace(key, "***") if key else text


def _build_client(deployment: Deployment) -> openai.AsyncOpenAI:
    api_key = deployment.api_key or _NO_KEY
    if deployment.provider == "azure":
        if not deployment.base_url or not deployment.api_version:
            raise ValueError(f"{deployment.name}: Azure needs an endpoint and an API version")
        return openai.AsyncAzureOpenAI(
            azure_endpoint=deployment.base_url,
            api_key=api_key,
            api_version=deployment.api_version,
            max_retries=0,
            timeout=deployment.timeout_seconds,
        )
    if deployment.provider != "openai":
        raise ValueError(f"{deployment.name}: not an OpenAI deployment ({deployment.provider})")
    return openai.AsyncOpenAI(
        base_url=deployment.base_url or None,
        api_key=api_key,
        max_retries=0,
        timeout=deployment.timeout_seconds,
    )


def _is_content_filter(body: object) -> bool:
    """Azure's refusal: `{"code": "content_filter"}` (the SDK hands over the inner `error`)."""
    if not isinstance(body, Mapping):
        return False
    inner = body.get("innererror")
    inner_code = inner.get("code") if isinstance(inner, Mapping) else None
    return body.get("code") == "content_filter" or inner_code == "ResponsibleAIPolicyViolation"


def _retry_after(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `Retry-After` in seconds or as an HTTP-date."""
    milliseconds = headers.get("retry-after-ms")
    if milliseconds is not None:
        try:
            return max(float(milliseconds) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)

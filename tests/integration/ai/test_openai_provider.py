"""OpenAIProvider through the real openai SDK, speaking HTTP to the local fake server."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from email.utils import format_datetime

import pytest
from support.clock import FakeClock
from support.fake_openai import (
    AZURE_CONTENT_FILTER,
    DropMidStream,
    ErrorMidStream,
    Fail,
    FakeOpenAI,
    Hang,
    Reply,
    StreamReply,
)

from services.ai.model import AIRequest, ChatMessage, JsonSchemaFormat, StreamDelta, Usage
from services.ai.providers.base import Deployment, FailureKind, ProviderError
from services.ai.providers.openai import OpenAIProvider

OPENAI_KEY = "sk-test-secret-0123456789"
AZURE_KEY = "azure-secret-9876543210"
MODEL = "gpt-4o-mini"
AZURE_DEPLOYMENT = "chat-prod"

REQUEST = AIRequest(
    task="messages",
    messages=(
        ChatMessage("system", "You write short friendly messages."),
        ChatMessage("user", "Say hi to Sam."),
    ),
    max_tokens=200,
    temperature=0.4,
)


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def server(running_server: FakeOpenAI) -> FakeOpenAI:
    running_server.reset()
    return running_server


def openai_deployment(server: FakeOpenAI, *, timeout: float = 5.0) -> Deployment:
    return Deployment(
        name="openai-primary",
        provider="openai",
        model=MODEL,
        base_url=server.base_url,
        api_key=OPENAI_KEY,
        timeout_seconds=timeout,
    )


@pytest.fixture
async def provider(server: FakeOpenAI) -> AsyncIterator[OpenAIProvider]:
    provider = OpenAIProvider(openai_deployment(server))
    yield provider
    await provider.aclose()


@pytest.fixture
async def azure(server: FakeOpenAI) -> AsyncIterator[OpenAIProvider]:
    deployment = Deployment(
        name="azure-eu",
        provider="azure",
        model=AZURE_DEPLOYMENT,
        base_url=server.azure_endpoint,
        api_key=AZURE_KEY,
        api_version="2024-10-21",
    )
    provider = OpenAIProvider(deployment)
    yield provider
    await provider.aclose()


async def collect(
    stream: AsyncIterator[StreamDelta],
) -> tuple[list[StreamDelta], ProviderError | None]:
    deltas: list[StreamDelta] = []
    try:
        async for delta in stream:
            deltas.append(delta)
    except ProviderError as error:
        return deltas, error
    return deltas, None


async def failure_of(provider: OpenAIProvider, request: AIRequest = REQUEST) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        await provider.complete(request)
    return caught.value


# -- success -------------------------------------------------------------------------------------


async def test_complete_returns_text_usage_and_the_model_upstream_reported(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(
        MODEL,
        Reply("Hi Sam!", prompt_tokens=21, completion_tokens=4, model="gpt-4o-mini-2024-07-18"),
    )

    completion = await provider.complete(REQUEST)

    assert completion.text == "Hi Sam!"
    assert completion.usage == Usage(prompt_tokens=21, completion_tokens=4)
    assert completion.model == "gpt-4o-mini-2024-07-18"
    [received] = server.requests
    assert received.path == "/v1/chat/completions"
    assert received.body["model"] == MODEL
    assert received.body["messages"] == [
        {"role": "system", "content": "You write short friendly messages."},
        {"role": "user", "content": "Say hi to Sam."},
    ]
    assert received.body["max_tokens"] == 200
    assert received.body["temperature"] == 0.4
    assert "response_format" not in received.body
    assert received.stream is False


async def test_structured_output_asks_for_a_strict_json_schema(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    schema = {
        "type": "object",
        "properties": {"ideas": {"type": "array", "items": {"type": "string"}}},
        "required": ["ideas"],
        "additionalProperties": False,
    }
    request = AIRequest(
        task="content_ideas",
        messages=(ChatMessage("user", "Ideas please"),),
        response_format=JsonSchemaFormat(name="content_ideas", schema=schema),
    )
    server.script(MODEL, Reply('{"ideas": ["a"]}'))

    completion = await provider.complete(request)

    assert completion.text == '{"ideas": ["a"]}'
    assert server.requests[0].body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "content_ideas", "schema": schema, "strict": True},
    }


async def test_openai_sends_the_key_as_a_bearer_token(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    completion = await provider.complete(REQUEST)

    assert completion.text == "echo: Say hi to Sam."  # the fake's answer when nothing is scripted
    [received] = server.requests
    assert received.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert "api-key" not in received.headers


async def test_azure_uses_the_deployment_path_api_version_and_api_key_header(
    server: FakeOpenAI, azure: OpenAIProvider
) -> None:
    server.script(AZURE_DEPLOYMENT, Reply("Hello from Azure", model="gpt-4o-2024-08-06"))

    completion = await azure.complete(REQUEST)

    assert completion.text == "Hello from Azure"
    assert completion.model == "gpt-4o-2024-08-06"
    [received] = server.requests
    assert received.path == f"/openai/deployments/{AZURE_DEPLOYMENT}/chat/completions"
    assert received.query == {"api-version": "2024-10-21"}
    assert received.headers["api-key"] == AZURE_KEY
    assert "authorization" not in received.headers


# -- streaming -----------------------------------------------------------------------------------


async def test_stream_yields_pieces_in_order_then_the_usage(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(
        MODEL,
        StreamReply(["Hi", " Sam", ", how", " are you?"], prompt_tokens=9, completion_tokens=6),
    )

    deltas, error = await collect(provider.stream(REQUEST))

    assert error is None
    assert [d.text for d in deltas[:-1]] == ["Hi", " Sam", ", how", " are you?"]
    assert all(d.usage is None for d in deltas[:-1])
    assert deltas[-1] == StreamDelta(text="", usage=Usage(9, 6), model=MODEL)
    body = server.requests[0].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_stream_dropped_midway_fails_after_the_pieces_already_yielded(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, DropMidStream(["Hi", " Sam"]))

    deltas, error = await collect(provider.stream(REQUEST))

    assert [d.text for d in deltas] == ["Hi", " Sam"]
    assert error is not None
    assert error.kind is FailureKind.SERVER_ERROR


async def test_error_event_mid_stream_fails_after_the_pieces_already_yielded(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, ErrorMidStream(["Hi"]))

    deltas, error = await collect(provider.stream(REQUEST))

    assert [d.text for d in deltas] == ["Hi"]
    assert error is not None
    assert error.kind is FailureKind.SERVER_ERROR


async def test_stream_refused_before_the_first_piece_raises_on_first_read(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, Fail(429, headers={"Retry-After": "3"}))

    deltas, error = await collect(provider.stream(REQUEST))

    assert deltas == []
    assert error is not None
    assert error.kind is FailureKind.RATE_LIMITED
    assert error.retry_after == 3.0


async def test_closing_the_stream_early_disconnects_from_upstream(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, StreamReply(["word "] * 200, delay=0.02))
    stream = provider.stream(REQUEST)

    first = await anext(stream)
    await stream.aclose()

    assert first.text == "word "
    assert await server.wait_for_disconnect_async()
    assert server.requests[0].disconnected


async def test_cancelling_the_consumer_disconnects_from_upstream(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, StreamReply(["word "] * 200, delay=0.02))
    first_piece = asyncio.Event()

    async def consume() -> None:
        async for _ in provider.stream(REQUEST):
            first_piece.set()

    task = asyncio.create_task(consume())
    await first_piece.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await server.wait_for_disconnect_async()
    assert server.requests[0].disconnected


async def test_azure_stream_cut_by_the_content_filter_fails_as_content_filter(
    server: FakeOpenAI, azure: OpenAIProvider
) -> None:
    server.script(AZURE_DEPLOYMENT, StreamReply(["Sure, "], finish_reason="content_filter"))

    deltas, error = await collect(azure.stream(REQUEST))

    assert [d.text for d in deltas] == ["Sure, "]
    assert error is not None
    assert error.kind is FailureKind.CONTENT_FILTER


# -- failures ------------------------------------------------------------------------------------


async def test_429_with_retry_after_seconds_is_rate_limited(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, Fail(429, headers={"Retry-After": "7"}))

    error = await failure_of(provider)

    assert error.kind is FailureKind.RATE_LIMITED
    assert error.status == 429
    assert error.retry_after == 7.0


async def test_429_with_retry_after_as_http_date_is_read_against_the_clock(
    server: FakeOpenAI,
) -> None:
    clock = FakeClock()
    provider = OpenAIProvider(openai_deployment(server), clock=clock)
    until = format_datetime(clock.now + timedelta(seconds=42), usegmt=True)
    server.script(MODEL, Fail(429, headers={"Retry-After": until}))

    try:
        error = await failure_of(provider)
    finally:
        await provider.aclose()

    assert error.kind is FailureKind.RATE_LIMITED
    assert error.retry_after == 42.0


async def test_429_with_retry_after_ms_prefers_the_milliseconds(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, Fail(429, headers={"retry-after-ms": "1500", "Retry-After": "2"}))

    error = await failure_of(provider)

    assert error.retry_after == 1.5


async def test_429_without_retry_after_has_no_hint(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    server.script(MODEL, Fail(429))

    error = await failure_of(provider)

    assert error.kind is FailureKind.RATE_LIMITED
    assert error.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_5xx_is_a_server_error(
    server: FakeOpenAI, provider: OpenAIProvider, status: int
) -> None:
    server.script(MODEL, Fail(status))

    error = await failure_of(provider)

    assert error.kind is FailureKind.SERVER_ERROR
    assert error.status == status


@pytest.mark.parametrize("status", [429, 500, 503])
async def test_the_sdk_never_retries(
    server: FakeOpenAI, provider: OpenAIProvider, status: int
) -> None:
    server.always(MODEL, Fail(status, headers={"Retry-After": "0"}))

    await failure_of(provider)

    assert len(server.requests) == 1


async def test_an_answer_without_choices_is_a_server_error(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    empty = {"id": "x", "object": "chat.completion", "created": 0, "model": MODEL, "choices": []}
    server.script(MODEL, Fail(200, body=empty))

    error = await failure_of(provider)

    assert error.kind is FailureKind.SERVER_ERROR


async def test_unreachable_upstream_is_a_server_error() -> None:
    with socket.socket() as bound_not_listening:
        bound_not_listening.bind(("127.0.0.1", 0))
        port = bound_not_listening.getsockname()[1]
        deployment = Deployment(
            name="down", provider="openai", model=MODEL, base_url=f"http://127.0.0.1:{port}/v1"
        )
        provider = OpenAIProvider(deployment)
        try:
            error = await failure_of(provider)
        finally:
            await provider.aclose()

    assert error.kind is FailureKind.SERVER_ERROR
    assert error.status is None


async def test_no_answer_within_the_deployment_timeout_is_a_timeout(server: FakeOpenAI) -> None:
    provider = OpenAIProvider(openai_deployment(server, timeout=0.2))
    server.script(MODEL, Hang(30))
    started = time.monotonic()

    try:
        error = await failure_of(provider)
    finally:
        await provider.aclose()

    assert error.kind is FailureKind.TIMEOUT
    assert time.monotonic() - started < 5
    assert await server.wait_for_disconnect_async()


async def test_a_stream_that_stalls_past_the_timeout_is_a_timeout(server: FakeOpenAI) -> None:
    provider = OpenAIProvider(openai_deployment(server, timeout=0.2))
    server.script(MODEL, StreamReply(["late"], delay=30))

    try:
        deltas, error = await collect(provider.stream(REQUEST))
    finally:
        await provider.aclose()

    assert deltas == []
    assert error is not None
    assert error.kind is FailureKind.TIMEOUT


async def test_azure_content_filter_refusal_is_content_filter(
    server: FakeOpenAI, azure: OpenAIProvider
) -> None:
    server.script(AZURE_DEPLOYMENT, Fail(400, body=AZURE_CONTENT_FILTER))

    error = await failure_of(azure)

    assert error.kind is FailureKind.CONTENT_FILTER
    assert error.status == 400


async def test_an_empty_answer_stopped_by_the_content_filter_is_content_filter(
    server: FakeOpenAI, azure: OpenAIProvider
) -> None:
    server.script(AZURE_DEPLOYMENT, Reply("", finish_reason="content_filter"))

    error = await failure_of(azure)

    assert error.kind is FailureKind.CONTENT_FILTER


@pytest.mark.parametrize("status", [401, 403, 404])
async def test_auth_and_not_found_mean_misconfigured(
    server: FakeOpenAI, provider: OpenAIProvider, status: int
) -> None:
    server.script(MODEL, Fail(status))

    error = await failure_of(provider)

    assert error.kind is FailureKind.MISCONFIGURED
    assert error.status == status


@pytest.mark.parametrize("status", [400, 422])
async def test_other_4xx_is_a_bad_request(
    server: FakeOpenAI, provider: OpenAIProvider, status: int
) -> None:
    body = {"error": {"message": "context too long", "code": "context_length_exceeded"}}
    server.script(MODEL, Fail(status, body=body))

    error = await failure_of(provider)

    assert error.kind is FailureKind.BAD_REQUEST
    assert error.status == status
    assert "context too long" in str(error)


async def test_the_key_never_appears_in_the_error_even_when_upstream_echoes_it(
    server: FakeOpenAI, provider: OpenAIProvider
) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {OPENAI_KEY}.", "code": None}}
    server.script(MODEL, Fail(401, body=body))

    error = await failure_of(provider)

    assert OPENAI_KEY not in str(error)
    assert "Incorrect API key provided" in str(error)

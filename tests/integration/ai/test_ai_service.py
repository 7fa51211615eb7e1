"""The AI service end to end: build_ai_service(Settings) -> router -> OpenAIProvider (the real
openai SDK) -> HTTP -> the local fake OpenAI/Azure server, with cost, budget rows and metrics.

Runs on SQLite only (the budget's database behaviour on both databases is test_ai_budget.py).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest
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

from services.ai.breaker import BreakerState
from services.ai.errors import ContentRefused, MalformedOutput
from services.ai.model import AIChunk, AIRequest, ChatMessage, Usage
from services.ai.retry import RetryPolicy
from services.ai.token_prices import MICROS_PER_USD, estimate_prompt_tokens
from services.common.principal import Principal
from services.errors import InvalidArgument, Unavailable

if TYPE_CHECKING:  # fixtures' types; conftest modules are not imported at run time
    from conftest import Harness, ServiceFactory, UserFactory

REQUEST = AIRequest(
    task="assistant",
    messages=(
        ChatMessage("system", "You write short friendly messages."),
        ChatMessage("user", "Say hi to Sam."),
    ),
    max_tokens=50,
    temperature=0.3,
)
BASE_DELAY = RetryPolicy().base_delay  # the jitter the router adds (settings do not change it)


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def keys(upstream: FakeOpenAI) -> list[str]:
    """Which deployment each upstream request went to, in order."""
    return [request.key for request in upstream.requests]


def breaker_metric(harness: Harness, deployment: str) -> float | None:
    return harness.registry.get_sample_value("huntaze_ai_breaker_state", {"deployment": deployment})


def state_of(harness: Harness, deployment: str) -> BreakerState:
    [status] = [s for s in harness.service.statuses() if s.name == deployment]
    return status.state


async def arrived(upstream: FakeOpenAI, within: float = 5.0) -> None:
    """Until the fake server has received a request (it offers no event to wait on)."""
    async with asyncio.timeout(within):
        while not upstream.requests:  # noqa: ASYNC110 - polling the server's thread-side record
            await asyncio.sleep(0.005)


async def collect(stream: AsyncIterator[AIChunk]) -> list[AIChunk]:
    return [chunk async for chunk in stream]


def parse_ok(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise MalformedOutput(f"not JSON: {error}") from error
    if not isinstance(document, dict) or "ok" not in document:
        raise MalformedOutput("missing 'ok'")
    return document


# -- success -------------------------------------------------------------------------------------


async def test_complete_is_answered_by_the_first_deployment_and_charged_at_its_price(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service()
    upstream.script("azure", Reply("Hi Sam!", prompt_tokens=21, completion_tokens=4))

    response = await harness.service.complete(REQUEST, caller=caller)

    cost = harness.micros("azure", 21, 4)  # 21 * 2 + 4 * 8 = 74 micro-dollars
    assert response.text == "Hi Sam!"
    assert response.deployment == "azure"
    assert response.model == "azure"
    assert response.usage == Usage(21, 4)
    assert response.cost_usd == cost / MICROS_PER_USD
    assert response.cached is False
    assert keys(upstream) == ["azure"]
    [row] = await harness.usage_rows()
    assert (row.user_id, row.task, row.deployment, row.model) == (
        caller.user_id,
        "assistant",
        "azure",
        "azure",
    )
    assert (row.prompt_tokens, row.completion_tokens, row.cost_micros) == (21, 4, cost)
    assert await harness.spent_micros(caller.user_id) == cost
    assert await harness.reservations() == 0
    route = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert harness.metric("huntaze_ai_requests_total", **route, cached="false") == 1
    assert harness.metric("huntaze_ai_tokens_total", **route, direction="prompt") == 21
    assert harness.metric("huntaze_ai_tokens_total", **route, direction="completion") == 4
    assert harness.metric("huntaze_ai_cost_usd_total", **route) == pytest.approx(cost / 1e6)


async def test_stream_yields_deltas_in_order_then_usage_and_cost_from_the_usage_chunk(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service()
    upstream.script(
        "azure", StreamReply(["Hi", " Sam", ", welcome!"], prompt_tokens=17, completion_tokens=5)
    )

    chunks = await collect(harness.service.stream(REQUEST, caller=caller))

    *deltas, final = chunks
    assert [chunk.delta for chunk in deltas] == ["Hi", " Sam", ", welcome!"]
    assert not any(chunk.done for chunk in deltas)
    cost = harness.micros("azure", 17, 5)
    assert final.done and final.error is None and final.delta == ""
    assert final.usage == Usage(17, 5)  # the API's count, not the number of pieces
    assert final.cost_usd == cost / MICROS_PER_USD
    assert final.deployment == "azure"
    assert upstream.requests[0].stream
    assert upstream.requests[0].body["stream_options"] == {"include_usage": True}
    [row] = await harness.usage_rows()
    assert (row.prompt_tokens, row.completion_tokens, row.cost_micros) == (17, 5, cost)
    assert await harness.spent_micros(caller.user_id) == cost
    assert await harness.reservations() == 0


# -- retries and fallback ------------------------------------------------------------------------


async def test_429_with_a_short_retry_after_waits_at_least_that_long_then_retries_there(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_max_retry_after_seconds=5.0)
    upstream.script("azure", Fail(429, headers={"Retry-After": "2"}), Reply("second time"))

    response = await harness.service.complete(REQUEST, caller=caller)

    assert (response.text, response.deployment) == ("second time", "azure")
    assert keys(upstream) == ["azure", "azure"]
    [waited] = harness.sleep.delays
    assert 2.0 <= waited <= 2.0 + BASE_DELAY
    errors = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert harness.metric("huntaze_ai_attempt_errors_total", **errors, kind="rate_limited") == 1


async def test_429_with_a_retry_after_too_long_to_wait_falls_back_at_once(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_max_retry_after_seconds=5.0)
    upstream.script("azure", Fail(429, headers={"Retry-After": "60"}))

    response = await harness.service.complete(REQUEST, caller=caller)

    assert response.deployment == "openai"
    assert keys(upstream) == ["azure", "openai"]
    assert harness.sleep.delays == []


@pytest.mark.parametrize("max_attempts", [1, 2, 3])
async def test_500_is_tried_exactly_max_attempts_times_with_jittered_backoff_then_falls_back(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal, max_attempts: int
) -> None:
    harness = await make_service(ai_max_attempts=max_attempts)
    upstream.always("azure", Fail(500))

    response = await harness.service.complete(REQUEST, caller=caller)

    assert response.deployment == "openai"
    # One HTTP request per router attempt: the SDK retries nothing of its own.
    assert keys(upstream) == ["azure"] * max_attempts + ["openai"]
    delays = harness.sleep.delays
    assert len(delays) == max_attempts - 1
    for attempt, delay in enumerate(delays, start=1):  # full jitter, doubling per attempt
        assert 0.0 <= delay <= BASE_DELAY * 2 ** (attempt - 1)
    assert len(set(delays)) == len(delays)  # drawn, not a fixed schedule
    errors = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert (
        harness.metric("huntaze_ai_attempt_errors_total", **errors, kind="server_error")
        == max_attempts
    )


async def test_a_timeout_falls_back_at_once_and_abandons_the_hanging_request(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(deployment_timeout=0.3)
    upstream.script("azure", Hang(10))

    response = await harness.service.complete(REQUEST, caller=caller)

    assert response.deployment == "openai"
    assert keys(upstream) == ["azure", "openai"]
    assert harness.sleep.delays == []  # a timeout is not retried on the same deployment
    assert await upstream.wait_for_disconnect_async()
    assert upstream.requests[0].disconnected
    errors = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert harness.metric("huntaze_ai_attempt_errors_total", **errors, kind="timeout") == 1


async def test_azure_content_filter_falls_back_without_counting_against_the_breaker(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_breaker_failure_threshold=2)
    upstream.always("azure", Fail(400, body=AZURE_CONTENT_FILTER))

    for _ in range(4):  # twice the threshold
        response = await harness.service.complete(REQUEST, caller=caller)
        assert response.deployment == "openai"

    assert keys(upstream) == ["azure", "openai"] * 4  # never retried, never skipped
    assert harness.sleep.delays == []
    assert state_of(harness, "azure") is BreakerState.CLOSED
    assert breaker_metric(harness, "azure") == 0
    errors = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert harness.metric("huntaze_ai_attempt_errors_total", **errors, kind="content_filter") == 4


async def test_content_filter_on_every_deployment_without_offline_is_a_content_refusal(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_offline_fallback=False)
    upstream.always("azure", Fail(400, body=AZURE_CONTENT_FILTER))
    upstream.always("openai", Fail(400, body=AZURE_CONTENT_FILTER))

    with pytest.raises(ContentRefused) as caught:
        await harness.service.complete(REQUEST, caller=caller)

    assert isinstance(caught.value, InvalidArgument)  # a 400: asking again will not help
    assert keys(upstream) == ["azure", "openai"]
    assert await harness.reservations() == 0
    assert await harness.spent_micros(caller.user_id) == 0
    assert harness.metric("huntaze_ai_failures_total", task="assistant", reason="content_filter")


async def test_malformed_structured_output_is_retried_once_then_falls_back(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service()
    upstream.script("azure", Reply("Sure! Here you go"), Reply('{"nope": 1}'))
    upstream.script("openai", Reply('{"ok": true}'))

    parsed = await harness.service.complete_parsed(REQUEST, parse_ok, caller=caller)

    assert parsed.value == {"ok": True}
    assert parsed.response.deployment == "openai"
    assert keys(upstream) == ["azure", "azure", "openai"]
    assert state_of(harness, "azure") is BreakerState.CLOSED
    errors = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert harness.metric("huntaze_ai_attempt_errors_total", **errors, kind="malformed_output") == 2


async def test_malformed_output_everywhere_is_never_returned(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_offline_fallback=False)
    upstream.always("azure", Reply("not json"))
    upstream.always("openai", Reply("[1, 2]"))

    with pytest.raises(Unavailable):
        await harness.service.complete_parsed(REQUEST, parse_ok, caller=caller)

    assert keys(upstream) == ["azure", "azure", "openai", "openai"]
    assert await harness.reservations() == 0


@pytest.mark.parametrize(
    ("status", "kind", "counts"),
    [(400, "bad_request", False), (401, "misconfigured", True), (404, "misconfigured", True)],
)
async def test_client_errors_fall_back_at_once_and_only_misconfiguration_counts(
    make_service: ServiceFactory,
    upstream: FakeOpenAI,
    caller: Principal,
    status: int,
    kind: str,
    counts: bool,
) -> None:
    harness = await make_service(ai_breaker_failure_threshold=1)
    upstream.script("azure", Fail(status))

    response = await harness.service.complete(REQUEST, caller=caller)

    assert response.deployment == "openai"
    assert keys(upstream) == ["azure", "openai"]  # never retried
    assert harness.sleep.delays == []
    expected = BreakerState.OPEN if counts else BreakerState.CLOSED
    assert state_of(harness, "azure") is expected
    errors = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert harness.metric("huntaze_ai_attempt_errors_total", **errors, kind=kind) == 1


# -- circuit breaker -----------------------------------------------------------------------------


async def open_azure_breaker(harness: Harness, upstream: FakeOpenAI, caller: Principal) -> None:
    """Fail azure `threshold` times (one attempt per call); each call is saved by openai."""
    upstream.always("azure", Fail(500))
    for _ in range(harness.settings.ai_breaker_failure_threshold):
        response = await harness.service.complete(REQUEST, caller=caller)
        assert response.deployment == "openai"


async def test_breaker_opens_after_the_threshold_and_an_open_deployment_gets_no_requests(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_max_attempts=1, ai_breaker_failure_threshold=3)
    assert breaker_metric(harness, "azure") == 0

    await open_azure_breaker(harness, upstream, caller)

    assert breaker_metric(harness, "azure") == 2
    assert state_of(harness, "azure") is BreakerState.OPEN
    upstream.reset()
    response = await harness.service.complete(REQUEST, caller=caller)
    assert response.deployment == "openai"
    assert keys(upstream) == ["openai"]


async def test_after_the_reset_time_a_successful_probe_closes_the_breaker(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_max_attempts=1, ai_breaker_failure_threshold=3)
    await open_azure_breaker(harness, upstream, caller)
    upstream.reset()  # azure answers again

    harness.monotonic.advance(harness.settings.ai_breaker_reset_seconds - 1)
    assert state_of(harness, "azure") is BreakerState.OPEN
    harness.monotonic.advance(1)
    assert state_of(harness, "azure") is BreakerState.HALF_OPEN
    assert breaker_metric(harness, "azure") == 1

    response = await harness.service.complete(REQUEST, caller=caller)

    assert response.deployment == "azure"
    assert keys(upstream) == ["azure"]
    assert state_of(harness, "azure") is BreakerState.CLOSED
    assert breaker_metric(harness, "azure") == 0


async def test_a_failed_probe_reopens_the_breaker(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_max_attempts=1, ai_breaker_failure_threshold=3)
    await open_azure_breaker(harness, upstream, caller)
    upstream.reset()
    upstream.always("azure", Fail(503))
    harness.monotonic.advance(harness.settings.ai_breaker_reset_seconds)

    response = await harness.service.complete(REQUEST, caller=caller)

    assert response.deployment == "openai"
    assert keys(upstream) == ["azure", "openai"]  # exactly one probe
    assert state_of(harness, "azure") is BreakerState.OPEN
    assert breaker_metric(harness, "azure") == 2
    upstream.reset()
    await harness.service.complete(REQUEST, caller=caller)
    assert keys(upstream) == ["openai"]  # the fresh open period admits nothing


async def test_all_breakers_open_is_unavailable_at_once_without_calling_upstream(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(
        ai_offline_fallback=False, ai_max_attempts=1, ai_breaker_failure_threshold=1
    )
    upstream.always("azure", Fail(500))
    upstream.always("openai", Fail(502))
    with pytest.raises(Unavailable):
        await harness.service.complete(REQUEST, caller=caller)
    assert {status.state for status in harness.service.statuses()} == {BreakerState.OPEN}
    upstream.reset()
    harness.monotonic.advance(10)

    with pytest.raises(Unavailable) as caught:
        await harness.service.complete(REQUEST, caller=caller)

    assert caught.value.retry_after == pytest.approx(harness.settings.ai_breaker_reset_seconds - 10)
    assert upstream.requests == []
    assert await harness.reservations() == 0
    assert (
        harness.metric("huntaze_ai_failures_total", task="assistant", reason="all_breakers_open")
        == 1
    )
    with pytest.raises(Unavailable):  # streams too, before any token
        await collect(harness.service.stream(REQUEST, caller=caller))
    assert upstream.requests == []


# -- routes --------------------------------------------------------------------------------------


async def test_fallback_order_follows_the_route_of_the_task(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(
        ai_max_attempts=1, ai_routes={"content_ideas": ["openai", "azure"]}
    )
    ideas = AIRequest(task="content_ideas", messages=REQUEST.messages, max_tokens=50)

    assert (await harness.service.complete(ideas, caller=caller)).deployment == "openai"
    assert (await harness.service.complete(REQUEST, caller=caller)).deployment == "azure"
    assert keys(upstream) == ["openai", "azure"]

    upstream.reset()
    upstream.always("openai", Fail(500))
    upstream.always("azure", Fail(500))
    response = await harness.service.complete(ideas, caller=caller)
    assert keys(upstream) == ["openai", "azure"]
    assert response.deployment == "offline"  # appended to the route as the last resort
    assert response.cost_usd == 0


# -- streams past and before the first token -----------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [ErrorMidStream(["Hi", " Sam"]), DropMidStream(["Hi", " Sam"])],
    ids=["error-event", "dropped-connection"],
)
async def test_a_failure_after_the_first_token_ends_the_stream_with_an_error_event(
    make_service: ServiceFactory,
    upstream: FakeOpenAI,
    caller: Principal,
    failure: ErrorMidStream | DropMidStream,
) -> None:
    harness = await make_service()
    upstream.script("azure", failure)

    chunks = await collect(harness.service.stream(REQUEST, caller=caller))

    *deltas, final = chunks
    assert [chunk.delta for chunk in deltas] == ["Hi", " Sam"]
    assert final.done
    assert final.error is not None and final.error.code == "UNAVAILABLE"
    assert keys(upstream) == ["azure"]  # too late to fall back
    # Charged for what was produced: the prompt estimate and one token per piece received.
    prompt = estimate_prompt_tokens([m.content for m in REQUEST.messages])
    [row] = await harness.usage_rows()
    assert (row.deployment, row.prompt_tokens, row.completion_tokens) == ("azure", prompt, 2)
    assert row.cost_micros == harness.micros("azure", prompt, 2)
    assert await harness.reservations() == 0


async def test_a_stream_failing_before_its_first_token_falls_back_to_the_next_stream(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_max_attempts=1)
    upstream.script("azure", Fail(500))
    upstream.script("openai", StreamReply(["Hello", " from", " openai"], prompt_tokens=9))

    chunks = await collect(harness.service.stream(REQUEST, caller=caller))

    *deltas, final = chunks
    assert "".join(chunk.delta for chunk in deltas) == "Hello from openai"
    assert final.done and final.error is None
    assert final.deployment == "openai"
    assert final.usage == Usage(9, 3)
    assert final.cost_usd == harness.micros("openai", 9, 3) / MICROS_PER_USD
    assert keys(upstream) == ["azure", "openai"]


async def test_a_client_that_leaves_cancels_upstream_and_is_charged_for_what_it_got(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_breaker_failure_threshold=1)
    upstream.script("azure", StreamReply([f"word{i} " for i in range(40)], delay=0.05))

    stream = harness.service.stream(REQUEST, caller=caller)
    first = await anext(stream)
    await stream.aclose()

    assert first.delta == "word0 "
    assert await upstream.wait_for_disconnect_async()
    assert upstream.requests[0].disconnected
    assert await harness.reservations() == 0
    [row] = await harness.usage_rows()
    prompt = estimate_prompt_tokens([m.content for m in REQUEST.messages])
    assert (row.prompt_tokens, row.completion_tokens) == (prompt, 1)
    assert row.cost_micros == harness.micros("azure", prompt, 1) > 0
    assert await harness.spent_micros(caller.user_id) == row.cost_micros
    assert state_of(harness, "azure") is BreakerState.CLOSED  # the client left, not azure


async def test_a_cancelled_call_cancels_upstream_and_releases_its_reservation(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_breaker_failure_threshold=1)
    upstream.script("azure", Hang(10))
    call = asyncio.create_task(harness.service.complete(REQUEST, caller=caller))
    await arrived(upstream)

    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call

    assert await upstream.wait_for_disconnect_async()
    assert await harness.reservations() == 0
    assert await harness.usage_rows() == []  # nothing came back, nothing is charged
    assert await harness.spent_micros(caller.user_id) == 0
    assert keys(upstream) == ["azure"]  # no fallback for a caller that is gone
    assert state_of(harness, "azure") is BreakerState.CLOSED


async def test_a_stream_that_times_out_before_its_first_token_falls_back(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(deployment_timeout=0.3)
    upstream.script("azure", Hang(10))
    upstream.script("openai", StreamReply(["Hi", " there"]))

    chunks = await collect(harness.service.stream(REQUEST, caller=caller))

    assert [chunk.delta for chunk in chunks[:-1]] == ["Hi", " there"]
    assert chunks[-1].deployment == "openai" and chunks[-1].error is None
    assert keys(upstream) == ["azure", "openai"]
    assert await upstream.wait_for_disconnect_async()


# -- prompt cache --------------------------------------------------------------------------------


async def test_the_same_request_by_the_same_user_is_answered_from_the_cache_for_free(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service()
    upstream.script("azure", Reply("Hi Sam!", prompt_tokens=21, completion_tokens=4))

    first = await harness.service.complete(REQUEST, caller=caller, cache=True)
    second = await harness.service.complete(REQUEST, caller=caller, cache=True)

    assert first.cached is False and first.cost_usd > 0
    assert (second.text, second.deployment, second.usage) == ("Hi Sam!", "azure", Usage(21, 4))
    assert second.cached is True
    assert second.cost_usd == 0
    assert keys(upstream) == ["azure"]
    assert len(await harness.usage_rows()) == 1  # the hit is not billed
    assert harness.metric("huntaze_ai_cache_requests_total", task="assistant", result="hit") == 1
    assert harness.metric("huntaze_ai_cache_requests_total", task="assistant", result="miss") == 1
    route = {"task": "assistant", "deployment": "azure", "provider": "azure"}
    assert harness.metric("huntaze_ai_requests_total", **route, cached="true") == 1


async def test_the_cache_is_never_shared_across_users(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal, make_user: UserFactory
) -> None:
    harness = await make_service()
    other = await make_user()
    upstream.script("azure", Reply("for the caller"), Reply("for the other user"))

    await harness.service.complete(REQUEST, caller=caller, cache=True)
    response = await harness.service.complete(REQUEST, caller=other, cache=True)

    assert (response.text, response.cached) == ("for the other user", False)
    assert keys(upstream) == ["azure", "azure"]


async def test_calls_without_cache_and_streams_are_never_served_from_the_cache(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service()
    await harness.service.complete(REQUEST, caller=caller, cache=True)

    uncached = await harness.service.complete(REQUEST, caller=caller)
    streamed = await collect(harness.service.stream(REQUEST, caller=caller))

    assert uncached.cached is False
    assert streamed[-1].done and streamed[-1].cost_usd > 0
    assert keys(upstream) == ["azure"] * 3
    assert harness.metric("huntaze_ai_cache_requests_total", task="assistant", result="hit") == 0


async def test_offline_answers_are_never_cached(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(ai_max_attempts=1)
    upstream.always("azure", Fail(500))
    upstream.always("openai", Fail(500))
    offline = await harness.service.complete(REQUEST, caller=caller, cache=True)
    assert offline.deployment == "offline"
    upstream.reset()  # the deployments recover

    response = await harness.service.complete(REQUEST, caller=caller, cache=True)

    assert (response.deployment, response.cached) == ("azure", False)
    assert keys(upstream) == ["azure"]
    assert harness.metric("huntaze_ai_cache_requests_total", task="assistant", result="hit") == 0


# -- pricing gaps --------------------------------------------------------------------------------


async def test_tokens_without_a_price_cost_nothing_and_are_flagged(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(openai_model="mystery-model", ai_max_attempts=1)
    upstream.always("azure", Fail(500))
    upstream.script("mystery-model", Reply("cheap?", prompt_tokens=30, completion_tokens=7))

    response = await harness.service.complete(REQUEST, caller=caller)

    assert response.deployment == "openai"
    assert response.usage == Usage(30, 7)
    assert response.cost_usd == 0
    assert (
        harness.metric(
            "huntaze_ai_unpriced_calls_total", deployment="openai", model="mystery-model"
        )
        == 1
    )
    [row] = await harness.usage_rows()  # the ledger still shows the tokens
    assert (row.prompt_tokens, row.completion_tokens, row.cost_micros) == (30, 7, 0)
    assert await harness.reservations() == 0

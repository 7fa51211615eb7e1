"""Monthly AI budgets through the whole service, on SQLite and PostgreSQL: the worst case is
reserved before any upstream request, so concurrent calls can never spend past the budget."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from support.fake_openai import FakeOpenAI, Reply, StreamReply

from services.ai.budget import AiBudget
from services.ai.model import AIChunk, AIRequest, ChatMessage
from services.ai.token_prices import MICROS_PER_USD, PriceTable, estimate_prompt_tokens
from services.common.principal import Principal
from services.errors import QuotaExceeded

if TYPE_CHECKING:  # fixtures' types; conftest modules are not imported at run time
    from conftest import Harness, ServiceFactory

REQUEST = AIRequest(
    task="assistant",
    messages=(
        ChatMessage("system", "You write short friendly messages."),
        ChatMessage("user", "Say hi to Sam."),
    ),
    max_tokens=100,
)
PROMPT_ESTIMATE = estimate_prompt_tokens([m.content for m in REQUEST.messages])


def worst_case(harness: Harness, *deployments: str) -> int:
    """What the service must hold for REQUEST on a route of `deployments` (offline is free)."""
    return PriceTable(harness.prices).worst_case(
        list(deployments), prompt_tokens=PROMPT_ESTIMATE, max_tokens=REQUEST.max_tokens
    )


def usd(micros: int) -> float:
    return micros / MICROS_PER_USD


async def test_a_call_whose_worst_case_does_not_fit_is_refused_before_any_request(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    probe = await make_service()
    budget = worst_case(probe, "azure", "openai") - 1
    harness = await make_service(ai_budget_pro_usd=usd(budget))

    with pytest.raises(QuotaExceeded) as caught:
        await harness.service.complete(REQUEST, caller=caller)

    # The fake clock says 2026-01-15 12:00 UTC: the budget renews on 2026-02-01.
    until_february = (datetime(2026, 2, 1, tzinfo=UTC) - harness.clock()).total_seconds()
    assert caught.value.retry_after == pytest.approx(until_february)
    assert upstream.requests == []
    assert await harness.reservations() == 0
    assert await harness.spent_micros(caller.user_id) == 0
    assert harness.metric("huntaze_ai_budget_refusals_total", plan="pro") == 1
    with pytest.raises(QuotaExceeded):  # streams reserve the same way
        await anext(harness.service.stream(REQUEST, caller=caller))
    assert upstream.requests == []


async def test_spending_counts_against_the_budget_until_the_month_changes(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    probe = await make_service()
    worst = worst_case(probe, "azure", "openai")
    harness = await make_service(ai_budget_pro_usd=usd(worst + worst // 2))
    upstream.script(
        "azure",
        Reply("long answer", prompt_tokens=PROMPT_ESTIMATE, completion_tokens=100),
        Reply("short", prompt_tokens=10, completion_tokens=2),
    )
    await harness.service.complete(REQUEST, caller=caller)
    assert await harness.spent_micros(caller.user_id) == worst  # it used all it might have

    with pytest.raises(QuotaExceeded):
        await harness.service.complete(REQUEST, caller=caller)
    assert len(upstream.requests) == 1

    harness.clock.now = datetime(2026, 2, 1, tzinfo=UTC)
    response = await harness.service.complete(REQUEST, caller=caller)
    assert response.text == "short"
    assert await harness.spent_micros(caller.user_id) == harness.micros("azure", 10, 2)


async def test_the_reservation_is_sized_by_the_dearest_deployment_of_the_route(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    probe = await make_service()
    assert worst_case(probe, "openai") < worst_case(probe, "azure")
    harness = await make_service(
        ai_routes={"cheap": ["openai"]}, ai_budget_pro_usd=usd(worst_case(probe, "openai"))
    )
    cheap = AIRequest(task="cheap", messages=REQUEST.messages, max_tokens=REQUEST.max_tokens)

    response = await harness.service.complete(cheap, caller=caller)
    assert response.deployment == "openai"

    with pytest.raises(QuotaExceeded):  # the default route may end up on azure
        await harness.service.complete(REQUEST, caller=caller)
    assert [request.key for request in upstream.requests] == ["openai"]


async def _stream_all(harness: Harness, caller: Principal) -> list[AIChunk]:
    return [chunk async for chunk in harness.service.stream(REQUEST, caller=caller)]


async def test_concurrent_calls_never_admit_more_than_the_budget_holds(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    admissible = 3
    probe = await make_service()
    worst = worst_case(probe, "azure", "openai")
    budget = admissible * worst + worst - 1  # room for 3 worst cases, not 4
    harness = await make_service(ai_budget_pro_usd=usd(budget))
    # Each admitted call really costs its worst case, so whatever the interleaving (settled
    # early or late), exactly `admissible` calls fit; the slow stream makes them overlap.
    upstream.always(
        "azure",
        StreamReply(
            ["a ", "slow ", "answer"],
            delay=0.05,
            prompt_tokens=PROMPT_ESTIMATE,
            completion_tokens=REQUEST.max_tokens,
        ),
    )

    outcomes = await asyncio.gather(
        *(_stream_all(harness, caller) for _ in range(3 * admissible)), return_exceptions=True
    )

    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert all(isinstance(o, QuotaExceeded) for o in refused), refused
    answered = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(answered) == admissible
    assert all(chunks[-1].done and chunks[-1].error is None for chunks in answered)
    assert len(upstream.requests) == admissible  # refused calls never reached upstream
    spent = await harness.spent_micros(caller.user_id)
    assert spent == admissible * worst <= budget
    assert await harness.reservations() == 0


async def test_calls_in_flight_hold_their_worst_case_until_they_settle(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    admissible = 2
    probe = await make_service()
    worst = worst_case(probe, "azure", "openai")
    harness = await make_service(ai_budget_pro_usd=usd(admissible * worst))
    # Cheap answers: only the reservations, not the spending, can refuse the others.
    upstream.always("azure", StreamReply(["one ", "two ", "three"], delay=0.05))
    in_flight = [harness.service.stream(REQUEST, caller=caller) for _ in range(admissible)]
    for stream in in_flight:
        assert (await anext(stream)).delta == "one "  # admitted and answering
    assert await harness.reservations() == admissible

    refusals = await asyncio.gather(
        *(harness.service.complete(REQUEST, caller=caller) for _ in range(2 * admissible)),
        return_exceptions=True,
    )
    assert all(isinstance(outcome, QuotaExceeded) for outcome in refusals), refusals

    for stream in in_flight:
        chunks = [chunk async for chunk in stream]
        assert chunks[-1].done and chunks[-1].error is None
    assert await harness.reservations() == 0
    assert 0 < await harness.spent_micros(caller.user_id) < worst
    response = await harness.service.complete(REQUEST, caller=caller)  # room again
    assert response.deployment == "azure"


async def test_a_free_route_never_touches_the_budget_tables(
    make_service: ServiceFactory, upstream: FakeOpenAI, caller: Principal
) -> None:
    harness = await make_service(
        ai_deployments=[], openai_api_key="", azure_openai_api_key="", ai_budget_pro_usd=0.0
    )

    response = await harness.service.complete(REQUEST, caller=caller)
    chunks = [chunk async for chunk in harness.service.stream(REQUEST, caller=caller)]

    assert response.deployment == "offline" and response.cost_usd == 0
    assert chunks[-1].done and chunks[-1].deployment == "offline"
    assert upstream.requests == []
    assert await harness.spend_rows() == 0
    assert await harness.reservations() == 0
    assert await harness.usage_rows() == []


async def test_a_reservation_never_settled_stops_counting_at_its_expiry(
    make_service: ServiceFactory, caller: Principal
) -> None:
    # A worker that died mid-call leaves its reservation behind: simulate it with reserve() alone.
    probe = await make_service()
    hold = worst_case(probe, "azure", "openai")
    harness = await make_service(ai_budget_pro_usd=usd(hold), ai_reservation_ttl_seconds=60)
    dead_worker = AiBudget(
        harness.uow_factory,
        monthly_budget_usd={caller.plan: usd(hold)},
        reservation_ttl_seconds=60,
        clock=harness.clock,
    )
    await dead_worker.reserve(caller, hold)

    with pytest.raises(QuotaExceeded):
        await harness.service.complete(REQUEST, caller=caller)

    harness.clock.advance(61)
    answer = await harness.service.complete(REQUEST, caller=caller)

    assert answer.cost_usd > 0
    assert await harness.reservations() == 0  # the expired one was purged, the new one settled

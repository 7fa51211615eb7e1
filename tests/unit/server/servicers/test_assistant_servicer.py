"""AIAssistantServicer: message -> one use-case call -> message, with fake use cases (no server,
no database)."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterator
from typing import Any, cast

import grpc
import pytest
from huntaze.v1 import ai_assistant_pb2 as pb

from interceptors.context import RequestContext, reset_current_request, set_current_request
from server.servicers.ai_assistant import AIAssistantServicer
from services.ai.model import AIChunk, Usage
from services.assistant.price_optimizer import (
    PricePoint,
    PriceRecommendation,
    PricingRequest,
    optimize_price,
)
from services.common.principal import Principal

CALLER = Principal(user_id="user-1", plan="pro")
CONTEXT = cast(grpc.aio.ServicerContext, None)  # the servicer never touches it


class FakeText:
    def __init__(self) -> None:
        self.calls: list[tuple[Principal, str, dict[str, Any]]] = []
        self.closed = False
        self.produced = 0

    def stream(
        self, caller: Principal, prompt: str, **options: Any
    ) -> AsyncGenerator[AIChunk, None]:
        self.calls.append((caller, prompt, options))
        return self._chunks()

    async def _chunks(self) -> AsyncGenerator[AIChunk, None]:
        try:
            for word in ("one ", "two ", "three "):
                self.produced += 1
                yield AIChunk(delta=word)
            yield AIChunk(done=True, usage=Usage(1, 3), deployment="offline")
        finally:
            self.closed = True


class FakePricing:
    def __init__(self) -> None:
        self.requests: list[PricingRequest] = []

    async def recommend(self, request: PricingRequest) -> PriceRecommendation:
        self.requests.append(request)
        return optimize_price(request.content_type, request.history)


@pytest.fixture(autouse=True)
def _signed_in() -> Iterator[None]:
    token = set_current_request(
        RequestContext(request_id="r", method="/m/m", client_address="local", principal=CALLER)
    )
    yield
    reset_current_request(token)


def servicer(text: FakeText | None = None, pricing: FakePricing | None = None) -> Any:
    return AIAssistantServicer(
        cast(Any, text or FakeText()), cast(Any, None), cast(Any, None), cast(Any, pricing)
    )


async def test_text_passes_the_prompt_and_only_the_options_given() -> None:
    text = FakeText()
    request = pb.GenerateTextRequest(prompt="Plan my week", temperature=0.2)
    events = [event async for event in servicer(text).GenerateText(request, CONTEXT)]
    assert text.calls == [
        (CALLER, "Plan my week", {"system": None, "max_tokens": None, "temperature": 0.2})
    ]
    assert [event.delta for event in events] == ["one ", "two ", "three ", ""]
    assert events[-1].done and events[-1].usage.total_tokens == 4


async def test_a_client_that_leaves_closes_the_stream_at_once() -> None:
    text = FakeText()
    events = servicer(text).GenerateText(pb.GenerateTextRequest(prompt="hi"), CONTEXT)
    assert (await anext(events)).delta == "one "
    await events.aclose()
    assert text.closed
    assert text.produced == 1


async def test_pricing_maps_the_request_and_the_recommendation() -> None:
    pricing = FakePricing()
    request = pb.OptimizePricingRequest(
        content_type="photo", history=[pb.PricePoint(price=10, offers=50, purchases=6)]
    )
    response = await servicer(pricing=pricing).OptimizePricing(request, CONTEXT)
    assert pricing.requests == [PricingRequest("photo", (PricePoint(10.0, 50, 6),))]
    assert response.recommended_price == pytest.approx(10.0, abs=0.05)
    assert response.rationale

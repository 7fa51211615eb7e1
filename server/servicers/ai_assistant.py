"""huntaze.v1.AIAssistantService: streamed free-form text and the three assistant tools."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

import grpc
from google.protobuf.message import Message
from huntaze.v1 import ai_assistant_pb2, ai_assistant_pb2_grpc

from interceptors.context import current_principal
from server.servicers.content_ideas import generate_ideas
from services.ai.model import AIChunk
from services.ai.service import AIService
from services.assistant.messages import MessageContext, MessageGenerator, MessageRequest, Recipient
from services.assistant.price_optimizer import PricePoint, optimize_price
from services.assistant.text import text_request
from services.content_ideas.service import ContentIdeasService


class AIAssistantServicer(ai_assistant_pb2_grpc.AIAssistantServiceServicer):
    def __init__(
        self, ai: AIService, ideas: ContentIdeasService, messages: MessageGenerator
    ) -> None:
        self._ai = ai
        self._ideas = ideas
        self._messages = messages

    async def GenerateText(
        self, request: ai_assistant_pb2.GenerateTextRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ai_assistant_pb2.GenerateTextResponse]:
        ai_request = text_request(
            request.prompt,
            system=request.system if request.HasField("system") else None,
            max_tokens=request.max_tokens if request.HasField("max_tokens") else None,
            temperature=request.temperature if request.HasField("temperature") else None,
        )
        # aclosing: when the client leaves, the stream (and the upstream request) closes now,
        # not whenever the generator is garbage-collected.
        stream = self._ai.stream(ai_request, caller=current_principal())
        async with contextlib.aclosing(stream) as chunks:
            async for chunk in chunks:
                yield stream_event(chunk)

    async def GenerateContentIdeasTool(
        self,
        request: ai_assistant_pb2.GenerateContentIdeasToolRequest,
        context: grpc.aio.ServicerContext,
    ) -> ai_assistant_pb2.GenerateContentIdeasToolResponse:
        data, meta = await generate_ideas(self._ideas, request.creator_profile, request.options)
        return ai_assistant_pb2.GenerateContentIdeasToolResponse(success=True, data=data, meta=meta)

    async def GenerateMessages(
        self, request: ai_assistant_pb2.GenerateMessagesRequest, context: grpc.aio.ServicerContext
    ) -> ai_assistant_pb2.GenerateMessagesResponse:
        recipient, fan_context = request.recipient, request.context
        generated = await self._messages.generate(
            current_principal(),
            MessageRequest(
                template=request.template,
                recipient=Recipient(
                    name=recipient.name,
                    spend_tier=_optional(recipient, "spend_tier"),
                    last_purchase_at=recipient.last_purchase_at.ToDatetime(UTC)
                    if recipient.HasField("last_purchase_at")
                    else None,
                    subscription_status=_optional(recipient, "subscription_status"),
                ),
                context=MessageContext(
                    tone=_optional(fan_context, "tone"),
                    occasion=_optional(fan_context, "occasion"),
                    language=_optional(fan_context, "language"),
                ),
                variants=request.variants if request.HasField("variants") else 3,
            ),
        )
        return ai_assistant_pb2.GenerateMessagesResponse(
            messages=[
                ai_assistant_pb2.GeneratedMessage(text=message.text, tone=message.tone)
                for message in generated.messages
            ],
            model=generated.model,
        )

    async def OptimizePricing(
        self, request: ai_assistant_pb2.OptimizePricingRequest, context: grpc.aio.ServicerContext
    ) -> ai_assistant_pb2.OptimizePricingResponse:
        history = [
            PricePoint(price=point.price, offers=point.offers, purchases=point.purchases)
            for point in request.history
        ]
        # A few milliseconds of fitting for a long history: off the event loop.
        recommendation = await asyncio.to_thread(
            optimize_price,
            request.content_type,
            history,
            min_price=_optional(request, "min_price"),
            max_price=_optional(request, "max_price"),
        )
        low, high = recommendation.price_range
        return ai_assistant_pb2.OptimizePricingResponse(
            recommended_price=recommendation.recommended_price,
            expected_conversion=recommendation.expected_conversion,
            expected_revenue_per_offer=recommendation.expected_revenue_per_offer,
            price_range=ai_assistant_pb2.PriceRange(low=low, high=high),
            confidence=recommendation.confidence,
            rationale=recommendation.rationale,
        )


def _optional(message: Message, field: str) -> Any:
    """The value of a proto3 `optional` field, None when absent."""
    return getattr(message, field) if message.HasField(field) else None


def stream_event(chunk: AIChunk) -> ai_assistant_pb2.GenerateTextResponse:
    event = ai_assistant_pb2.GenerateTextResponse(delta=chunk.delta)
    if not chunk.done:
        return event
    event.done = True
    if chunk.usage is not None:
        event.usage.CopyFrom(
            ai_assistant_pb2.TokenUsage(
                prompt_tokens=chunk.usage.prompt_tokens,
                completion_tokens=chunk.usage.completion_tokens,
                total_tokens=chunk.usage.total_tokens,
                cost=chunk.cost_usd,
                model=chunk.deployment,
            )
        )
    if chunk.error is not None:
        event.error.CopyFrom(
            ai_assistant_pb2.StreamError(code=chunk.error.code, message=chunk.error.message)
        )
    return event

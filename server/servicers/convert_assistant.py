"""The AI assistant, protobuf <-> domain: stream events, fan messages, price suggestions (its
content-ideas tool shares convert_ideas with ContentIdeasService)."""

from __future__ import annotations

from huntaze.v1 import ai_assistant_pb2

from server.servicers.convert import moment, optional
from services.ai.model import AIChunk
from services.assistant.messages.model import (
    DEFAULT_VARIANTS,
    GeneratedMessages,
    MessageContext,
    MessageRequest,
    Recipient,
)
from services.assistant.price_optimizer import PricePoint, PriceRecommendation, PricingRequest


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


def message_request_of(message: ai_assistant_pb2.GenerateMessagesRequest) -> MessageRequest:
    recipient, context = message.recipient, message.context
    variants = optional(message, "variants")
    return MessageRequest(
        template=message.template,
        recipient=Recipient(
            name=recipient.name,
            spend_tier=optional(recipient, "spend_tier"),
            last_purchase_at=moment(recipient, "last_purchase_at"),
            subscription_status=optional(recipient, "subscription_status"),
        ),
        context=MessageContext(
            tone=optional(context, "tone"),
            occasion=optional(context, "occasion"),
            language=optional(context, "language"),
        ),
        variants=DEFAULT_VARIANTS if variants is None else variants,
    )


def messages_response(generated: GeneratedMessages) -> ai_assistant_pb2.GenerateMessagesResponse:
    return ai_assistant_pb2.GenerateMessagesResponse(
        messages=[
            ai_assistant_pb2.GeneratedMessage(text=message.text, tone=message.tone)
            for message in generated.messages
        ],
        model=generated.model,
    )


def pricing_request_of(message: ai_assistant_pb2.OptimizePricingRequest) -> PricingRequest:
    return PricingRequest(
        content_type=message.content_type,
        history=tuple(
            PricePoint(price=point.price, offers=point.offers, purchases=point.purchases)
            for point in message.history
        ),
        min_price=optional(message, "min_price"),
        max_price=optional(message, "max_price"),
    )


def pricing_response(
    recommendation: PriceRecommendation,
) -> ai_assistant_pb2.OptimizePricingResponse:
    low, high = recommendation.price_range
    return ai_assistant_pb2.OptimizePricingResponse(
        recommended_price=recommendation.recommended_price,
        expected_conversion=recommendation.expected_conversion,
        expected_revenue_per_offer=recommendation.expected_revenue_per_offer,
        price_range=ai_assistant_pb2.PriceRange(low=low, high=high),
        confidence=recommendation.confidence,
        rationale=recommendation.rationale,
    )

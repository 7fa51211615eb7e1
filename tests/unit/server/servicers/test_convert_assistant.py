"""The assistant, protobuf <-> domain: no server, no database."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf import json_format
from huntaze.v1 import ai_assistant_pb2 as pb

from server.servicers.convert_assistant import (
    message_request_of,
    messages_response,
    pricing_request_of,
    pricing_response,
    stream_event,
)
from services.ai.model import AIChunk, StreamFailure, Usage
from services.assistant.messages.model import (
    GeneratedMessages,
    Message,
    MessageContext,
    MessageRequest,
    Recipient,
)
from services.assistant.price_optimizer import PricePoint, PriceRecommendation, PricingRequest


def test_a_text_chunk_is_a_bare_delta() -> None:
    assert json_format.MessageToDict(stream_event(AIChunk(delta="Hi "))) == {"delta": "Hi "}


def test_the_last_chunk_carries_done_and_the_usage() -> None:
    chunk = AIChunk(
        done=True, usage=Usage(12, 30), cost_usd=0.0021, deployment="openai", model="gpt-4o"
    )
    assert json_format.MessageToDict(stream_event(chunk)) == {
        "done": True,
        "usage": {
            "promptTokens": 12,
            "completionTokens": 30,
            "totalTokens": 42,
            "cost": 0.0021,
            "model": "openai",
        },
    }


def test_a_failure_after_the_first_token_is_a_last_event_with_the_error() -> None:
    chunk = AIChunk(done=True, error=StreamFailure("UNAVAILABLE", "upstream failed"))
    event = json_format.MessageToDict(stream_event(chunk))
    assert event == {"done": True, "error": {"code": "UNAVAILABLE", "message": "upstream failed"}}


def test_an_absent_optional_field_is_none_and_variants_default_to_three() -> None:
    message = pb.GenerateMessagesRequest(
        template="Hi {{name}}", recipient=pb.MessageRecipient(name="Ava")
    )
    assert message_request_of(message) == MessageRequest(
        template="Hi {{name}}", recipient=Recipient(name="Ava"), variants=3
    )


def test_every_message_field_is_carried_over() -> None:
    message = pb.GenerateMessagesRequest(
        template="Happy {{occasion}}",
        recipient=pb.MessageRecipient(
            name="Ava Stone", spend_tier="vip", subscription_status="expired"
        ),
        context=pb.MessageContext(tone="grateful", occasion="birthday", language="fr-FR"),
        variants=5,
    )
    message.recipient.last_purchase_at.FromDatetime(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    assert message_request_of(message) == MessageRequest(
        template="Happy {{occasion}}",
        recipient=Recipient(
            name="Ava Stone",
            spend_tier="vip",
            last_purchase_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
            subscription_status="expired",
        ),
        context=MessageContext(tone="grateful", occasion="birthday", language="fr-FR"),
        variants=5,
    )


def test_generated_messages_answer_text_tone_and_model() -> None:
    generated = GeneratedMessages(
        messages=[Message("Hi Ava!", "playful"), Message("Hey Ava!", "playful")], model="offline"
    )
    assert json_format.MessageToDict(messages_response(generated)) == {
        "messages": [
            {"text": "Hi Ava!", "tone": "playful"},
            {"text": "Hey Ava!", "tone": "playful"},
        ],
        "model": "offline",
    }


def test_pricing_request_with_and_without_bounds() -> None:
    message = pb.OptimizePricingRequest(
        content_type="video",
        history=[pb.PricePoint(price=10, offers=400, purchases=60)],
        max_price=40,
    )
    assert pricing_request_of(message) == PricingRequest(
        content_type="video", history=(PricePoint(10.0, 400, 60),), min_price=None, max_price=40.0
    )


def test_a_recommendation_answers_every_number_and_the_rationale() -> None:
    recommendation = PriceRecommendation(
        recommended_price=12.5,
        expected_conversion=0.11,
        expected_revenue_per_offer=1.38,
        price_range=(10.0, 15.0),
        confidence=0.6,
        rationale="Because.",
    )
    assert json_format.MessageToDict(pricing_response(recommendation)) == {
        "recommendedPrice": 12.5,
        "expectedConversion": 0.11,
        "expectedRevenuePerOffer": 1.38,
        "priceRange": {"low": 10.0, "high": 15.0},
        "confidence": 0.6,
        "rationale": "Because.",
    }

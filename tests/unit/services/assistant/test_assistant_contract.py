"""The assistant's request rules live in ai_assistant.proto only; the vocabularies Python still
needs (tones, spend tiers, subscription statuses, content types, the highest price) equal the
proto's, and every table keyed by one of them covers it."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import protovalidate
import pytest
from buf.validate import validate_pb2
from google.protobuf.message import Message
from huntaze.v1 import ai_assistant_pb2 as pb

from interceptors.validation import violations_of
from services.assistant.messages.fans import SITUATION_GOALS, fan_situation
from services.assistant.messages.model import (
    DEFAULT_TONE,
    DEFAULT_VARIANTS,
    SPEND_TIERS,
    SUBSCRIPTION_STATUSES,
    TONES,
)
from services.assistant.messages.offline import PHRASINGS
from services.assistant.price_optimizer import MAX_PRICE, TYPICAL_CONVERSION

VALIDATOR = protovalidate.Validator()
PYTHON_WHITESPACE = [chr(code) for code in range(0x110000) if chr(code).isspace()]


def rules(message: type[Message], field: str) -> validate_pb2.FieldRules:
    options = message.DESCRIPTOR.fields_by_name[field].GetOptions()
    return options.Extensions[validate_pb2.field]


def allowed(message: type[Message], field: str) -> tuple[str, ...]:
    return tuple(getattr(rules(message, field).string, "in"))


def refused(message: Message) -> list[tuple[str, str]]:
    """(path, rule id) as the validation interceptor reports them."""
    return [(violation.field, violation.reason) for violation in violations_of(message, VALIDATOR)]


# --- vocabularies ----------------------------------------------------------------------------


def test_tones_are_the_contracts_and_every_phrasing_has_each() -> None:
    assert allowed(pb.MessageContext, "tone") == TONES
    assert DEFAULT_TONE in TONES
    for phrasing in PHRASINGS.values():
        assert set(phrasing.greetings) == set(phrasing.closers) == set(TONES)


def test_fan_vocabularies_are_the_contracts_and_every_fan_has_a_situation() -> None:
    assert allowed(pb.MessageRecipient, "spend_tier") == SPEND_TIERS
    assert allowed(pb.MessageRecipient, "subscription_status") == SUBSCRIPTION_STATUSES
    for tier in (None, *SPEND_TIERS):
        for status in (None, *SUBSCRIPTION_STATUSES):
            for days in (None, 0, 90):
                situation = fan_situation(
                    spend_tier=tier, days_since_purchase=days, subscription_status=status
                )
                assert situation in SITUATION_GOALS
    for phrasing in PHRASINGS.values():
        assert set(phrasing.situations) == set(SITUATION_GOALS)


def test_default_variants_are_within_the_contracts_range() -> None:
    bounds = rules(pb.GenerateMessagesRequest, "variants").int32
    assert bounds.gte <= DEFAULT_VARIANTS <= bounds.lte


def test_pricing_content_types_and_highest_price_are_the_contracts() -> None:
    assert allowed(pb.OptimizePricingRequest, "content_type") == tuple(TYPICAL_CONVERSION)
    assert rules(pb.PricePoint, "price").double.lte == MAX_PRICE
    assert rules(pb.OptimizePricingRequest, "min_price").double.lte == MAX_PRICE
    assert rules(pb.OptimizePricingRequest, "max_price").double.lte == MAX_PRICE


# --- message rules ---------------------------------------------------------------------------


def messages_request(**changes: object) -> pb.GenerateMessagesRequest:
    request = pb.GenerateMessagesRequest(
        template="Hi {{name}}!", recipient=pb.MessageRecipient(name="Ava Stone")
    )
    for path, value in changes.items():
        target: Message = request
        *parents, name = path.split("__")
        for parent in parents:
            target = getattr(target, parent)
        setattr(target, name, value)
    return request


def test_a_valid_message_request_passes() -> None:
    assert refused(messages_request()) == []


@pytest.mark.parametrize("field", ["template", "recipient__name"])
def test_text_that_python_counts_as_blank_is_refused(field: str) -> None:
    """The service splits the name into words: whatever str.split() ignores is blank."""
    path = field.replace("__", ".")
    for space in PYTHON_WHITESPACE:
        assert refused(messages_request(**{field: space * 2})) == [(path, "string.not_blank")]
    for text in ("Ava", " Ava ", "\u00e9", "\U0001f60a", "\u200b"):
        assert refused(messages_request(**{field: text})) == []


def test_empty_text_is_min_lens_alone() -> None:
    assert refused(messages_request(template="")) == [("template", "string.min_len")]


def test_a_last_purchase_in_the_future_is_refused_beyond_the_clock_skew() -> None:
    now = datetime.now(UTC)
    for moment, expected in [
        (now - timedelta(days=40), []),
        (now + timedelta(minutes=4), []),
        (now + timedelta(minutes=6), [("recipient.last_purchase_at", "timestamp.lt_now")]),
    ]:
        request = messages_request()
        request.recipient.last_purchase_at.FromDatetime(moment)
        assert refused(request) == expected


def test_every_nonsense_message_field_is_reported_at_once() -> None:
    request = pb.GenerateMessagesRequest(
        template=" ",
        recipient=pb.MessageRecipient(name="", spend_tier="whale", subscription_status="paused"),
        context=pb.MessageContext(tone="angry", occasion="x" * 101, language="English"),
        variants=6,
    )
    request.recipient.last_purchase_at.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    assert {path for path, _ in refused(request)} == {
        "template",
        "recipient.name",
        "recipient.spend_tier",
        "recipient.last_purchase_at",
        "recipient.subscription_status",
        "context.tone",
        "context.occasion",
        "context.language",
        "variants",
    }


# --- pricing rules ---------------------------------------------------------------------------


def point(price: float = 10.0, offers: int = 10, purchases: int = 1) -> pb.PricePoint:
    return pb.PricePoint(price=price, offers=offers, purchases=purchases)


def pricing(**fields: object) -> pb.OptimizePricingRequest:
    given: dict[str, object] = {"content_type": "photo", "history": [point()], **fields}
    return pb.OptimizePricingRequest(**given)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, []),
        ({"history": []}, [("history", "repeated.min_items")]),
        ({"history": [point()] * 1001}, [("history", "repeated.max_items")]),
        (
            {"history": [point(offers=0, purchases=0), point(12.0, 0, 0)]},
            [("history", "history.no_offers")],
        ),
        (
            {"history": [point(), point(12.0, 5, 6)]},
            [("history[1]", "price_point.purchases_le_offers")],
        ),
        ({"history": [point(0.0)]}, [("history[0].price", "double.gt_lte")]),
        ({"history": [point(-5.0)]}, [("history[0].price", "double.gt_lte")]),
        ({"history": [point(math.nan)]}, [("history[0].price", "double.gt_lte")]),
        ({"history": [point(math.inf)]}, [("history[0].price", "double.gt_lte")]),
        (
            {"history": [point(offers=-1, purchases=0), point()]},
            [
                ("history[0]", "price_point.purchases_le_offers"),
                ("history[0].offers", "int32.gte_lte"),
            ],
        ),
        ({"history": [point(purchases=-1)]}, [("history[0].purchases", "int32.gte")]),
        ({"min_price": 20.0, "max_price": 10.0}, [("", "pricing.bounds_ordered")]),
        ({"min_price": 0.0}, [("min_price", "double.gt_lte")]),
        ({"max_price": math.inf}, [("max_price", "double.gt_lte")]),
        ({"content_type": "podcast"}, [("content_type", "string.in")]),
    ],
)
def test_pricing_nonsense_is_refused_naming_the_field(
    fields: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    assert refused(pricing(**fields)) == expected


def test_the_no_offers_rule_says_why() -> None:
    (violation,) = violations_of(pricing(history=[point(offers=0, purchases=0)]), VALIDATOR)
    assert "nothing to learn" in violation.description

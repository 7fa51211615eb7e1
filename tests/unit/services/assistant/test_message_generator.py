"""MessageGenerator on a real SQLite creator row with a fake AI service."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from support.assistant_fakes import CREATOR_NAME, FakeAI
from support.clock import FakeClock
from support.fakes import MemoryDatabase

from services.ai.model import AIRequest
from services.assistant.messages.model import MessageContext, MessageRequest, Recipient
from services.assistant.messages.service import MessageGenerator
from services.billing.metering import MessageMeter
from services.common.ids import new_id
from services.common.principal import Principal
from services.errors import InvalidArgument, NotFound

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
AVA = Recipient(name="Ava Stone", spend_tier="vip", subscription_status="active")


ALLOWANCES = {"free": 1000, "pro": 1000, "enterprise": 1000}


def generator(ai: FakeAI, uow_factory: MemoryDatabase) -> MessageGenerator:
    clock = FakeClock(NOW)
    meter = MessageMeter(uow_factory, ALLOWANCES, clock=clock, ids=new_id)
    return MessageGenerator(ai, uow_factory, meter, clock=clock)


def request(
    template: str = "Hi {{first_name}}, a new set is waiting for you!",
    *,
    recipient: Recipient = AVA,
    context: MessageContext | None = None,
    variants: int = 3,
) -> MessageRequest:
    return MessageRequest(
        template=template,
        recipient=recipient,
        context=context or MessageContext(tone="playful"),
        variants=variants,
    )


def scripted(*texts: str, tone: str = "playful"):
    def answer(ai_request: AIRequest) -> str:
        return json.dumps({"messages": [{"text": text, "tone": tone} for text in texts]})

    return answer


def has_word(word: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None


async def violations_of(call) -> list[tuple[str, str]]:
    with pytest.raises(InvalidArgument) as raised:
        await call
    return [(violation.field, violation.reason) for violation in raised.value.violations]


async def test_returns_the_requested_variants_in_the_tone_from_the_answering_model(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI()
    result = await generator(ai, uow_factory).generate(creator, request(variants=4))
    assert len(result.messages) == 4
    assert len({message.text for message in result.messages}) == 4
    assert {message.tone for message in result.messages} == {"playful"}
    assert result.model == "fake-model"
    assert all("Ava" in message.text for message in result.messages)
    assert not any("{{" in message.text for message in result.messages)


async def test_personalised_messages_are_never_cached(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI()
    await generator(ai, uow_factory).generate(creator, request())
    assert ai.cache_flags == [False]


async def test_the_request_describes_the_fan_and_demands_exactly_n_items(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI()
    fan = Recipient(
        name="Ava Stone",
        spend_tier="high",
        last_purchase_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC),
        subscription_status="expired",
    )
    await generator(ai, uow_factory).generate(
        creator,
        request(
            "{{ name }}, it has been {{days_since_purchase}} days! Love, {{creator_name}}",
            recipient=fan,
            context=MessageContext(tone="grateful", occasion="birthday", language="fr-FR"),
            variants=2,
        ),
    )
    (sent,) = ai.requests
    assert sent.task == "messages"
    assert sent.inputs["base"] == f"Ava Stone, it has been 10 days! Love, {CREATOR_NAME}"
    json.dumps(sent.inputs)  # the offline provider and logs need plain JSON
    array = sent.response_format.schema["properties"]["messages"]
    assert (array["minItems"], array["maxItems"]) == (2, 2)
    assert array["items"]["properties"]["tone"]["enum"] == ["grateful"]
    prompt = "\n".join(message.content for message in sent.messages)
    facts = ('"cheap"', '"meet up"', "fr-FR", "birthday", "win them back", "grateful")
    for fact in (*facts, '"days_since_last_purchase": 10'):
        assert fact in prompt


async def test_variables_are_filled_whitespace_tolerant(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI()
    await generator(ai, uow_factory).generate(
        creator, request("{{first_name}}/{{ name }}/{{  creator_name}}")
    )
    assert ai.requests[0].inputs["base"] == f"Ava/Ava Stone/{CREATOR_NAME}"


async def test_unknown_variable_is_refused_listing_the_known_ones(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI()
    with pytest.raises(InvalidArgument) as raised:
        await generator(ai, uow_factory).generate(creator, request("Hi {{nickname}}!"))
    (violation,) = raised.value.violations
    assert (violation.field, violation.reason) == ("template", "template.unknown_variable")
    assert "nickname" in violation.description
    assert "{{first_name}}" in violation.description
    assert ai.requests == []


@pytest.mark.parametrize("template", ["Hi {{name", "Hi name}}!", "{{name}} and {{", "{{{{name}}"])
async def test_unbalanced_braces_are_refused(
    uow_factory: MemoryDatabase, creator: Principal, template: str
) -> None:
    found = await violations_of(
        generator(FakeAI(), uow_factory).generate(creator, request(template))
    )
    assert found == [("template", "template.unbalanced_braces")]


@pytest.mark.parametrize(
    "template", ["Get my CHEAP bundle {{name}}", "Let's Meet   Up, {{first_name}}?"]
)
async def test_template_with_a_restricted_word_is_refused(
    uow_factory: MemoryDatabase, creator: Principal, template: str
) -> None:
    ai = FakeAI()
    found = await violations_of(generator(ai, uow_factory).generate(creator, request(template)))
    assert found == [("template", "template.restricted_word")]
    assert ai.requests == []


async def test_restricted_words_match_whole_words_only(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    result = await generator(FakeAI(), uow_factory).generate(
        creator, request("Cheaper than a meetup, {{first_name}}!")
    )
    assert len(result.messages) == 3


async def test_occasion_with_a_restricted_word_is_refused(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    call = generator(FakeAI(), uow_factory).generate(
        creator, request(context=MessageContext(occasion="cheap Friday"))
    )
    assert await violations_of(call) == [("context.occasion", "context.restricted_word")]


async def test_generated_variants_with_restricted_words_are_replaced(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    clean = "Ava, your new set is ready and I picked it just for you!"
    ai = FakeAI([scripted("Ava, this set is so cheap today!", clean, "Wanna MEET UP later, Ava?")])
    result = await generator(ai, uow_factory).generate(creator, request())
    texts = [message.text for message in result.messages]
    assert len(texts) == 3 == len(set(texts))
    assert texts[0] == clean
    for text in texts:
        assert not has_word("cheap", text)
        assert not re.search(r"meet\s+up", text, re.IGNORECASE)
    assert {message.tone for message in result.messages} == {"playful"}


async def test_duplicates_and_leftover_placeholders_are_replaced(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI([scripted("Hey Ava!", "Hey Ava!", "Hey {{name}}!")])
    result = await generator(ai, uow_factory).generate(creator, request())
    texts = [message.text for message in result.messages]
    assert texts[0] == "Hey Ava!"
    assert len(set(texts)) == 3
    assert not any("{{" in text for text in texts)


async def test_a_fan_named_like_a_restricted_word_can_still_be_greeted(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    candy = Recipient(name="Candy", spend_tier="new")
    ai = FakeAI([scripted("Welcome Candy, so glad you're here!", "Candy, hi!", "Hello Candy")])
    result = await generator(ai, uow_factory).generate(
        creator, request("Welcome {{name}}!", recipient=candy)
    )
    assert [message.text for message in result.messages] == [
        "Welcome Candy, so glad you're here!",
        "Candy, hi!",
        "Hello Candy",
    ]


async def test_malformed_answers_are_rejected_until_one_parses(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    good = scripted("One, Ava!", "Two, Ava!", "Three, Ava!")
    ai = FakeAI(
        [
            lambda _: "Sure! Here are your messages:",
            scripted("One, Ava!", "Two, Ava!"),
            scripted("One, Ava!", "Two, Ava!", "Three, Ava!", tone="flirty"),
            good,
        ]
    )
    result = await generator(ai, uow_factory).generate(creator, request())
    assert [message.text for message in result.messages] == [
        "One, Ava!",
        "Two, Ava!",
        "Three, Ava!",
    ]
    assert len(ai.rejected) == 3


async def test_days_since_purchase_counts_whole_days_on_the_injected_clock(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    ai = FakeAI()
    fan = Recipient(name="Ava", last_purchase_at=datetime(2026, 1, 14, 13, 0, tzinfo=UTC))
    await generator(ai, uow_factory).generate(
        creator, request("{{days_since_purchase}} days", recipient=fan)
    )
    assert ai.requests[0].inputs["base"] == "0 days"  # 23 hours ago


async def test_variables_without_a_value_are_refused(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    call = generator(FakeAI(), uow_factory).generate(
        creator,
        request(
            "Happy {{occasion}}! {{days_since_purchase}} days already.",
            recipient=Recipient(name="Ava"),
            context=MessageContext(),
        ),
    )
    assert await violations_of(call) == [
        ("context.occasion", "template.missing_value"),
        ("recipient.last_purchase_at", "template.missing_value"),
    ]


async def test_unknown_creator_is_not_found(uow_factory: MemoryDatabase) -> None:
    with pytest.raises(NotFound):
        await generator(FakeAI(), uow_factory).generate(
            Principal(user_id="00000000-0000-0000-0000-000000000000", plan="pro"), request()
        )


@pytest.mark.parametrize("variable", ["", " {{name}}"], ids=["plain", "names-expanded"])
async def test_a_template_of_the_maximum_length_gets_its_variants(
    uow_factory: MemoryDatabase, creator: Principal, variable: str
) -> None:
    """Every template the contract accepts gets an answer: the offline composer's framing of a
    2,000-character template (with its names filled in) is not refused as too long."""
    sentence = f"Thank you for being here with me{variable}. "
    template = (sentence * (2000 // len(sentence) + 1))[:2000]
    template = template[: template.rfind(".") + 1]
    long_name = Recipient(name="Maximiliana " + "Q" * 80)
    ai = FakeAI()
    result = await generator(ai, uow_factory).generate(
        creator, request(template, recipient=long_name, variants=5)
    )
    assert len(result.messages) == 5
    assert ai.rejected == []

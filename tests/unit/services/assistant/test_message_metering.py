"""The message generator is metered: each message spends one unit, allowance first, then
credits; out of both nothing is generated or spent; a failed generation spends nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from support.assistant_fakes import FakeAI
from support.clock import FakeClock
from support.fakes import MemoryDatabase

from services.assistant.messages.model import MessageContext, MessageRequest, Recipient
from services.assistant.messages.service import MessageGenerator
from services.billing.metering import MessageMeter
from services.billing.model import CreditAccount
from services.common.ids import new_id
from services.common.principal import Principal
from services.errors import InvalidArgument, PaymentRequired

NOW = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
REQUEST = MessageRequest(
    template="Hi {{first_name}}, a new set is waiting for you!",
    recipient=Recipient(name="Ava Stone", spend_tier="vip", subscription_status="active"),
    context=MessageContext(tone="playful"),
    variants=3,
)


class FailingAI(FakeAI):
    async def complete_parsed(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the provider fell over")


def generator(uow: MemoryDatabase, ai: FakeAI, *, allowance: int) -> MessageGenerator:
    clock = FakeClock(NOW)
    meter = MessageMeter(uow, {"pro": allowance}, clock=clock, ids=new_id)
    return MessageGenerator(ai, uow, meter, clock=clock)


async def set_balance(uow: MemoryDatabase, user_id: str, balance: int, used: int = 0) -> None:
    async with uow() as unit:
        await unit.credits.save_account(
            CreditAccount(user_id, balance=balance, allowance_month="2026-11", allowance_used=used)
        )
        await unit.commit()


async def account(uow: MemoryDatabase, user_id: str) -> CreditAccount:
    async with uow(write=False) as unit:
        found = await unit.credits.get_account(user_id)
    return found or CreditAccount(user_id)


async def test_allowance_first_then_credits(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    await set_balance(uow_factory, creator.user_id, balance=10, used=8)
    await generator(uow_factory, FakeAI(), allowance=10).generate(creator, REQUEST)
    after = await account(uow_factory, creator.user_id)
    assert (after.allowance_used, after.balance) == (10, 9)


async def test_out_of_messages_is_payment_required_and_spends_nothing(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    await set_balance(uow_factory, creator.user_id, balance=1, used=9)
    ai = FakeAI()
    with pytest.raises(PaymentRequired) as refused:
        await generator(uow_factory, ai, allowance=10).generate(creator, REQUEST)
    assert refused.value.metadata["resetsAt"] == "2026-12-01T00:00:00Z"
    assert refused.value.metadata["balance"] == "1"
    assert ai.requests == []
    after = await account(uow_factory, creator.user_id)
    assert (after.allowance_used, after.balance) == (9, 1)


async def test_a_failed_generation_gives_every_unit_back(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    await set_balance(uow_factory, creator.user_id, balance=5, used=9)
    with pytest.raises(RuntimeError):
        await generator(uow_factory, FailingAI(), allowance=10).generate(creator, REQUEST)
    after = await account(uow_factory, creator.user_id)
    assert (after.allowance_used, after.balance) == (9, 5)
    async with uow_factory(write=False) as unit:
        kinds = [e.kind for e in await unit.credits.recent_entries(creator.user_id, limit=5)]
    assert sorted(kinds) == ["usage", "usage_return"]


async def test_a_refused_template_spends_nothing(
    uow_factory: MemoryDatabase, creator: Principal
) -> None:
    bad = dataclasses.replace(REQUEST, template="Hi {{unknown_variable}}")
    with pytest.raises(InvalidArgument):
        await generator(uow_factory, FakeAI(), allowance=10).generate(creator, bad)
    assert (await account(uow_factory, creator.user_id)).allowance_used == 0

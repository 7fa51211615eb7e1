"""The campaign use cases on the in-memory unit of work."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support.clock import FakeClock
from support.fakes import MemoryDatabase, an_account

from services.campaigns.model import CampaignChanges
from services.campaigns.service import CampaignService
from services.common.ids import new_id
from services.common.pages import PageRequest
from services.common.principal import Principal
from services.errors import InvalidArgument, NotFound

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
JUNE = datetime(2027, 6, 1, tzinfo=UTC)


@pytest.fixture
def uow() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def campaigns(uow: MemoryDatabase) -> CampaignService:
    return CampaignService(uow, clock=FakeClock(NOW), ids=new_id)


async def a_creator(uow: MemoryDatabase) -> Principal:
    account = an_account(email=f"{new_id()}@example.com")
    async with uow() as unit:
        await unit.users.add(account)
        await unit.commit()
    return Principal(account.id, "free")


async def create(campaigns: CampaignService, me: Principal, **fields: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "title": "Summer",
        "description": "",
        "platforms": ("onlyfans",),
        "budget_cents": 25_000,
        "starts_at": JUNE,
        "ends_at": JUNE + timedelta(days=30),
        **fields,
    }
    return await campaigns.create(me, **values)  # type: ignore[arg-type]


async def test_a_new_campaign_is_a_draft_of_its_creator(
    uow: MemoryDatabase, campaigns: CampaignService
) -> None:
    me = await a_creator(uow)
    campaign = await create(campaigns, me)
    assert (campaign.status, campaign.user_id, campaign.created_at) == ("draft", me.user_id, NOW)
    assert await campaigns.get(me, campaign.id) == campaign


async def test_a_patch_that_would_end_before_the_start_is_refused(
    uow: MemoryDatabase, campaigns: CampaignService
) -> None:
    me = await a_creator(uow)
    campaign = await create(campaigns, me)
    with pytest.raises(InvalidArgument) as refused:
        await campaigns.update(me, campaign.id, CampaignChanges(ends_at=JUNE - timedelta(days=1)))
    assert refused.value.violations[0].reason == "campaign.dates_ordered"
    moved = await campaigns.update(
        me, campaign.id, CampaignChanges(starts_at=JUNE + timedelta(days=1), status="active")
    )
    assert (moved.starts_at, moved.status, moved.title) == (
        JUNE + timedelta(days=1),
        "active",
        "Summer",
    )


async def test_pages_and_ownership(uow: MemoryDatabase, campaigns: CampaignService) -> None:
    me, stranger = await a_creator(uow), await a_creator(uow)
    made = [await create(campaigns, me, title=f"#{i}") for i in range(3)]
    first = await campaigns.list(me, PageRequest(limit=2))
    rest = await campaigns.list(me, PageRequest(limit=2, cursor=first.next_cursor))
    expected = sorted(made, key=lambda c: (c.created_at, c.id), reverse=True)
    assert [*first.items, *rest.items] == expected
    assert not rest.has_more
    assert (await campaigns.list(stranger, PageRequest())).items == []
    with pytest.raises(NotFound):
        await campaigns.get(stranger, made[0].id)
    with pytest.raises(NotFound):
        await campaigns.delete(stranger, made[0].id)
    await campaigns.delete(me, made[0].id)
    with pytest.raises(NotFound):
        await campaigns.get(me, made[0].id)

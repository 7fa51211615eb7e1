"""The campaign use cases: list (cursor pages), create, get, change, delete."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from services.campaigns.model import Campaign, CampaignChanges, PostCounts, check_dates
from services.campaigns.ports import CampaignPosts, CampaignsUnitOfWork
from services.common.clock import Clock
from services.common.ids import IdGenerator
from services.common.pages import Page, PageRequest, decode_cursor, page_of
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory, retry_read
from services.errors import Conflict, NotFound

NOT_FOUND = "no such campaign"
NO_FILTERS: dict[str, str] = {}


class CampaignHasScheduledPosts(Conflict):
    reason = "CAMPAIGN_HAS_SCHEDULED_POSTS"


async def _counted(posts: CampaignPosts, campaigns: list[Campaign]) -> list[Campaign]:
    counts = await posts.counts([campaign.id for campaign in campaigns])
    return [
        dataclasses.replace(campaign, posts=PostCounts.of(counts.get(campaign.id, {})))
        for campaign in campaigns
    ]


class CampaignService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[CampaignsUnitOfWork],
        *,
        clock: Clock,
        ids: IdGenerator,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._ids = ids

    @retry_read
    async def list(self, caller: Principal, page: PageRequest) -> Page[Campaign]:
        after = decode_cursor(page.cursor, NO_FILTERS)
        async with self._uow(write=False) as uow:
            found = await uow.campaigns.list_page(caller.user_id, after=after, limit=page.size + 1)
            found = await _counted(uow.posts, found)
        return page_of(found, page, NO_FILTERS)

    async def create(
        self,
        caller: Principal,
        *,
        title: str,
        description: str,
        platforms: tuple[str, ...],
        budget_cents: int,
        starts_at: datetime | None,
        ends_at: datetime | None,
    ) -> Campaign:
        """A new draft campaign of the caller's."""
        now = self._clock()
        campaign = Campaign(
            id=self._ids(),
            user_id=caller.user_id,
            title=title,
            description=description,
            status="draft",
            platforms=platforms,
            budget_cents=budget_cents,
            starts_at=starts_at,
            ends_at=ends_at,
            created_at=now,
            updated_at=now,
        )
        check_dates(campaign)
        async with self._uow() as uow:
            await uow.campaigns.add(campaign)
            await uow.commit()
        return campaign

    @retry_read
    async def get(self, caller: Principal, campaign_id: str) -> Campaign:
        async with self._uow(write=False) as uow:
            campaign = await uow.campaigns.get(caller.user_id, campaign_id)
            if campaign is None:
                raise NotFound(NOT_FOUND)
            (counted,) = await _counted(uow.posts, [campaign])
        return counted

    async def update(
        self, caller: Principal, campaign_id: str, changes: CampaignChanges
    ) -> Campaign:
        async with self._uow() as uow:
            campaign = await uow.campaigns.get(caller.user_id, campaign_id)
            if campaign is None:
                raise NotFound(NOT_FOUND)
            given = {k: v for k, v in dataclasses.asdict(changes).items() if v is not None}
            changed = dataclasses.replace(campaign, **given, updated_at=self._clock())
            check_dates(changed)
            await uow.campaigns.save(changed)
            (counted,) = await _counted(uow.posts, [changed])
            await uow.commit()
        return counted

    async def delete(self, caller: Principal, campaign_id: str) -> None:
        """Refused (409) while posts of the campaign are still to be published: cancel or move
        them first. Its published, failed and cancelled posts stay, detached."""
        async with self._uow() as uow:
            campaign = await uow.campaigns.get(caller.user_id, campaign_id)
            if campaign is None:
                raise NotFound(NOT_FOUND)
            (counted,) = await _counted(uow.posts, [campaign])
            if counted.posts.scheduled:
                raise CampaignHasScheduledPosts(
                    f"{counted.posts.scheduled} post(s) of this campaign are still scheduled: "
                    "cancel them or move them to another campaign first",
                    metadata={"scheduled": str(counted.posts.scheduled)},
                )
            await uow.campaigns.delete(caller.user_id, campaign_id)
            await uow.commit()

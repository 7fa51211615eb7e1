"""What the campaign use cases need of persistence."""

from __future__ import annotations

from typing import Protocol

from services.campaigns.model import Campaign
from services.common.pages import Position
from services.common.uow import UnitOfWork


class Campaigns(Protocol):
    async def add(self, campaign: Campaign) -> None: ...

    async def get(self, user_id: str, campaign_id: str) -> Campaign | None:
        """The user's campaign; None when it does not exist or is someone else's."""
        ...

    async def list_page(
        self, user_id: str, *, after: Position | None, limit: int
    ) -> list[Campaign]:
        """Newest first (created_at, then id, descending), strictly after `after`."""
        ...

    async def save(self, campaign: Campaign) -> None: ...

    async def delete(self, user_id: str, campaign_id: str) -> bool: ...


class CampaignPosts(Protocol):
    async def counts(self, campaign_ids: list[str]) -> dict[str, dict[str, int]]:
        """Per campaign: how many of its posts are in each status."""
        ...


class CampaignsUnitOfWork(UnitOfWork, Protocol):
    campaigns: Campaigns
    posts: CampaignPosts

"""The campaign repository (services.campaigns.ports) over SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.model import Campaign
from services.common.pages import Position
from services.db.models import CampaignRow
from services.db.repositories import newest_first


def _campaign(row: CampaignRow) -> Campaign:
    return Campaign(
        id=row.id,
        user_id=row.user_id,
        title=row.title,
        description=row.description,
        status=row.status,
        platforms=tuple(row.platforms),
        budget_cents=row.budget_cents,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _columns(campaign: Campaign) -> dict[str, object]:
    return {
        "title": campaign.title,
        "description": campaign.description,
        "status": campaign.status,
        "platforms": list(campaign.platforms),
        "budget_cents": campaign.budget_cents,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "updated_at": campaign.updated_at,
    }


class SqlCampaigns:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, campaign: Campaign) -> None:
        self._session.add(
            CampaignRow(
                id=campaign.id,
                user_id=campaign.user_id,
                created_at=campaign.created_at,
                **_columns(campaign),
            )
        )
        await self._session.flush()

    async def get(self, user_id: str, campaign_id: str) -> Campaign | None:
        row = await self._session.get(CampaignRow, campaign_id)
        return _campaign(row) if row is not None and row.user_id == user_id else None

    async def list_page(
        self, user_id: str, *, after: Position | None, limit: int
    ) -> list[Campaign]:
        query = select(CampaignRow).where(CampaignRow.user_id == user_id)
        rows = await self._session.scalars(newest_first(query, CampaignRow, after, limit))
        return [_campaign(row) for row in rows]

    async def save(self, campaign: Campaign) -> None:
        await self._session.execute(
            update(CampaignRow)
            .where(CampaignRow.id == campaign.id, CampaignRow.user_id == campaign.user_id)
            .values(**_columns(campaign))
        )

    async def delete(self, user_id: str, campaign_id: str) -> bool:
        result = await self._session.execute(
            delete(CampaignRow).where(CampaignRow.id == campaign_id, CampaignRow.user_id == user_id)
        )
        return result.rowcount > 0

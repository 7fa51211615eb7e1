"""The vault's asset repository (services.vault.ports) over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.pages import Position
from services.db.models import (
    AssetRow,
    AssetTagRow,
    PostAssetRow,
    ScheduledPostRow,
    UserRow,
)
from services.db.repositories import newest_first
from services.errors import Conflict
from services.vault.model import Asset, AssetFilter

# A post in these states uses its assets (a cancelled or failed one no longer does).
USING_STATUSES = ("scheduled", "publishing", "published")
PENDING_STATUSES = ("scheduled", "publishing")


def _used_clause(statuses: Iterable[str]):  # type: ignore[no-untyped-def]
    return exists(
        select(PostAssetRow.asset_id)
        .join(ScheduledPostRow, ScheduledPostRow.id == PostAssetRow.post_id)
        .where(PostAssetRow.asset_id == AssetRow.id, ScheduledPostRow.status.in_(tuple(statuses)))
    )


def _asset(row: AssetRow, tags: tuple[str, ...], used: bool) -> Asset:
    return Asset(
        id=row.id,
        user_id=row.user_id,
        filename=row.filename,
        type=row.type,
        mime=row.mime,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        storage_key=row.storage_key,
        thumbnail_key=row.thumbnail_key,
        width=row.width,
        height=row.height,
        duration_seconds=row.duration_seconds,
        tags=tags,
        created_at=row.created_at,
        used=used,
    )


class SqlAssets:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, asset: Asset) -> None:
        self._session.add(
            AssetRow(
                id=asset.id,
                user_id=asset.user_id,
                filename=asset.filename,
                type=asset.type,
                mime=asset.mime,
                size_bytes=asset.size_bytes,
                sha256=asset.sha256,
                storage_key=asset.storage_key,
                thumbnail_key=asset.thumbnail_key,
                width=asset.width,
                height=asset.height,
                duration_seconds=asset.duration_seconds,
                created_at=asset.created_at,
            )
        )
        try:
            await self._session.flush()
        except IntegrityError as error:
            raise Conflict("this file is already in the vault") from error
        await self.set_tags(asset.id, asset.tags)

    async def _complete(self, rows: list[tuple[AssetRow, bool]]) -> list[Asset]:
        """Assets with their tags (one query for all of them)."""
        ids = [row.id for row, _ in rows]
        tags: dict[str, list[str]] = {asset_id: [] for asset_id in ids}
        if ids:
            found = await self._session.execute(
                select(AssetTagRow.asset_id, AssetTagRow.tag)
                .where(AssetTagRow.asset_id.in_(ids))
                .order_by(AssetTagRow.tag)
            )
            for asset_id, tag in found:
                tags[asset_id].append(tag)
        return [_asset(row, tuple(tags[row.id]), bool(used)) for row, used in rows]

    async def _one(self, *conditions: object) -> Asset | None:
        query = select(AssetRow, _used_clause(USING_STATUSES)).where(*conditions)  # type: ignore[arg-type]
        found = (await self._session.execute(query)).first()
        if found is None:
            return None
        (asset,) = await self._complete([(found[0], found[1])])
        return asset

    async def get(self, user_id: str, asset_id: str) -> Asset | None:
        return await self._one(AssetRow.id == asset_id, AssetRow.user_id == user_id)

    async def get_any(self, asset_id: str) -> Asset | None:
        return await self._one(AssetRow.id == asset_id)

    async def by_sha256(self, user_id: str, sha256: str) -> Asset | None:
        return await self._one(AssetRow.user_id == user_id, AssetRow.sha256 == sha256)

    async def list_page(
        self, user_id: str, which: AssetFilter, *, after: Position | None, limit: int
    ) -> list[Asset]:
        used = _used_clause(USING_STATUSES)
        query = select(AssetRow, used).where(AssetRow.user_id == user_id)
        if which.type:
            query = query.where(AssetRow.type == which.type)
        if which.tag:
            query = query.where(
                exists().where(AssetTagRow.asset_id == AssetRow.id, AssetTagRow.tag == which.tag)
            )
        if which.usage == "used":
            query = query.where(used)
        elif which.usage == "unused":
            query = query.where(~used)
        rows = await self._session.execute(newest_first(query, AssetRow, after, limit))
        return await self._complete([(row, flag) for row, flag in rows])

    async def owned(self, user_id: str, asset_ids: list[str]) -> set[str]:
        if not asset_ids:
            return set()
        found = await self._session.scalars(
            select(AssetRow.id).where(AssetRow.user_id == user_id, AssetRow.id.in_(asset_ids))
        )
        return set(found)

    async def used_bytes(self, user_id: str, *, lock: bool = False) -> int:
        if lock and self._session.get_bind().dialect.name == "postgresql":
            # The user's row is the lock that serialises the quota checks of their uploads
            # (SQLite's write transaction is one already).
            await self._session.execute(
                select(UserRow.id).where(UserRow.id == user_id).with_for_update()
            )
        total = await self._session.scalar(
            select(func.coalesce(func.sum(AssetRow.size_bytes), 0)).where(
                AssetRow.user_id == user_id
            )
        )
        return int(total or 0)

    async def set_tags(self, asset_id: str, tags: tuple[str, ...]) -> None:
        await self._session.execute(delete(AssetTagRow).where(AssetTagRow.asset_id == asset_id))
        if tags:
            await self._session.execute(
                insert(AssetTagRow), [{"asset_id": asset_id, "tag": tag} for tag in tags]
            )

    async def posts_pending_with(self, asset_id: str) -> list[str]:
        found = await self._session.scalars(
            select(PostAssetRow.post_id)
            .join(ScheduledPostRow, ScheduledPostRow.id == PostAssetRow.post_id)
            .where(PostAssetRow.asset_id == asset_id, ScheduledPostRow.status.in_(PENDING_STATUSES))
            .order_by(PostAssetRow.post_id)
        )
        return list(found)

    async def delete(self, user_id: str, asset_id: str) -> bool:
        result = await self._session.execute(
            delete(AssetRow).where(AssetRow.id == asset_id, AssetRow.user_id == user_id)
        )
        return result.rowcount > 0

    async def keys_in_use(self, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        originals = await self._session.scalars(
            select(AssetRow.storage_key).where(AssetRow.storage_key.in_(keys))
        )
        thumbnails = await self._session.scalars(
            select(AssetRow.thumbnail_key).where(AssetRow.thumbnail_key.in_(keys))
        )
        return {*originals, *(key for key in thumbnails if key)}

"""The content library's use cases: list (cursor pages, filters), create, get, change, delete."""

from __future__ import annotations

import dataclasses

from services.common.clock import Clock
from services.common.ids import IdGenerator
from services.common.pages import Page, PageRequest, decode_cursor, page_of
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory, retry_read
from services.content.model import (
    LOCKED_FOR_EDITS,
    ContentChanges,
    ContentFilter,
    ContentItem,
)
from services.content.ports import ContentUnitOfWork
from services.errors import FailedPrecondition, NotFound

NOT_FOUND = "no such content item"


class ContentLibrary:
    def __init__(
        self, uow_factory: UnitOfWorkFactory[ContentUnitOfWork], *, clock: Clock, ids: IdGenerator
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._ids = ids

    @retry_read
    async def list(
        self, caller: Principal, which: ContentFilter, page: PageRequest
    ) -> Page[ContentItem]:
        after = decode_cursor(page.cursor, which.as_dict())
        async with self._uow(write=False) as uow:
            items = await uow.content.list_page(
                caller.user_id, which, after=after, limit=page.size + 1
            )
        return page_of(items, page, which.as_dict())

    async def create(
        self,
        caller: Principal,
        *,
        title: str,
        body: str,
        type: str,
        status: str,
        asset_ids: tuple[str, ...] = (),
    ) -> ContentItem:
        now = self._clock()
        item = ContentItem(
            id=self._ids(),
            user_id=caller.user_id,
            title=title,
            body=body,
            type=type,
            status=status or "draft",
            ai_generated=False,
            created_at=now,
            updated_at=now,
            asset_ids=asset_ids,
        )
        async with self._uow() as uow:
            await _check_assets(uow, caller.user_id, asset_ids)
            await uow.content.add_all([item])
            await uow.commit()
        return item

    @retry_read
    async def get(self, caller: Principal, item_id: str) -> ContentItem:
        async with self._uow(write=False) as uow:
            item = await uow.content.get(caller.user_id, item_id)
        if item is None:
            raise NotFound(NOT_FOUND)
        return item

    async def update(self, caller: Principal, item_id: str, changes: ContentChanges) -> ContentItem:
        """FailedPrecondition for a scheduled or published item: the schedule owns it then."""
        async with self._uow() as uow:
            item = await uow.content.get(caller.user_id, item_id)
            if item is None:
                raise NotFound(NOT_FOUND)
            if item.status in LOCKED_FOR_EDITS:
                raise FailedPrecondition(
                    f"this item is {item.status}: change or cancel its post in the schedule"
                )
            given = {k: v for k, v in dataclasses.asdict(changes).items() if v is not None}
            changed = dataclasses.replace(item, **given, updated_at=self._clock())
            if changes.asset_ids:
                await _check_assets(uow, caller.user_id, changes.asset_ids)
            await uow.content.save(changed)
            await uow.commit()
        return changed

    async def delete(self, caller: Principal, item_id: str) -> None:
        """FailedPrecondition for a scheduled item: cancel its post first."""
        async with self._uow() as uow:
            item = await uow.content.get(caller.user_id, item_id)
            if item is None:
                raise NotFound(NOT_FOUND)
            if item.status == "scheduled":
                raise FailedPrecondition("this item is scheduled: cancel its post first")
            await uow.content.delete(caller.user_id, item_id)
            await uow.commit()


async def _check_assets(uow: ContentUnitOfWork, user_id: str, asset_ids: tuple[str, ...]) -> None:
    """NotFound naming each asset id that is not one of the user's."""
    if not asset_ids:
        return
    owned = await uow.assets.owned(user_id, list(asset_ids))
    missing = [f"asset_ids[{i}]" for i, asset_id in enumerate(asset_ids) if asset_id not in owned]
    if missing:
        raise NotFound(
            f"no such asset: {', '.join(missing)}", metadata={"fields": ", ".join(missing)}
        )

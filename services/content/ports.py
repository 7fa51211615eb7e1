"""What use cases need of the content library's persistence."""

from __future__ import annotations

from typing import Protocol

from services.common.pages import Position
from services.common.uow import UnitOfWork
from services.content.model import ContentFilter, ContentItem
from services.users.ports import Users


class ContentItems(Protocol):
    async def add_all(self, items: list[ContentItem]) -> None:
        """Store new items; NotFound when their user does not exist (deleted meanwhile)."""
        ...

    async def list_for_user(self, user_id: str) -> list[ContentItem]:
        """The user's content, newest first."""
        ...

    async def list_page(
        self, user_id: str, which: ContentFilter, *, after: Position | None, limit: int
    ) -> list[ContentItem]:
        """Up to `limit` of the user's items matching `which`, newest first (created_at, then
        id, both descending), strictly after `after`."""
        ...

    async def get(self, user_id: str, item_id: str) -> ContentItem | None:
        """The user's item; None when it does not exist or is someone else's."""
        ...

    async def save(self, item: ContentItem) -> None:
        """Store an existing item's changed fields (by id)."""
        ...

    async def delete(self, user_id: str, item_id: str) -> bool: ...


class OwnedAssets(Protocol):
    async def owned(self, user_id: str, asset_ids: list[str]) -> set[str]:
        """Which of these ids are the user's vault assets."""
        ...


class ContentUnitOfWork(UnitOfWork, Protocol):
    users: Users
    content: ContentItems
    assets: OwnedAssets

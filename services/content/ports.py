"""What use cases need of the content library's persistence."""

from __future__ import annotations

from typing import Protocol

from services.common.uow import UnitOfWork
from services.content.model import ContentItem
from services.users.ports import Users


class ContentItems(Protocol):
    async def add_all(self, items: list[ContentItem]) -> None: ...

    async def list_for_user(self, user_id: str) -> list[ContentItem]:
        """The user's content, newest first."""
        ...


class ContentUnitOfWork(UnitOfWork, Protocol):
    users: Users
    content: ContentItems

"""What the vault's use cases need of persistence."""

from __future__ import annotations

from typing import Protocol

from services.common.pages import Position
from services.common.uow import UnitOfWork
from services.vault.model import Asset, AssetFilter


class Assets(Protocol):
    async def add(self, asset: Asset) -> None:
        """Store a new asset; Conflict when the user already has a file with its SHA-256."""
        ...

    async def get(self, user_id: str, asset_id: str) -> Asset | None: ...

    async def get_any(self, asset_id: str) -> Asset | None:
        """By id alone: for signed links, whose signature is the authorisation."""
        ...

    async def by_sha256(self, user_id: str, sha256: str) -> Asset | None: ...

    async def list_page(
        self, user_id: str, which: AssetFilter, *, after: Position | None, limit: int
    ) -> list[Asset]:
        """Newest first (created_at, then id, descending), strictly after `after`."""
        ...

    async def owned(self, user_id: str, asset_ids: list[str]) -> set[str]:
        """Which of these ids are the user's assets."""
        ...

    async def used_bytes(self, user_id: str, *, lock: bool = False) -> int:
        """The user's vault size. `lock`: serialise with other uploads of the user until the
        transaction ends (the quota check of concurrent uploads)."""
        ...

    async def set_tags(self, asset_id: str, tags: tuple[str, ...]) -> None: ...

    async def posts_pending_with(self, asset_id: str) -> list[str]:
        """Ids of the posts still scheduled or being published that use the asset."""
        ...

    async def delete(self, user_id: str, asset_id: str) -> bool: ...

    async def keys_in_use(self, keys: list[str]) -> set[str]:
        """Which of these storage keys (originals or thumbnails) an asset still refers to."""
        ...


class VaultUnitOfWork(UnitOfWork, Protocol):
    assets: Assets

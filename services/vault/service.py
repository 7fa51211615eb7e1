"""The vault's use cases: upload (streamed, deduplicated, within plan limits), list, get, tag,
delete, and the bytes behind a signed link.

Storage calls never happen inside a unit of work: an upload is stored first, then recorded in
one short transaction (which re-checks the quota under a per-user lock and the duplicate under
the unique constraint); a file stored but not recorded (a duplicate, a quota lost to a
concurrent upload, a crash) is deleted, or swept later as an orphan.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import IO

from services.common.clock import Clock
from services.common.ids import IdGenerator
from services.common.pages import Page, PageRequest, decode_cursor, page_of
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory, retry_read
from services.errors import Conflict, FieldViolation, InvalidArgument, NotFound
from services.media import ImageFacts, MediaType, VideoFacts, image_facts, thumbnail, video_facts
from services.storage.ports import ObjectStorage
from services.vault.intake import Received, StorageQuotaExceeded, receive
from services.vault.links import LinkSigner
from services.vault.model import (
    ASSET_TYPES,
    MAX_FILENAME_CHARS,
    ORIGINAL,
    THUMBNAIL,
    THUMBNAIL_MIME,
    Asset,
    AssetFilter,
    AssetLink,
    Download,
    LinkedAsset,
    PlanStorage,
    UploadLimits,
    normalise_tags,
)
from services.vault.ports import VaultUnitOfWork
from services.vault.ranges import byte_range

logger = logging.getLogger("huntaze.vault")
NOT_FOUND = "no such asset"


class AssetInUse(Conflict):
    reason = "ASSET_IN_USE"


def clean_filename(name: str) -> str:
    """The name as a label: no path, no control characters, at most 255 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable()).strip()
    if not cleaned:
        raise InvalidArgument(
            "the upload needs a file name (?filename= or the X-Filename header)",
            [FieldViolation("filename", "a file name is required", "required")],
        )
    return cleaned[:MAX_FILENAME_CHARS]


def _facts(media: MediaType, spool: IO[bytes]) -> tuple[ImageFacts | VideoFacts, bytes | None]:
    """Dimensions (and duration), and a thumbnail for images; InvalidArgument for an image
    that is corrupt, truncated or a decompression bomb. Runs in a thread."""
    if media.kind == "image":
        facts = image_facts(spool, media)
        spool.seek(0)
        return facts, thumbnail(spool, media)
    return video_facts(spool, media), None


class Vault:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory[VaultUnitOfWork],
        storage: ObjectStorage,
        *,
        plans: PlanStorage,
        signer: LinkSigner,
        link_ttl: timedelta,
        clock: Clock,
        ids: IdGenerator,
        spool_dir: Path | None = None,
    ) -> None:
        self._uow = uow_factory
        self._storage = storage
        self._plans = plans
        self._signer = signer
        self._link_ttl = link_ttl
        self._clock = clock
        self._ids = ids
        self._spool_dir = spool_dir

    # Upload

    async def upload(
        self, caller: Principal, filename: str, chunks: AsyncIterator[bytes]
    ) -> LinkedAsset:
        """The stored asset; `duplicate` when the file was already in the vault (that asset is
        returned, nothing new is kept)."""
        name = clean_filename(filename)
        async with self._uow(write=False) as uow:
            used = await uow.assets.used_bytes(caller.user_id)
        plan = self._plans.limits(caller.plan)
        limits = UploadLimits(plan.max_file_bytes, max(0, plan.quota_bytes - used))
        asset_id = self._ids()

        def key_for(media: MediaType) -> str:
            return f"users/{caller.user_id}/{asset_id}.{media.extension}"

        received, key = await receive(
            chunks,
            storage=self._storage,
            key_for=key_for,
            limits=limits,
            spool_dir=self._spool_dir,
        )
        stored = [key]  # what to delete if the upload is not kept
        try:
            with received.spool:
                existing = await self._existing(caller.user_id, received.sha256)
                if existing is not None:  # already in the vault: nothing more to read or store
                    await self._discard(stored)
                    return await self._linked(existing, duplicate=True)
                facts, thumb = await asyncio.to_thread(_facts, received.media, received.spool)
            thumb_key = None
            if thumb is not None:
                thumb_key = f"users/{caller.user_id}/{asset_id}-thumb.webp"
                await self._storage.put(thumb_key, _one(thumb), content_type=THUMBNAIL_MIME)
                stored.append(thumb_key)
            asset = self._asset(caller, asset_id, name, received, key, thumb_key, facts)
            recorded, duplicate = await self._record(asset, plan)
        except BaseException:
            await self._discard(stored)
            raise
        if duplicate:  # recorded meanwhile by a concurrent upload of the same file
            await self._discard(stored)
        return await self._linked(recorded, duplicate=duplicate)

    async def _existing(self, user_id: str, sha256: str) -> Asset | None:
        async with self._uow(write=False) as uow:
            return await uow.assets.by_sha256(user_id, sha256)

    def _asset(
        self,
        caller: Principal,
        asset_id: str,
        name: str,
        received: Received,
        key: str,
        thumb_key: str | None,
        facts: ImageFacts | VideoFacts,
    ) -> Asset:
        duration = facts.duration_seconds if isinstance(facts, VideoFacts) else None
        return Asset(
            id=asset_id,
            user_id=caller.user_id,
            filename=name,
            type=ASSET_TYPES[received.media.kind],
            mime=received.media.mime,
            size_bytes=received.size,
            sha256=received.sha256,
            storage_key=key,
            thumbnail_key=thumb_key,
            width=facts.width,
            height=facts.height,
            duration_seconds=duration,
            tags=(),
            created_at=self._clock(),
        )

    async def _record(self, asset: Asset, plan: UploadLimits) -> tuple[Asset, bool]:
        """(the asset recorded, False), or (the one already there, True)."""
        try:
            async with self._uow() as uow:
                existing = await uow.assets.by_sha256(asset.user_id, asset.sha256)
                if existing is not None:
                    return existing, True
                used = await uow.assets.used_bytes(asset.user_id, lock=True)
                if used + asset.size_bytes > plan.quota_bytes:
                    # A concurrent upload took the room this one counted on.
                    raise StorageQuotaExceeded(
                        "the file does not fit in what is left of your vault's storage quota",
                        metadata={"remainingBytes": str(max(0, plan.quota_bytes - used))},
                    )
                await uow.assets.add(asset)
                await uow.commit()
                return asset, False
        except Conflict:
            # The same file, recorded meanwhile by a concurrent upload.
            existing = await self._existing(asset.user_id, asset.sha256)
            if existing is None:
                raise
            return existing, True

    async def _discard(self, keys: list[str]) -> None:
        for key in keys:
            try:
                await self._storage.delete(key)
            except Exception:  # the orphan sweep removes it later
                logger.warning("could not delete stored object %s", key, exc_info=True)

    # Reading and changing

    async def list(
        self, caller: Principal, which: AssetFilter, page: PageRequest
    ) -> Page[LinkedAsset]:
        found = await self._list(caller, which, page)
        return Page([await self._linked(asset) for asset in found.items], found.next_cursor)

    @retry_read
    async def _list(self, caller: Principal, which: AssetFilter, page: PageRequest) -> Page[Asset]:
        after = decode_cursor(page.cursor, which.as_dict())
        async with self._uow(write=False) as uow:
            assets = await uow.assets.list_page(
                caller.user_id, which, after=after, limit=page.size + 1
            )
        return page_of(assets, page, which.as_dict())

    async def get(self, caller: Principal, asset_id: str) -> LinkedAsset:
        return await self._linked(await self._get(caller, asset_id))

    @retry_read
    async def _get(self, caller: Principal, asset_id: str) -> Asset:
        async with self._uow(write=False) as uow:
            asset = await uow.assets.get(caller.user_id, asset_id)
        if asset is None:
            raise NotFound(NOT_FOUND)
        return asset

    async def set_tags(self, caller: Principal, asset_id: str, tags: list[str]) -> LinkedAsset:
        cleaned = normalise_tags(tags)
        async with self._uow() as uow:
            asset = await uow.assets.get(caller.user_id, asset_id)
            if asset is None:
                raise NotFound(NOT_FOUND)
            await uow.assets.set_tags(asset_id, cleaned)
            await uow.commit()
        return await self._linked(dataclasses.replace(asset, tags=cleaned))

    async def delete(self, caller: Principal, asset_id: str) -> None:
        """AssetInUse (409) while a post still to be published uses it."""
        async with self._uow() as uow:
            asset = await uow.assets.get(caller.user_id, asset_id)
            if asset is None:
                raise NotFound(NOT_FOUND)
            pending = await uow.assets.posts_pending_with(asset_id)
            if pending:
                raise AssetInUse(
                    "a scheduled post uses this asset: cancel the post or remove the asset "
                    "from it first",
                    metadata={"postIds": ",".join(pending)},
                )
            await uow.assets.delete(caller.user_id, asset_id)
            await uow.commit()
        await self._discard([k for k in (asset.storage_key, asset.thumbnail_key) if k])

    # Links and bytes

    async def _linked(self, asset: Asset, *, duplicate: bool = False) -> LinkedAsset:
        link = await self._link(asset, ORIGINAL)
        assert link is not None  # every asset has its original
        return LinkedAsset(asset, link, await self._link(asset, THUMBNAIL), duplicate)

    async def _link(self, asset: Asset, variant: str) -> AssetLink | None:
        """A signed link to the asset's bytes (the storage's own presigned URL when it has
        one); None for a thumbnail the asset does not have."""
        key, mime = _stored(asset, variant)
        if key is None:
            return None
        expires_at = self._clock() + self._link_ttl
        presigned = await self._storage.presigned_url(
            key,
            expires_in=int(self._link_ttl.total_seconds()),
            filename=asset.filename,
            content_type=mime,
            inline=True,
        )
        url = presigned or self._signer.url(asset.id, variant, expires_at=expires_at)
        return AssetLink(url, expires_at)

    async def open_download(
        self, asset_id: str, variant: str, *, expires: int, signature: str, range_header: str
    ) -> Download:
        """What a signed link serves: PermissionDenied for a bad or expired link, NotFound for
        a deleted asset, RangeNotSatisfiable for a range past the end."""
        variant = variant or ORIGINAL
        self._signer.check(
            asset_id, variant, expires=expires, signature=signature, now=self._clock()
        )
        async with self._uow(write=False) as uow:
            asset = await uow.assets.get_any(asset_id)
        if asset is None:
            raise NotFound(NOT_FOUND)
        key, mime = _stored(asset, variant)
        size = await self._storage.size(key) if key is not None else None
        if key is None or size is None:
            raise NotFound(NOT_FOUND)
        start, end, partial = byte_range(range_header, size)
        return Download(key, mime, asset.filename, size, start, end, partial)

    def read(self, download: Download) -> AsyncIterator[bytes]:
        return self._storage.read(download.key, start=download.start, end=download.end)


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _stored(asset: Asset, variant: str) -> tuple[str | None, str]:
    """The storage key (None: no such variant) and media type of one variant of the asset."""
    if variant == ORIGINAL:
        return asset.storage_key, asset.mime
    return asset.thumbnail_key, THUMBNAIL_MIME

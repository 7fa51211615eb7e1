"""Receiving an upload: the bytes stream to storage while they are counted, hashed and spooled
(the spool is what the metadata readers look at afterwards), after the type is sniffed from
the first bytes. Nothing here holds more than the sniffing head and one chunk in memory.

Hashing and spooling run in a thread per chunk (hashlib releases the GIL on large buffers):
the event loop only moves the chunks along.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from services.errors import InvalidArgument, PayloadTooLarge, UnsupportedMediaType
from services.media import ALLOWED, HEAD_BYTES, MediaType, sniff
from services.storage.ports import ObjectStorage
from services.vault.model import UploadLimits

# An upload's spool stays in memory up to this size (a typical photo), then moves to a
# temporary file: a worker's memory does not grow with the files it receives.
SPOOL_MEMORY_BYTES = 2 * 1024 * 1024
ACCEPTED = ", ".join(sorted({media.mime for media in ALLOWED}))


class FileTooLarge(PayloadTooLarge):
    reason = "FILE_TOO_LARGE"


class StorageQuotaExceeded(PayloadTooLarge):
    reason = "STORAGE_QUOTA_EXCEEDED"


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def too_large(limits: UploadLimits) -> PayloadTooLarge:
    """The error for bytes past `limits`: whichever limit is the lower one was hit."""
    if limits.max_file_bytes <= limits.quota_bytes:
        return FileTooLarge(
            f"the file is larger than your plan's upload limit of {_mib(limits.max_file_bytes)}",
            metadata={"limitBytes": str(limits.max_file_bytes)},
        )
    return StorageQuotaExceeded(
        "the file does not fit in what is left of your vault's storage quota "
        f"({_mib(limits.quota_bytes)})",
        metadata={"remainingBytes": str(limits.quota_bytes)},
    )


@dataclass
class Received:
    """A stored upload: its sniffed type, size, SHA-256 and a copy to read metadata from
    (the caller closes `spool`)."""

    media: MediaType
    size: int
    sha256: str
    spool: IO[bytes]


class _Intake:
    def __init__(self, limits: UploadLimits, spool: IO[bytes]) -> None:
        self._limit = min(limits.max_file_bytes, limits.quota_bytes)
        self._limits = limits
        self._spool = spool
        self.hash = hashlib.sha256()
        self.size = 0

    def _absorb(self, chunk: bytes) -> None:
        self.hash.update(chunk)
        self._spool.write(chunk)

    async def take(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self._limit:
            raise too_large(self._limits)
        await asyncio.to_thread(self._absorb, chunk)


async def _head(source: AsyncIterator[bytes]) -> list[bytes]:
    """The first chunks, until they hold HEAD_BYTES bytes or the body ends."""
    chunks: list[bytes] = []
    held = 0
    async for chunk in source:
        if chunk:
            chunks.append(chunk)
            held += len(chunk)
            if held >= HEAD_BYTES:
                break
    return chunks


async def receive(
    source: AsyncIterator[bytes],
    *,
    storage: ObjectStorage,
    key_for: Callable[[MediaType], str],
    limits: UploadLimits,
    spool_dir: Path | None = None,
) -> tuple[Received, str]:
    """Stream `source` to storage under `key_for(media)`; (what was received, the key).

    UnsupportedMediaType when the first bytes are no allowed type, InvalidArgument for an
    empty body, PayloadTooLarge past `limits`; then, as when `source` fails (the client went
    away), nothing is stored and the error propagates."""
    first = await _head(source)
    head = b"".join(first)[:HEAD_BYTES]
    if not head:
        raise InvalidArgument("the upload is empty")
    media = sniff(head)
    if media is None:
        raise UnsupportedMediaType(
            f"not an accepted image or video file (accepted: {ACCEPTED})",
            metadata={"accepted": ACCEPTED},
        )
    # Closed by the caller once the metadata is read (or here, when storing fails).
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES, dir=spool_dir)  # noqa: SIM115
    intake = _Intake(limits, spool)

    async def chunks() -> AsyncIterator[bytes]:
        for chunk in first:
            await intake.take(chunk)
            yield chunk
        async for chunk in source:
            if chunk:
                await intake.take(chunk)
                yield chunk

    key = key_for(media)
    try:
        await storage.put(key, chunks(), content_type=media.mime)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return Received(media, intake.size, intake.hash.hexdigest(), spool), key

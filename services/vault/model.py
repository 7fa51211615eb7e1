"""The vault's records and the limits an upload is held to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# What the API calls an asset's type, from the sniffed media kind.
ASSET_TYPES = {"image": "photo", "video": "video"}
MAX_TAGS = 20
MAX_FILENAME_CHARS = 255
ORIGINAL = "original"
THUMBNAIL = "thumbnail"
THUMBNAIL_MIME = "image/webp"


@dataclass(frozen=True)
class Asset:
    id: str
    user_id: str
    filename: str
    type: str  # "photo" | "video"
    mime: str
    size_bytes: int
    sha256: str
    storage_key: str
    thumbnail_key: str | None
    width: int | None
    height: int | None
    duration_seconds: float | None
    tags: tuple[str, ...]
    created_at: datetime
    used: bool = False  # a scheduled, publishing or published post uses it


@dataclass(frozen=True)
class AssetFilter:
    type: str = ""
    tag: str = ""
    usage: str = ""  # "" | "used" | "unused"

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "tag": self.tag, "usage": self.usage}


@dataclass(frozen=True)
class UploadLimits:
    """Bytes: the largest file of the caller's plan and what is left of the vault's quota."""

    max_file_bytes: int
    quota_bytes: int


@dataclass(frozen=True)
class PlanStorage:
    """Per plan: the largest upload and the vault's total, in bytes."""

    max_file_bytes: dict[str, int]
    quota_bytes: dict[str, int]

    def limits(self, plan: str) -> UploadLimits:
        return UploadLimits(self.max_file_bytes[plan], self.quota_bytes[plan])


@dataclass(frozen=True)
class AssetLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkedAsset:
    """An asset as its owner sees it: with signed links to its bytes and thumbnail."""

    asset: Asset
    link: AssetLink
    thumbnail: AssetLink | None
    duplicate: bool = False


@dataclass(frozen=True)
class Download:
    """Bytes `start`..`end` (inclusive) of a stored file of `size` bytes (never empty: empty
    uploads are refused); `partial` when a Range asked for them."""

    key: str
    mime: str
    filename: str
    size: int
    start: int
    end: int
    partial: bool


def normalise_tags(tags: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Trimmed, lowercased, without duplicates, in the order given."""
    cleaned = (" ".join(tag.split()).lower() for tag in tags)
    return tuple(dict.fromkeys(tag for tag in cleaned if tag))

"""The records: what a file is (`MediaType`) and what was read from it (`ImageFacts`,
`VideoFacts`), and the allow-list of types a creator may upload."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MediaKind = Literal["image", "video"]


@dataclass(frozen=True)
class MediaType:
    """An accepted type, as sniffed from the file's first bytes. `extension` has no dot and is
    what the stored object should be named with (whatever the client called the file)."""

    kind: MediaKind
    mime: str
    extension: str


@dataclass(frozen=True)
class ImageFacts:
    """The size an image is displayed at: after its EXIF orientation (a portrait photo stored
    landscape with orientation 6 is reported portrait)."""

    width: int
    height: int


@dataclass(frozen=True)
class VideoFacts:
    """What the container says; None where it does not say it (or could not be read).
    width and height is the display size: a track rotated by 90° has them swapped."""

    duration_seconds: float | None = None
    width: int | None = None
    height: int | None = None


JPEG = MediaType("image", "image/jpeg", "jpg")
PNG = MediaType("image", "image/png", "png")
WEBP = MediaType("image", "image/webp", "webp")
GIF = MediaType("image", "image/gif", "gif")
# HEIC: HEIF holding HEVC images (what iPhones take). HEIF: the generic `mif1`/`msf1` brands.
HEIC = MediaType("image", "image/heic", "heic")
HEIF = MediaType("image", "image/heif", "heif")
AVIF = MediaType("image", "image/avif", "avif")
MP4 = MediaType("video", "video/mp4", "mp4")
MOV = MediaType("video", "video/quicktime", "mov")
WEBM = MediaType("video", "video/webm", "webm")

# Beyond these, a container's value is garbage rather than a fact.
MAX_DIMENSION = 65_535
MAX_DURATION_SECONDS = 7 * 24 * 3600.0


def plausible_dimension(value: float) -> int | None:
    pixels = round(value)
    return pixels if 0 < pixels <= MAX_DIMENSION else None


def plausible_duration(seconds: float) -> float | None:
    return seconds if 0 < seconds <= MAX_DURATION_SECONDS else None

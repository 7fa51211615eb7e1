"""Image facts and thumbnails with Pillow, opened safely:

- only the plugin of the sniffed format is tried (`Image.open(fp, formats=[...])`, the
  workaround the Pillow advisories give for bombs in formats nobody meant to accept: a file
  sniffed as PNG is never parsed as FITS or PSD);
- a picture of more than `MAX_IMAGE_PIXELS` pixels is refused before it is decoded (where
  Pillow alone would only warn, then raise at twice that): an `InvalidArgument`, as is a
  truncated or corrupt file, never a crash;
- HEIC/HEIF through pillow-heif's opener (libheif inside its wheel), registered once.
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Iterator
from typing import BinaryIO, Literal

from PIL import Image, ImageFile

from services.errors import InvalidArgument
from services.media.model import AVIF, GIF, HEIC, HEIF, JPEG, PNG, WEBP, ImageFacts, MediaType

# Pillow's own default threshold (its DecompressionBombWarning), ~89.5 megapixels: here a refusal.
MAX_IMAGE_PIXELS = 89_478_485

_FORMATS: dict[MediaType, tuple[str, str]] = {  # the Pillow plugin, the name users read
    JPEG: ("JPEG", "JPEG"),
    PNG: ("PNG", "PNG"),
    WEBP: ("WEBP", "WebP"),
    GIF: ("GIF", "GIF"),
    AVIF: ("AVIF", "AVIF"),
    HEIC: ("HEIF", "HEIC"),
    HEIF: ("HEIF", "HEIF"),
}

_ORIENTATION = 0x0112  # the EXIF tag
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = frozenset({5, 6, 7, 8})

# What Pillow and its plugins raise on files they cannot read (UnidentifiedImageError and
# "image file is truncated" are OSErrors; broken chunks are SyntaxErrors).
_UNREADABLE = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, RuntimeError)

# Pillow raises the error above twice its limit; the warning between once and twice its limit
# arrives as an exception where warnings are errors (`-W error`). Both are refusals here, and
# where the warning is only a warning the pixel check below refuses the image anyway.
_BOMB = (Image.DecompressionBombError, Image.DecompressionBombWarning)

_heif_lock = threading.Lock()
_heif_registered = False


def image_facts(
    file: BinaryIO, media: MediaType, *, max_pixels: int | None = None, verify: bool = True
) -> ImageFacts:
    """The displayed size of the image `file` (sniffed as `media`).

    With `verify` (the default) the first frame is also decoded, so that a truncated or corrupt
    file is refused here (JPEGs are decoded at 1/8 scale: cheap, but every byte is checked);
    pass False when a `thumbnail` of the same file follows, which decodes it anyway.
    Raises InvalidArgument for an image that is not what `media` says, is corrupt or too large
    (more than `max_pixels`, by default MAX_IMAGE_PIXELS or Pillow's lower global limit)."""
    with _opened(file, media, max_pixels) as image:
        width, height = image.size
        if verify:
            if media == JPEG:  # (pillow-heif's draft would pick an embedded thumbnail instead)
                image.draft(None, (1, 1))
            _decode(image, media)
        orientation = _orientation(image)
    if orientation in _SIDEWAYS:
        width, height = height, width
    return ImageFacts(width, height)


def thumbnail(
    file: BinaryIO,
    media: MediaType,
    *,
    max_side: int = 320,
    max_pixels: int | None = None,
    output: Literal["webp", "jpeg"] = "webp",
) -> bytes:
    """A thumbnail of the image `file` (sniffed as `media`), `max_side` pixels at most on its
    longer side, its aspect ratio kept, turned upright by its EXIF orientation, and nothing else
    of its metadata kept (no EXIF, so no GPS position; the ICC profile stays). The first frame
    of an animation. WebP keeps transparency; JPEG puts it on white.

    Raises InvalidArgument as `image_facts` does."""
    if max_side < 1:
        raise ValueError("max_side must be positive")
    with _opened(file, media, max_pixels) as image:
        # JPEG: decode at a reduced scale; HEIF: an embedded thumbnail at least that large.
        image.draft("RGB", (2 * max_side, 2 * max_side))
        _decode(image, media)
        orientation = _orientation(image)
        icc_profile = image.info.get("icc_profile")
        picture = _rgb_or_rgba(image)
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if orientation in _TRANSPOSE:
        picture = picture.transpose(_TRANSPOSE[orientation])
    buffer = io.BytesIO()
    if output == "jpeg":
        if picture.mode == "RGBA":
            background = Image.new("RGB", picture.size, (255, 255, 255))
            background.paste(picture, mask=picture.getchannel("A"))
            picture = background
        picture.save(buffer, "JPEG", quality=85, icc_profile=icc_profile)
    else:
        picture.save(buffer, "WEBP", quality=80, method=4, icc_profile=icc_profile)
    return buffer.getvalue()


@contextlib.contextmanager
def _opened(file: BinaryIO, media: MediaType, max_pixels: int | None) -> Iterator[Image.Image]:
    if media not in _FORMATS:
        raise ValueError(f"{media.mime} is not an image Pillow reads here")
    plugin, name = _FORMATS[media]
    if plugin == "HEIF":
        _register_heif()
    position = file.tell()
    try:
        try:
            image = Image.open(file, formats=[plugin])
        except _BOMB as error:
            raise InvalidArgument(f"the {name} image is too large") from error
        except _UNREADABLE as error:
            raise InvalidArgument(f"not a valid {name} image") from error
        with image:
            width, height = image.size
            limit = _pixel_limit(max_pixels)
            if width * height > limit:
                raise InvalidArgument(
                    f"the {name} image is too large: {width}x{height} pixels "
                    f"(at most {limit} pixels)"
                )
            yield image
    finally:
        file.seek(position)


def _decode(image: Image.Image, media: MediaType) -> None:
    name = _FORMATS[media][1]
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # someone made Pillow lenient: not for uploads
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    try:
        image.load()
    except _BOMB as error:
        raise InvalidArgument(f"the {name} image is too large") from error
    except _UNREADABLE as error:
        raise InvalidArgument(f"not a valid {name} image") from error


def _pixel_limit(max_pixels: int | None) -> int:
    if max_pixels is not None:
        return max_pixels
    # Pillow's global (an application may lower it; None disables Pillow's check, not ours).
    return min(MAX_IMAGE_PIXELS, Image.MAX_IMAGE_PIXELS or MAX_IMAGE_PIXELS)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION, 1)
    except _UNREADABLE:  # a broken EXIF block: the picture as stored
        return 1
    return value if isinstance(value, int) else 1


def _rgb_or_rgba(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "RGBA"):
        return image.copy()
    transparent = image.mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info
    if image.mode.startswith("I") or image.mode == "F":  # 16/32-bit greyscale: scale to 8 bits
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    return image.convert("RGBA" if transparent else "RGB")


def _register_heif() -> None:
    global _heif_registered
    with _heif_lock:
        if not _heif_registered:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            _heif_registered = True

"""The type of an upload, from its first bytes only: its name and the content type the client
sent are never trusted. An allow-list: anything it does not recognise is refused (None).

Every signature is checked with the structure around it (PNG's IHDR, WebP's first chunk, the
ISO-BMFF `ftyp` box, WebM's EBML header), so a few matching bytes are not enough and a head
cut short inside that structure is refused.
"""

from __future__ import annotations

import functools
import struct

from services.media import ebml
from services.media.model import AVIF, GIF, HEIC, HEIF, JPEG, MOV, MP4, PNG, WEBM, WEBP, MediaType

# How many leading bytes `sniff` needs: enough for an `ftyp` box with 60 compatible brands and
# for WebM's EBML header. A shorter head is fine when the file itself is shorter.
HEAD_BYTES = 256

ALLOWED: tuple[MediaType, ...] = (JPEG, PNG, WEBP, GIF, HEIC, HEIF, AVIF, MP4, MOV, WEBM)

# ISO-BMFF major brands (the `ftyp` box). The major brand decides: a compatible `isom` in an M4A
# (audio), a CR3 (Canon raw, `crx `) or a JPEG 2000 (`jp2 `) does not make it an MP4 video.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1"})  # generic: the compatible brands tell which codec
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_MOV_BRANDS = frozenset({b"qt  "})
_MP4_BRANDS = frozenset(
    {
        b"isom",
        *(b"iso%d" % n for n in range(2, 10)),
        b"mp41",
        b"mp42",
        b"avc1",
        b"dash",
        b"mmp4",
        b"M4V ",
        b"M4VH",
        b"M4VP",
        b"MSNV",  # Sony
        b"XAVC",  # Sony cameras
    }
)
_MAX_FTYP = 4096  # an `ftyp` box larger than this is not a real one

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"
_WEBP_CHUNKS = (b"VP8 ", b"VP8L", b"VP8X")
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = 0x4282


def sniff(head: bytes) -> MediaType | None:
    """The accepted type the file starting with `head` is, or None to refuse it.

    `head` is the file's first HEAD_BYTES bytes (all of it when the file is shorter)."""
    head = bytes(head[:HEAD_BYTES])
    if head[:3] == b"\xff\xd8\xff":
        return _jpeg(head)
    if head[:8] == _PNG_SIGNATURE[:8]:
        return PNG if head[:16] == _PNG_SIGNATURE else None
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF if len(head) >= 13 else None  # the logical screen descriptor
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP if head[12:16] in _WEBP_CHUNKS else None
    if head[4:8] == b"ftyp":
        return _isobmff(head)
    if head[:4] == _EBML_MAGIC:
        return _matroska(head)
    return None


def _jpeg(head: bytes) -> MediaType | None:
    # SOI then the first segment's marker: APPn, DQT, SOFn, DHT, COM... (not SOI/EOI again).
    if len(head) < 4 or head[3] < 0xC0 or head[3] in (0xD8, 0xD9, 0xFF):
        return None
    return JPEG


def _isobmff(head: bytes) -> MediaType | None:
    (size,) = struct.unpack(">I", head[:4])
    if size < 16 or size > _MAX_FTYP or (size - 16) % 4:
        return None
    if len(head) < min(size, HEAD_BYTES):
        return None  # the file ends inside its `ftyp` box
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if major in _MP4_BRANDS:
        return MP4
    if major in _MOV_BRANDS:
        return MOV
    if major in _HEIC_BRANDS:
        return HEIC
    if major in _AVIF_BRANDS:
        return AVIF if avif_supported() else None
    if major in _HEIF_BRANDS:
        if compatible & _AVIF_BRANDS:
            return AVIF if avif_supported() else None
        return HEIC if compatible & _HEIC_BRANDS else HEIF
    return None


def _matroska(head: bytes) -> MediaType | None:
    """WebM only (Matroska's `webm` DocType); other Matroska files (.mkv) are refused."""
    element = ebml.read_element_header(head, 0)
    if element is None or element.id != ebml.EBML_HEADER:
        return None
    end = len(head) if element.size is None else element.data_start + element.size
    if end > len(head):
        if len(head) < HEAD_BYTES:
            return None  # the file ends inside its EBML header
        end = len(head)
    for child in ebml.iter_elements(head, element.data_start, end):
        if child.id == _EBML_DOCTYPE and child.size is not None:
            doctype = head[child.data_start : child.data_start + child.size].rstrip(b"\x00")
            return WEBM if doctype == b"webm" else None
    return None


@functools.cache
def avif_supported() -> bool:
    """AVIF is accepted only where Pillow can read it (built with libavif, as its wheels are)."""
    from PIL import features

    return bool(features.check("avif"))

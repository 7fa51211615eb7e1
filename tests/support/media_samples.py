"""Real sample files for the media tests, made here: images with Pillow (and pillow-heif), and
minimal but well-formed MP4/MOV (ISO-BMFF boxes) and WebM (EBML elements) byte structures."""

from __future__ import annotations

import io
import struct

from PIL import Image

IDENTITY = (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
ROTATED_90 = (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)


# ---- images -------------------------------------------------------------------------------


def image_bytes(
    fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: object
) -> bytes:
    """A `size` picture, left half red and right half blue (so orientation can be checked)."""
    image = Image.new(mode, size, _colour(mode, (255, 0, 0)))
    image.paste(_colour(mode, (0, 0, 255)), (size[0] // 2, 0, size[0], size[1]))
    buffer = io.BytesIO()
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    image.save(buffer, fmt, **save)
    return buffer.getvalue()


def _colour(mode: str, rgb: tuple[int, int, int]) -> object:
    if mode == "RGBA":
        return (*rgb, 255)
    if mode in ("L", "P"):
        return 76 if rgb[0] else 29
    return rgb


def jpeg_with_orientation(size: tuple[int, int], orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x8825] = {2: (48.0, 51.0, 29.0)}  # GPS latitude: must not reach a thumbnail
    return image_bytes("JPEG", size, exif=exif.tobytes())


def animated_gif(size: tuple[int, int] = (40, 30)) -> bytes:
    frames = [Image.new("RGB", size, colour) for colour in ((255, 0, 0), (0, 255, 0))]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares `width` x `height` pixels in a valid IHDR (and holds almost nothing)."""
    import zlib

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    chunk = b"IHDR" + ihdr
    idat = b"IDAT" + zlib.compress(b"\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(idat) - 4)
        + idat
        + struct.pack(">I", zlib.crc32(idat))
    )


# ---- ISO-BMFF (MP4, MOV) ------------------------------------------------------------------


def box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, version: int, payload: bytes, flags: int = 0) -> bytes:
    return box(kind, struct.pack(">I", (version << 24) | flags), payload)


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    return box(b"ftyp", major, struct.pack(">I", 0), *compatible)


def mvhd(timescale: int, duration: int, version: int = 0) -> bytes:
    if version == 1:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    else:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    rest = struct.pack(">IH10x9i24xI", 0x10000, 0x100, *IDENTITY, 3)
    return full_box(b"mvhd", version, times + rest)


def tkhd(
    track_id: int,
    duration: int,
    width: int,
    height: int,
    matrix: tuple[int, ...] = IDENTITY,
    version: int = 0,
) -> bytes:
    if version == 1:
        head = struct.pack(">QQIIQ", 0, 0, track_id, 0, duration)
    else:
        head = struct.pack(">IIIII", 0, 0, track_id, 0, duration)
    rest = struct.pack(">8xhhhH9iII", 0, 0, 0, 0, *matrix, width << 16, height << 16)
    return full_box(b"tkhd", version, head + rest, flags=3)


def mdia(handler: bytes, timescale: int, duration: int, *, quicktime: bool = False) -> bytes:
    mdhd = full_box(b"mdhd", 0, struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
    component = b"mhlr" if quicktime else b"\x00\x00\x00\x00"
    hdlr = full_box(b"hdlr", 0, component + handler + bytes(12) + b"handler\x00")
    return box(b"mdia", mdhd, hdlr, box(b"minf"))


def trak(
    track_id: int,
    handler: bytes,
    seconds: float,
    width: int = 0,
    height: int = 0,
    *,
    timescale: int = 1000,
    matrix: tuple[int, ...] = IDENTITY,
    quicktime: bool = False,
) -> bytes:
    ticks = round(seconds * timescale)
    return box(
        b"trak",
        tkhd(track_id, ticks, width, height, matrix),
        mdia(handler, timescale, ticks, quicktime=quicktime),
    )


def isobmff(
    brand: bytes = b"isom",
    compatible: tuple[bytes, ...] = (b"isom", b"iso2", b"avc1", b"mp41"),
    *,
    seconds: float = 12.5,
    width: int = 1920,
    height: int = 1080,
    matrix: tuple[int, ...] = IDENTITY,
    moov_first: bool = True,
    quicktime: bool = False,
    mvhd_version: int = 0,
    fragmented: bool = False,
    mdat: bytes = b"\x00" * 64,
) -> bytes:
    """An MP4 (or a MOV, brand `qt  `): an audio track, then a video track of `width` x `height`."""
    timescale = 600 if quicktime else 1000
    movie_ticks = 0 if fragmented else round(seconds * timescale)
    parts = [
        mvhd(timescale, movie_ticks, mvhd_version),
        trak(1, b"soun", seconds, timescale=timescale, quicktime=quicktime),
        trak(
            2,
            b"vide",
            seconds,
            width,
            height,
            timescale=timescale,
            matrix=matrix,
            quicktime=quicktime,
        ),
    ]
    if fragmented:
        mehd = full_box(b"mehd", 0, struct.pack(">I", round(seconds * timescale)))
        parts.append(box(b"mvex", mehd))
    moov = box(b"moov", *parts)
    media = box(b"mdat", mdat)
    body = moov + media if moov_first else media + moov
    return ftyp(brand, *compatible) + (box(b"wide") if quicktime else b"") + body


def mp4(**options: object) -> bytes:
    return isobmff(**options)  # type: ignore[arg-type]


def mov(**options: object) -> bytes:
    return isobmff(b"qt  ", (b"qt  ",), quicktime=True, **options)  # type: ignore[arg-type]


def heif_ftyp(major: bytes, *compatible: bytes) -> bytes:
    """The head of a HEIF/AVIF still image: `ftyp` then the start of a `meta` box."""
    return ftyp(major, *compatible) + full_box(b"meta", 0, full_box(b"hdlr", 0, bytes(4) + b"pict"))


# ---- EBML (WebM) --------------------------------------------------------------------------


def element(element_id: int, *data: bytes, unknown_size: bool = False) -> bytes:
    body = b"".join(data)
    id_bytes = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    if unknown_size:
        return id_bytes + b"\x01\xff\xff\xff\xff\xff\xff\xff" + body
    return id_bytes + (0x0100000000000000 | len(body)).to_bytes(8, "big") + body


def uint(element_id: int, value: int) -> bytes:
    return element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def ebml_header(doctype: bytes = b"webm") -> bytes:
    return element(
        0x1A45DFA3,
        uint(0x4286, 1),
        uint(0x42F7, 1),
        uint(0x42F2, 4),
        uint(0x42F3, 8),
        element(0x4282, doctype),
        uint(0x4287, 4),
        uint(0x4285, 2),
    )


def webm(
    *,
    seconds: float | None = 7.25,
    width: int = 1280,
    height: int = 720,
    doctype: bytes = b"webm",
    unknown_segment_size: bool = False,
    timestamp_scale: int = 1_000_000,
) -> bytes:
    """A WebM: Info (its duration in `timestamp_scale` ticks), Tracks (an audio track, then a VP9
    video track of `width` x `height`) and one Cluster with one frame."""
    info = [uint(0x2AD7B1, timestamp_scale)]
    if seconds is not None:
        info.append(element(0x4489, struct.pack(">d", seconds * 1e9 / timestamp_scale)))
    info += [element(0x4D80, b"samples"), element(0x5741, b"samples")]
    audio = element(
        0xAE,
        uint(0xD7, 1),
        uint(0x73C5, 1),
        uint(0x83, 2),
        element(0x86, b"A_OPUS"),
        element(0xE1, element(0xB5, struct.pack(">f", 48000.0)), uint(0x9F, 2)),
    )
    video = element(
        0xAE,
        uint(0xD7, 2),
        uint(0x73C5, 2),
        uint(0x83, 1),
        element(0x86, b"V_VP9"),
        element(0xE0, uint(0xB0, width), uint(0xBA, height)),
    )
    cluster = element(0x1F43B675, uint(0xE7, 0), element(0xA3, b"\x82\x00\x00\x80" + bytes(32)))
    segment = element(
        0x18538067,
        element(0x1549A966, *info),
        element(0x1654AE6B, audio, video),
        cluster,
        unknown_size=unknown_segment_size,
    )
    return ebml_header(doctype) + segment

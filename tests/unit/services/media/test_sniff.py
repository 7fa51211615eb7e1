"""What an upload is, from its first bytes only: the allow-list, the ISO-BMFF brands, and what
is refused (whatever the file is called: the name is never an input)."""

from __future__ import annotations

import dataclasses
import random

import pytest
from support.media_samples import ebml_header, ftyp, heif_ftyp, image_bytes, mov, mp4, webm

from services.media import sniffing
from services.media.model import AVIF, GIF, HEIC, HEIF, JPEG, MOV, MP4, PNG, WEBM, WEBP
from services.media.sniffing import ALLOWED, HEAD_BYTES, sniff

SAMPLES = {
    "jpeg": (lambda: image_bytes("JPEG"), JPEG),
    "png": (lambda: image_bytes("PNG"), PNG),
    "webp": (lambda: image_bytes("WEBP"), WEBP),
    "gif": (lambda: image_bytes("GIF"), GIF),
    "heic": (lambda: image_bytes("HEIF"), HEIC),
    "avif": (lambda: image_bytes("AVIF"), AVIF),
    "mp4": (mp4, MP4),
    "mov": (mov, MOV),
    "webm": (webm, WEBM),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_each_allowed_type_is_sniffed_from_its_head(name: str) -> None:
    make, expected = SAMPLES[name]
    data = make()
    assert sniff(data) == expected
    assert sniff(data[:HEAD_BYTES]) == expected
    # Only the first HEAD_BYTES count: what follows them changes nothing.
    assert sniff(data[:HEAD_BYTES] + b"\x7fELF" * 100) == expected


def test_the_types_are_frozen_records_with_an_extension_and_a_kind() -> None:
    assert {media.kind for media in ALLOWED} == {"image", "video"}
    assert all(media.extension and "." not in media.extension for media in ALLOWED)
    with pytest.raises(dataclasses.FrozenInstanceError):
        JPEG.mime = "text/html"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        # HEIF: HEVC brands are HEIC; the generic ones are told apart by their compatible brands.
        (heif_ftyp(b"heic", b"mif1", b"heic"), HEIC),
        (heif_ftyp(b"heix", b"mif1", b"heix"), HEIC),
        (heif_ftyp(b"mif1", b"mif1", b"heic", b"miaf"), HEIC),
        (heif_ftyp(b"msf1", b"msf1", b"hevc"), HEIC),
        (heif_ftyp(b"mif1", b"mif1", b"miaf"), HEIF),
        (heif_ftyp(b"avif", b"avif", b"mif1", b"miaf"), AVIF),
        (heif_ftyp(b"mif1", b"mif1", b"avif"), AVIF),
        (mov(), MOV),
        (ftyp(b"qt  ", b"qt  "), MOV),
        (ftyp(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), MP4),
        (ftyp(b"mp41", b"mp41"), MP4),
        (ftyp(b"mp42", b"mp42", b"isom"), MP4),
        (ftyp(b"avc1", b"avc1"), MP4),
        (ftyp(b"iso6", b"iso6", b"dash"), MP4),
        (ftyp(b"M4V ", b"M4V ", b"M4A ", b"mp42", b"isom"), MP4),
        (ftyp(b"XAVC", b"XAVC", b"mp42", b"iso2"), MP4),
        # What the major brand says is something else is refused, whatever it is compatible with.
        (ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), None),  # audio
        (ftyp(b"crx ", b"crx ", b"isom"), None),  # Canon raw (CR3)
        (ftyp(b"jp2 ", b"jp2 "), None),  # JPEG 2000
        (ftyp(b"3gp4", b"3gp4", b"isom"), None),  # 3GPP (not on the allow-list)
        (ftyp(b"f4v ", b"f4v ", b"isom", b"mp42"), None),
        (ftyp(b"ABCD", b"isom", b"mp42", b"heic", b"avif"), None),  # unknown
    ],
)
def test_iso_bmff_brands(head: bytes, expected: object) -> None:
    assert sniff(head) == expected


def test_avif_is_refused_where_pillow_cannot_read_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sniffing, "avif_supported", lambda: False)
    assert sniff(image_bytes("AVIF")) is None
    assert sniff(heif_ftyp(b"mif1", b"mif1", b"avif")) is None
    assert sniff(image_bytes("HEIF")) == HEIC


ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(300)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50) + b"PE\x00\x00" + bytes(200)
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script>'


@pytest.mark.parametrize(
    "head",
    [
        pytest.param(ELF, id="elf"),
        pytest.param(PE, id="pe"),
        pytest.param(b"#!/bin/sh\nrm -rf /\n", id="script"),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n" * 8, id="pdf"),
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(300), id="zip"),
        pytest.param(b"<!DOCTYPE html><html><body><img src=x onerror=alert(1)>", id="html"),
        pytest.param(SVG, id="svg"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg-bare"),
        pytest.param(b"plain text, not a picture\n" * 20, id="text"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(40), id="wav"),
        pytest.param(b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(40), id="avi"),
        pytest.param(b"II*\x00\x08\x00\x00\x00" + bytes(100), id="tiff"),
        pytest.param(b"BM" + bytes(100), id="bmp"),
        pytest.param(b"SIMPLE  =                    T" + bytes(100), id="fits"),
        pytest.param(ebml_header(b"matroska") + bytes(40), id="mkv"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xd8\xff", id="jpeg-3-bytes"),
        pytest.param(b"GIF", id="gif-3-bytes"),
        pytest.param(b"\x89PN", id="png-3-bytes"),
        pytest.param(b"\xff\xd8\xff\x00" + bytes(100), id="jpeg-bad-marker"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + bytes(100), id="png-no-ihdr"),
        pytest.param(b"GIF89a\x01\x00", id="gif-truncated"),
        pytest.param(b"RIFF\x24\x00\x00\x00WEBPXXXX" + bytes(40), id="webp-bad-chunk"),
        pytest.param(ftyp(b"isom", b"isom", b"mp41")[:20], id="ftyp-truncated"),
        pytest.param(b"\x00\x00\x00\x08ftyp" + bytes(40), id="ftyp-too-small"),
        pytest.param(b"\x7f\xff\xff\xffftypisom" + bytes(40), id="ftyp-huge"),
        pytest.param(ebml_header()[:20], id="ebml-truncated"),
        pytest.param(b"\x1a\x45\xdf\xa3\x00" + bytes(40), id="ebml-bad-size"),
    ],
)
def test_everything_else_is_refused(head: bytes) -> None:
    assert sniff(head) is None


def test_a_renamed_executable_stays_an_executable() -> None:
    """`photo.jpg` sent as image/jpeg: neither reaches `sniff`, and its bytes are an ELF."""
    assert sniff(ELF[:HEAD_BYTES]) is None
    assert sniff(PE[:HEAD_BYTES]) is None


def test_random_bytes_and_mangled_heads_never_raise() -> None:
    rng = random.Random(7)
    heads = [make()[:HEAD_BYTES] for make, _ in SAMPLES.values()]
    for _ in range(2000):
        head = bytearray(rng.choice(heads))
        for _ in range(rng.randint(1, 8)):
            head[rng.randrange(len(head))] = rng.randrange(256)
        result = sniff(bytes(head[: rng.randint(0, len(head))]))
        assert result is None or result in ALLOWED
    for size in range(0, 300, 7):
        assert sniff(rng.randbytes(size)) in (None, *ALLOWED)

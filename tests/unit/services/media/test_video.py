"""Video facts from the container's metadata: MP4/MOV boxes and WebM elements, read within a
budget; what cannot be read is None, never an error and never an unbounded read."""

from __future__ import annotations

import io
import random
import struct
import time

import pytest
from support.media_samples import (
    ROTATED_90,
    box,
    ebml_header,
    element,
    ftyp,
    full_box,
    mov,
    mp4,
    mvhd,
    trak,
    webm,
)

from services.media import video as video_module
from services.media.model import JPEG, MOV, MP4, WEBM, VideoFacts
from services.media.sniffing import sniff
from services.media.video import video_facts


class CountingFile(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def facts(data: bytes) -> VideoFacts:
    media = sniff(data)
    assert media is not None and media.kind == "video"
    return video_facts(io.BytesIO(data), media)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(mp4(), VideoFacts(12.5, 1920, 1080), id="mp4"),
        pytest.param(
            mov(seconds=3.0, width=1280, height=720), VideoFacts(3.0, 1280, 720), id="mov"
        ),
        pytest.param(webm(), VideoFacts(7.25, 1280, 720), id="webm"),
        pytest.param(mp4(moov_first=False), VideoFacts(12.5, 1920, 1080), id="mp4-moov-at-end"),
        pytest.param(mp4(mvhd_version=1), VideoFacts(12.5, 1920, 1080), id="mp4-64-bit-mvhd"),
        pytest.param(mp4(fragmented=True), VideoFacts(12.5, 1920, 1080), id="mp4-fragmented"),
        pytest.param(
            mov(matrix=ROTATED_90), VideoFacts(12.5, 1080, 1920), id="mov-portrait-iphone"
        ),
        pytest.param(
            webm(unknown_segment_size=True), VideoFacts(7.25, 1280, 720), id="webm-live-segment"
        ),
        pytest.param(
            webm(timestamp_scale=100_000, seconds=2.5), VideoFacts(2.5, 1280, 720), id="webm-scale"
        ),
        pytest.param(webm(seconds=None), VideoFacts(None, 1280, 720), id="webm-no-duration"),
    ],
)
def test_duration_and_display_size(data: bytes, expected: VideoFacts) -> None:
    assert facts(data) == expected


def test_the_types_are_the_sniffed_ones() -> None:
    assert (sniff(mp4()), sniff(mov()), sniff(webm())) == (MP4, MOV, WEBM)


def test_a_64_bit_media_box_is_skipped_by_seeking() -> None:
    payload = bytes(4096)
    large_mdat = struct.pack(">I4sQ", 1, b"mdat", 16 + len(payload)) + payload
    moov = box(b"moov", mvhd(1000, 4000), trak(1, b"vide", 4.0, 640, 360))
    data = ftyp(b"mp42", b"mp42", b"isom") + large_mdat + moov
    assert facts(data) == VideoFacts(4.0, 640, 360)


def test_only_the_metadata_is_read() -> None:
    data = mp4(moov_first=False, mdat=bytes(8 * 1024 * 1024))
    file = CountingFile(data)
    assert video_facts(file, MP4) == VideoFacts(12.5, 1920, 1080)
    assert file.bytes_read < 4096
    file = CountingFile(webm() + bytes(1024 * 1024))
    assert video_facts(file, WEBM).duration_seconds == 7.25
    assert file.bytes_read < 4096


def test_the_file_position_is_restored() -> None:
    file = io.BytesIO(mp4())
    file.seek(17)
    video_facts(file, MP4)
    assert file.tell() == 17


@pytest.mark.parametrize(
    "head",
    [ftyp(b"isom", b"isom", b"mp41"), ftyp(b"qt  ", b"qt  "), ebml_header()],
    ids=["mp4", "mov", "webm"],
)
def test_garbage_after_the_header_gives_no_facts_quickly(head: bytes) -> None:
    garbage = random.Random(1).randbytes(2 * 1024 * 1024)
    started = time.perf_counter()
    media = sniff(head)
    assert media is not None
    result = video_facts(io.BytesIO(head + garbage), media)
    assert time.perf_counter() - started < 1
    assert result == VideoFacts(None, None, None)


def test_hostile_structures_stay_within_the_budget() -> None:
    many_boxes = ftyp(b"isom", b"isom") + box(b"free") * 200_000
    nested = ftyp(b"isom", b"isom")
    inner = mvhd(1000, 5000)
    for _ in range(200):
        inner = box(b"moov", inner)
    huge = ftyp(b"isom", b"isom") + struct.pack(">I4sQ", 1, b"mdat", 2**63) + bytes(64)
    zero_timescale = ftyp(b"isom", b"isom") + box(b"moov", mvhd(0, 5000))
    no_video = ftyp(b"isom", b"isom") + box(b"moov", mvhd(1000, 5000), trak(1, b"soun", 5.0))
    cases = {
        "many boxes": (many_boxes, VideoFacts()),
        "deep nesting": (nested + inner, VideoFacts()),
        "a 2**63-byte box": (huge, VideoFacts()),
        "timescale 0": (zero_timescale, VideoFacts()),
        "audio only": (no_video, VideoFacts(5.0, None, None)),
    }
    for name, (data, expected) in cases.items():
        file = CountingFile(data)
        started = time.perf_counter()
        assert video_facts(file, MP4) == expected, name
        assert time.perf_counter() - started < 1, name
        assert file.bytes_read <= video_module.MAX_METADATA_BYTES, name


def test_a_webm_whose_clusters_come_first_or_never_end() -> None:
    endless = element(0x1F43B675, bytes(64), unknown_size=True)
    segment = element(0x18538067, endless, element(0x1549A966, bytes(8)), unknown_size=True)
    assert facts(ebml_header() + segment) == VideoFacts()


@pytest.mark.parametrize("make", [mp4, mov, webm])
def test_every_truncation_and_mutation_gives_facts_and_never_raises(make: object) -> None:
    data: bytes = make()  # type: ignore[operator]
    media = sniff(data)
    assert media is not None
    for cut in range(len(data)):
        result = video_facts(io.BytesIO(data[:cut]), media)
        assert isinstance(result, VideoFacts)
    rng = random.Random(len(data))
    for _ in range(300):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        assert isinstance(video_facts(io.BytesIO(bytes(mutated)), media), VideoFacts)


def test_a_file_that_cannot_seek_gives_no_facts() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
            return 0

    assert video_facts(Pipe(), MP4) == VideoFacts()  # type: ignore[arg-type]


def test_an_image_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        video_facts(io.BytesIO(mp4()), JPEG)


def test_full_boxes_helper_is_well_formed() -> None:
    """The samples' own boxes: size fields agree with their lengths."""
    sample = full_box(b"mehd", 0, struct.pack(">I", 5))
    assert struct.unpack(">I", sample[:4])[0] == len(sample) == 16

"""EBML, Matroska's binary format, as much of it as WebM's metadata needs: the element headers
(variable-length ids and sizes) and the facts in a WebM's Segment (Info: duration; Tracks: the
video track's pixel size)."""

from __future__ import annotations

import contextlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from services.media.bounded import BoundedReader, LimitReached
from services.media.model import VideoFacts, plausible_dimension, plausible_duration

EBML_HEADER = 0x1A45DFA3
SEGMENT = 0x18538067
_INFO = 0x1549A966
_TIMESTAMP_SCALE = 0x2AD7B1
_DURATION = 0x4489
_TRACKS = 0x1654AE6B
_TRACK_ENTRY = 0xAE
_TRACK_TYPE = 0x83
_TRACK_TYPE_VIDEO = 1
_VIDEO = 0xE0
_PIXEL_WIDTH = 0xB0
_PIXEL_HEIGHT = 0xBA
_CLUSTER = 0x1F43B675

_HEADER_READ = 12  # an id (≤ 4 bytes) and a size (≤ 8 bytes)
_MAX_INFO = 64 * 1024
_MAX_TRACKS = 256 * 1024
_MAX_SEGMENT_CHILDREN = 256


@dataclass(frozen=True)
class Element:
    id: int
    size: int | None  # None: unknown (it runs to the end of its parent)
    data_start: int


def _vint_length(first: int, max_length: int) -> int | None:
    for length in range(1, max_length + 1):
        if first & (0x80 >> (length - 1)):
            return length
    return None


def read_element_header(buf: bytes, pos: int) -> Element | None:
    """The element whose header starts at `pos`, or None if `buf` holds no valid one there."""
    if pos >= len(buf):
        return None
    id_length = _vint_length(buf[pos], 4)
    if id_length is None or pos + id_length >= len(buf):
        return None
    element_id = int.from_bytes(buf[pos : pos + id_length], "big")
    size_pos = pos + id_length
    size_length = _vint_length(buf[size_pos], 8)
    if size_length is None or size_pos + size_length > len(buf):
        return None
    raw = int.from_bytes(buf[size_pos : size_pos + size_length], "big")
    value = raw & ((1 << (7 * size_length)) - 1)
    size = None if value == (1 << (7 * size_length)) - 1 else value
    return Element(element_id, size, size_pos + size_length)


def iter_elements(buf: bytes, start: int, end: int) -> Iterator[Element]:
    """The elements of known size lying wholly in buf[start:end], in order; stops at the first
    malformed, unknown-size or cut-off one."""
    pos = start
    while pos < end:
        element = read_element_header(buf, pos)
        if element is None or element.size is None or element.data_start + element.size > end:
            return
        yield element
        pos = element.data_start + element.size


def _uint(buf: bytes, element: Element) -> int:
    assert element.size is not None
    return int.from_bytes(buf[element.data_start : element.data_start + element.size], "big")


def _float(buf: bytes, element: Element) -> float | None:
    data = buf[element.data_start : element.data_start + (element.size or 0)]
    if len(data) == 4:
        return struct.unpack(">f", data)[0]
    if len(data) == 8:
        return struct.unpack(">d", data)[0]
    return None


def read_facts(reader: BoundedReader) -> VideoFacts:
    """A WebM's duration and video size; None for what its header does not hold (a live
    recording, e.g. a browser's MediaRecorder, writes no duration)."""
    found = _Found()
    with contextlib.suppress(LimitReached):  # what was found so far is the answer
        _read_segment(reader, found)
    return found.facts()


@dataclass
class _Found:
    duration: float | None = None
    timestamp_scale: int = 1_000_000  # nanoseconds per tick: the default
    width: int | None = None
    height: int | None = None
    info_seen: bool = False
    tracks_seen: bool = False

    def facts(self) -> VideoFacts:
        seconds = None
        if self.duration is not None:
            seconds = plausible_duration(self.duration * self.timestamp_scale / 1e9)
        return VideoFacts(seconds, self.width, self.height)


def _header_at(reader: BoundedReader, pos: int) -> Element | None:
    element = read_element_header(reader.read_at(pos, _HEADER_READ), 0)
    if element is None:
        return None
    return Element(element.id, element.size, pos + element.data_start)


def _read_segment(reader: BoundedReader, found: _Found) -> None:
    header = _header_at(reader, 0)
    if header is None or header.id != EBML_HEADER or header.size is None:
        return
    segment = _header_at(reader, header.data_start + header.size)
    if segment is None or segment.id != SEGMENT:
        return
    end = reader.size
    if segment.size is not None:
        end = min(end, segment.data_start + segment.size)
    pos = segment.data_start
    for _ in range(_MAX_SEGMENT_CHILDREN):
        if pos >= end or (found.info_seen and found.tracks_seen):
            return
        child = _header_at(reader, pos)
        if child is None:
            return
        if child.id == _INFO:
            _read_info(reader, child, end, found)
        elif child.id == _TRACKS:
            _read_tracks(reader, child, end, found)
        elif child.id == _CLUSTER and found.info_seen:
            return  # the media data: the header elements come before it
        if child.size is None:
            return  # an element of unknown size cannot be skipped
        pos = child.data_start + child.size


def _data(reader: BoundedReader, element: Element, end: int, cap: int) -> bytes:
    """The element's data, at most `cap` bytes of it (elements cut off there are ignored)."""
    stop = end if element.size is None else min(end, element.data_start + element.size)
    return reader.read_at(element.data_start, min(stop - element.data_start, cap))


def _read_info(reader: BoundedReader, element: Element, end: int, found: _Found) -> None:
    found.info_seen = True
    buf = _data(reader, element, end, _MAX_INFO)
    for child in iter_elements(buf, 0, len(buf)):
        if child.id == _TIMESTAMP_SCALE:
            found.timestamp_scale = _uint(buf, child)
        elif child.id == _DURATION:
            found.duration = _float(buf, child)


def _read_tracks(reader: BoundedReader, element: Element, end: int, found: _Found) -> None:
    found.tracks_seen = True
    buf = _data(reader, element, end, _MAX_TRACKS)
    for entry in iter_elements(buf, 0, len(buf)):
        if entry.id != _TRACK_ENTRY:
            continue
        assert entry.size is not None
        track_type = None
        size: tuple[int | None, int | None] = (None, None)
        for child in iter_elements(buf, entry.data_start, entry.data_start + entry.size):
            if child.id == _TRACK_TYPE:
                track_type = _uint(buf, child)
            elif child.id == _VIDEO:
                assert child.size is not None
                size = _video_size(buf, child.data_start, child.data_start + child.size)
        if track_type == _TRACK_TYPE_VIDEO or (track_type is None and size != (None, None)):
            found.width, found.height = size
            return


def _video_size(buf: bytes, start: int, end: int) -> tuple[int | None, int | None]:
    width = height = None
    for child in iter_elements(buf, start, end):
        if child.id == _PIXEL_WIDTH:
            width = plausible_dimension(_uint(buf, child))
        elif child.id == _PIXEL_HEIGHT:
            height = plausible_dimension(_uint(buf, child))
    return width, height

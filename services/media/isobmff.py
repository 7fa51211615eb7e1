"""ISO-BMFF (MP4) and QuickTime (MOV) metadata: the movie's duration (`mvhd`, or `mehd` for a
fragmented file) and the video track's display size (`tkhd`, the track whose `hdlr` is
`vide`). Only those few small boxes are read; the sample tables and the media data are
skipped by seeking, so `moov` may come before or after `mdat`."""

from __future__ import annotations

import contextlib
import struct
from dataclasses import dataclass, field

from services.media.bounded import BoundedReader, LimitReached
from services.media.model import VideoFacts, plausible_dimension, plausible_duration

_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"mvex"})
_LEAVES = frozenset({b"mvhd", b"tkhd", b"hdlr", b"mehd"})
_MAX_LEAF = 256  # mvhd, tkhd, hdlr and mehd are all far smaller
_MAX_DEPTH = 4  # moov/trak/mdia/hdlr
_MAX_BOXES = 4096


@dataclass
class _Track:
    handler: bytes | None = None
    width: int | None = None
    height: int | None = None
    duration: int | None = None  # in the movie's timescale


@dataclass
class _Found:
    timescale: int | None = None
    duration: int | None = None
    fragment_duration: int | None = None
    tracks: list[_Track] = field(default_factory=list)
    moov_done: bool = False

    def facts(self) -> VideoFacts:
        seconds = None
        if self.timescale:
            candidates = [self.duration, self.fragment_duration]
            candidates += [track.duration for track in self.tracks]
            ticks = next((value for value in candidates if value), None)
            if ticks:
                seconds = plausible_duration(ticks / self.timescale)
        video = next((t for t in self.tracks if t.handler == b"vide" and t.width), None)
        if video is None:  # no handler read: the first track that has a picture size
            video = next((t for t in self.tracks if t.handler is None and t.width), None)
        if video is None:
            return VideoFacts(seconds, None, None)
        return VideoFacts(seconds, video.width, video.height)


def read_facts(reader: BoundedReader) -> VideoFacts:
    found = _Found()
    with contextlib.suppress(LimitReached):  # what was found so far is the answer
        _walk(reader, 0, reader.size, 0, found, [_MAX_BOXES])
    return found.facts()


def _walk(
    reader: BoundedReader, start: int, end: int, depth: int, found: _Found, boxes: list[int]
) -> None:
    pos = start
    while pos + 8 <= end and not found.moov_done:
        boxes[0] -= 1
        if boxes[0] < 0:
            raise LimitReached("too many boxes")
        header = reader.read_at(pos, 16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        header_length = 8
        if size == 1:  # a 64-bit size follows
            if len(header) < 16:
                return
            (size,) = struct.unpack(">Q", header[8:16])
            header_length = 16
        elif size == 0:  # to the end of the enclosing box (or of the file)
            size = end - pos
        if size < header_length:
            return  # malformed: stop rather than guess
        box_end = min(
            pos + size, end
        )  # a box cut short (a truncated file) is read as far as it goes
        if kind in _CONTAINERS and depth < _MAX_DEPTH:
            if kind == b"trak":
                found.tracks.append(_Track())
            _walk(reader, pos + header_length, box_end, depth + 1, found, boxes)
            if kind == b"moov":
                found.moov_done = True
        elif kind in _LEAVES:
            payload = reader.read_at(
                pos + header_length, min(box_end - pos - header_length, _MAX_LEAF)
            )
            with contextlib.suppress(struct.error):  # a box too short: ignored
                _leaf(kind, payload, found)
        pos += size


def _leaf(kind: bytes, payload: bytes, found: _Found) -> None:
    if len(payload) < 4:
        return
    version = payload[0]
    if kind == b"mvhd":
        if version == 1:
            timescale, duration = struct.unpack(">IQ", payload[20:32])
            unknown = 0xFFFFFFFFFFFFFFFF
        else:
            timescale, duration = struct.unpack(">II", payload[12:20])
            unknown = 0xFFFFFFFF
        found.timescale = timescale or None
        found.duration = None if duration == unknown else duration
    elif kind == b"mehd":
        if version == 1:
            (found.fragment_duration,) = struct.unpack(">Q", payload[4:12])
        else:
            (found.fragment_duration,) = struct.unpack(">I", payload[4:8])
    elif kind == b"tkhd" and found.tracks:
        _tkhd(payload, version, found.tracks[-1])
    elif kind == b"hdlr" and found.tracks and len(payload) >= 12:
        found.tracks[-1].handler = payload[8:12]  # QuickTime: the component subtype, same place


def _tkhd(payload: bytes, version: int, track: _Track) -> None:
    # version 0: flags(4) created(4) modified(4) id(4) reserved(4) duration(4);
    # version 1: flags(4) created(8) modified(8) id(4) reserved(4) duration(8);
    # then reserved(8) layer(2) group(2) volume(2) reserved(2) matrix(36) width(4) height(4).
    if version == 1:
        (duration,) = struct.unpack(">Q", payload[28:36])
        rest = 36
        unknown = 0xFFFFFFFFFFFFFFFF
    else:
        (duration,) = struct.unpack(">I", payload[20:24])
        rest = 24
        unknown = 0xFFFFFFFF
    track.duration = None if duration == unknown else duration
    matrix = struct.unpack(">9i", payload[rest + 16 : rest + 52])
    width, height = struct.unpack(">II", payload[rest + 52 : rest + 60])
    track.width = plausible_dimension(width / 65536)
    track.height = plausible_dimension(height / 65536)
    a, b, _, c, d, *_ = matrix
    if a == 0 and d == 0 and b != 0 and c != 0:  # rotated by 90° or 270°: displayed on its side
        track.width, track.height = track.height, track.width

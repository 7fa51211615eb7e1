"""A video's duration and size, read from its container's metadata by the pure-Python parsers
beside this module (no ffprobe, no system library): within a fixed budget of reads, and never
failing on what it cannot read (those facts are None)."""

from __future__ import annotations

import contextlib
import os
from typing import BinaryIO

from services.media import ebml, isobmff
from services.media.bounded import BoundedReader
from services.media.model import MOV, MP4, WEBM, MediaType, VideoFacts

# What one file's metadata may cost: a moov's few small boxes, a WebM's Info and Tracks.
MAX_METADATA_BYTES = 1024 * 1024
MAX_METADATA_READS = 8192


def video_facts(file: BinaryIO, media: MediaType) -> VideoFacts:
    """The duration (seconds) and display size of the video `file` (sniffed as `media`).

    Reads only the metadata, never the media data. `file` must be seekable (a spooled upload,
    a temporary file); its position is restored. A file whose metadata cannot be read (not
    seekable, truncated, garbage) gives None fields, not an error."""
    if media.kind != "video":
        raise ValueError(f"{media.mime} is not a video")
    try:
        position = file.tell()
    except (OSError, ValueError):
        return VideoFacts()
    try:
        reader = BoundedReader(file, max_bytes=MAX_METADATA_BYTES, max_reads=MAX_METADATA_READS)
        if media in (MP4, MOV):
            return isobmff.read_facts(reader)
        if media == WEBM:
            return ebml.read_facts(reader)
        return VideoFacts()
    except OSError:
        return VideoFacts()
    finally:
        with contextlib.suppress(OSError, ValueError):
            file.seek(position, os.SEEK_SET)

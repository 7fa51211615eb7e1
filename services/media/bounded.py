"""A reader that parses untrusted containers within fixed limits: so many bytes read, so many
reads. Metadata parsers (ISO-BMFF, EBML) read through it only, so a hostile or broken file
costs at most that much, whatever it declares."""

from __future__ import annotations

import os
from typing import BinaryIO


class LimitReached(Exception):
    """The parse used up its budget; what was found so far is all there is."""


class BoundedReader:
    """Positioned reads of a seekable file, each counted against the budget."""

    def __init__(self, file: BinaryIO, *, max_bytes: int, max_reads: int) -> None:
        self._file = file
        self.size = file.seek(0, os.SEEK_END)
        self._bytes_left = max_bytes
        self._reads_left = max_reads

    def read_at(self, offset: int, length: int) -> bytes:
        """Up to `length` bytes at `offset` (fewer at the end of the file)."""
        if self._reads_left <= 0:
            raise LimitReached("too many reads")
        self._reads_left -= 1
        if offset < 0 or offset >= self.size or length <= 0:
            return b""
        length = min(length, self.size - offset)
        if length > self._bytes_left:
            raise LimitReached("too many bytes")
        self._bytes_left -= length
        self._file.seek(offset)
        return self._file.read(length)

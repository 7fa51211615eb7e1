"""HTTP Range for one range of bytes (RFC 9110 §14): what video scrubbing sends."""

from __future__ import annotations

import re

from services.errors import RangeNotSatisfiable

_ONE_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def byte_range(header: str, size: int) -> tuple[int, int, bool]:
    """(first, last, partial) of a file of `size` bytes for a Range header value.

    No header, a malformed one or several ranges: the whole file (RFC 9110 lets a server ignore
    a Range it will not serve). A range starting at or past the end: RangeNotSatisfiable."""
    whole = (0, max(0, size - 1), False)
    match = _ONE_RANGE.match(header or "")
    if match is None:
        return whole
    first_text, last_text = match.groups()
    if not first_text and not last_text:
        return whole
    if not first_text:  # bytes=-N: the last N bytes
        suffix = int(last_text)
        if suffix == 0:
            raise _unsatisfiable(size)
        return max(0, size - suffix), size - 1, True
    first = int(first_text)
    last = int(last_text) if last_text else size - 1
    if last_text and last < first:
        return whole  # syntactically invalid: ignored
    if first >= size:
        raise _unsatisfiable(size)
    return first, min(last, size - 1), True


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(f"the range is outside the file's {size} bytes", size=size)

"""HTTP Range parsing for downloads."""

from __future__ import annotations

import pytest

from services.errors import RangeNotSatisfiable
from services.vault.ranges import byte_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", (0, 99, False)),
        ("bytes=0-9", (0, 9, True)),
        ("bytes=90-", (90, 99, True)),
        ("bytes=90-500", (90, 99, True)),
        ("bytes=-10", (90, 99, True)),
        ("bytes=-500", (0, 99, True)),
        ("BYTES = 5 - 6", (5, 6, True)),
        ("bytes=9-5", (0, 99, False)),  # invalid: ignored
        ("bytes=0-1,5-6", (0, 99, False)),  # several ranges: the whole file
        ("items=0-1", (0, 99, False)),
        ("bytes=-", (0, 99, False)),
    ],
)
def test_ranges(header: str, expected: tuple[int, int, bool]) -> None:
    assert byte_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable) as refused:
        byte_range(header, 100)
    assert refused.value.size == 100


def test_an_empty_file_has_no_satisfiable_range() -> None:
    assert byte_range("", 0) == (0, 0, False)
    with pytest.raises(RangeNotSatisfiable):
        byte_range("bytes=0-", 0)

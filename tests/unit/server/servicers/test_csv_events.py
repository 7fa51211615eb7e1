"""The CSV statement decoder: records across chunk boundaries (a multi-byte character, a
quoted line break), line numbers, the same rules as the events API, and the size limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import protovalidate
import pytest

from server.servicers import csv_events
from server.servicers.csv_events import ImportTooLarge, decode_statement
from services.errors import InvalidArgument

HEADER = "id,type,occurredAt,source,amount,fanId,contentType,views\n"


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.mark.parametrize("size", [1, 3, 7, 64, 10_000])
async def test_records_survive_any_chunking(size: int) -> None:
    text = (
        "\ufeff"
        + HEADER.replace("\n", "\r\n")
        + 'a1,revenue,2026-03-01T10:00:00Z,tip,5,"fan, ""the"" first\r\nline two",,\r\n'
        + "\r\n"
        + "a2,engagement,2026-03-01T11:00:00+01:00,,,,vidéo,40\r\n"
    )
    statement = await decode_statement(chunks(text.encode(), size), protovalidate.Validator())
    assert statement.rejected == []
    assert statement.rows == 2
    first, second = statement.drafts
    assert (first.label, first.fan_id, first.amount) == (
        "line 2",
        'fan, "the" first\r\nline two',
        5.0,
    )
    assert (second.label, second.content_type, second.views) == ("line 5", "vidéo", 40)
    assert second.occurred_ms == 1772359200000  # 2026-03-01T10:00:00Z


async def test_bad_rows_are_named_by_line_and_column() -> None:
    text = HEADER + (
        "b1,revenue,2026-03-01T10:00:00Z,tip,five,,,\n"
        "b2,engagement,2026-03-01T10:00:00Z,,,,,-3\n"
        "b3,revenue,2026-03-01T10:00:00Z,,2,,,\n"
        "b4,revenue,2026-03-01T10:00:00Z,tip,2,,,\n"
    )
    statement = await decode_statement(chunks(text.encode(), 16), protovalidate.Validator())
    assert [(line, v.field) for line, v in statement.rejected] == [
        (2, "line 2.amount"),
        (3, "line 3.views"),
        (4, "line 4"),
    ]
    assert [draft.id for draft in statement.drafts] == ["b4"]


@pytest.mark.parametrize(
    "text",
    ["", "id,type\nx,revenue\n", "id,type,occurredAt,colour\n", "id,type,occurredAt\n"],
)
async def test_a_statement_without_its_columns_or_rows_is_refused(text: str) -> None:
    with pytest.raises(InvalidArgument):
        await decode_statement(chunks(text.encode(), 8), protovalidate.Validator())


async def test_an_unclosed_quote_and_non_utf8_are_refused() -> None:
    with pytest.raises(InvalidArgument, match="never closed"):
        await decode_statement(
            chunks((HEADER + 'x,"open\n').encode(), 8), protovalidate.Validator()
        )
    with pytest.raises(InvalidArgument, match="UTF-8"):
        await decode_statement(chunks(HEADER.encode() + b"\xff\n", 8), protovalidate.Validator())


async def test_too_many_rows_or_bytes_is_413(monkeypatch: pytest.MonkeyPatch) -> None:
    row = "r{},revenue,2026-03-01T10:00:00Z,tip,1,,,\n"
    rows = HEADER + "".join(row.format(i) for i in range(11))
    monkeypatch.setattr(csv_events, "MAX_ROWS", 10)
    with pytest.raises(ImportTooLarge) as refused:
        await decode_statement(chunks(rows.encode(), 50), protovalidate.Validator())
    assert refused.value.http_status == 413
    monkeypatch.setattr(csv_events, "MAX_BYTES", 100)
    with pytest.raises(ImportTooLarge):
        await decode_statement(chunks(rows.encode(), 50), protovalidate.Validator())


async def test_a_hundred_bad_rows_stop_the_reading() -> None:
    rows = HEADER + "".join(f"r{i},revenue,never,tip,1,,,\n" for i in range(500))
    with pytest.raises(InvalidArgument) as refused:
        await decode_statement(chunks(rows.encode(), 64), protovalidate.Validator())
    assert len(refused.value.violations) == 100

"""A CSV statement (the import's raw body) decoded into event drafts, row by row, under the same
request rules as the events API: each row becomes an AnalyticsEvent message that protovalidate
checks, so both ways in share one rule set. Errors name `line <n>.<column>`."""

from __future__ import annotations

import codecs
import csv
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import protovalidate
from google.protobuf.json_format import ParseError
from huntaze.v1 import analytics_pb2 as pb

from interceptors.validation import violations_of
from server.servicers.convert_analytics import draft_of
from services.analytics.ingest import EventDraft
from services.analytics.model import MAX_VIOLATIONS, refuse
from services.errors import FieldViolation, InvalidArgument, PayloadTooLarge

MAX_ROWS = 100_000
MAX_BYTES = 32 * 1024 * 1024
COLUMNS = {
    "id": "id",
    "type": "type",
    "occurredAt": "occurred_at",
    "platform": "platform",
    "source": "source",
    "amount": "amount",
    "currency": "currency",
    "fanId": "fan_id",
    "contentId": "content_id",
    "contentType": "content_type",
    "views": "views",
    "likes": "likes",
    "comments": "comments",
    "messages": "messages",
}
REQUIRED = ("id", "type", "occurredAt")
TEXT = ("id", "type", "platform", "source", "currency", "fanId", "contentId", "contentType")
COUNTS = ("views", "likes", "comments", "messages")


class ImportTooLarge(PayloadTooLarge):
    reason = "IMPORT_TOO_LARGE"


@dataclass
class Statement:
    """The rows that decoded into drafts, and (line, violation) for those that did not."""

    drafts: list[EventDraft] = field(default_factory=list)
    rejected: list[tuple[int, FieldViolation]] = field(default_factory=list)
    rows: int = 0


async def decode_statement(
    chunks: AsyncIterator[bytes], validator: protovalidate.Validator
) -> Statement:
    """Every row, drafted or rejected. Structural errors (no header, an unknown or missing
    column, not UTF-8, too large) raise at once, as do MAX_VIOLATIONS rejected rows."""
    lines = _Lines()
    statement = Statement()
    header: list[str] = []

    def take(records: Iterator[tuple[int, list[str]]]) -> None:
        nonlocal header
        for line_number, row in records:
            if not header:
                header = _header(row)
            elif any(cell.strip() for cell in row):
                _take_row(statement, dict(zip(header, row, strict=False)), line_number, validator)

    async for chunk in chunks:
        lines.feed(chunk)
        take(lines.rows())
    take(lines.finish())
    if not header:
        raise InvalidArgument(
            "the body is empty: send a CSV statement with a header line",
            [FieldViolation("body", "empty", "import.empty")],
        )
    if not statement.rows:
        raise InvalidArgument(
            "the statement has no rows", [FieldViolation("body", "no rows", "import.empty")]
        )
    return statement


def _take_row(
    statement: Statement, cells: dict[str, str], line: int, validator: protovalidate.Validator
) -> None:
    statement.rows += 1
    if statement.rows > MAX_ROWS:
        raise ImportTooLarge(f"over {MAX_ROWS} rows: split the file")
    draft, found = _draft(cells, line, validator)
    if draft is not None:
        statement.drafts.append(draft)
    statement.rejected.extend((line, violation) for violation in found)
    if len(statement.rejected) >= MAX_VIOLATIONS:
        raise refuse([violation for _, violation in statement.rejected], "invalid rows")


class _Lines:
    """Bytes in, complete CSV records out (a quoted field may span lines), with the line each
    starts on; UTF-8 with or without a byte order mark."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._pending = ""
        self._line = 1
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > MAX_BYTES:
            raise ImportTooLarge(f"over {MAX_BYTES // (1024 * 1024)} MiB: split the file")
        try:
            self._pending += self._decoder.decode(chunk)
        except UnicodeDecodeError:
            raise InvalidArgument(
                "the statement is not UTF-8 text",
                [FieldViolation("body", "not UTF-8", "request.utf8")],
            ) from None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """The complete records so far (the text after the last line break waits)."""
        cut = self._pending.rfind("\n")
        if cut < 0:
            return
        text, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
        yield from self._parse(text, final=False)

    def finish(self) -> Iterator[tuple[int, list[str]]]:
        text, self._pending = self._pending, ""
        if text:
            yield from self._parse(text, final=True)

    def _parse(self, text: str, *, final: bool) -> Iterator[tuple[int, list[str]]]:
        if "\x00" in text:
            raise InvalidArgument(
                "the statement contains the NUL character",
                [FieldViolation("body", "NUL character", "string.no_nul")],
            )
        records = [line + "\n" for line in text.split("\n")]
        records[-1] = records[-1][:-1]
        if not records[-1]:
            records.pop()
        buffered: list[str] = []
        start = self._line
        for physical in records:
            buffered.append(physical)
            self._line += 1
            joined = "".join(buffered)
            if joined.count('"') % 2 == 0:
                yield start, next(csv.reader([joined]))
                buffered, start = [], self._line
        if buffered:
            if final:
                raise InvalidArgument(
                    f"line {start}: a quoted field is never closed",
                    [FieldViolation(f"line {start}", "unclosed quote", "import.csv")],
                )
            # An open quote: keep it for the next chunk.
            self._pending = "".join(buffered) + self._pending
            self._line = start


def _header(row: list[str]) -> list[str]:
    names = [cell.strip() for cell in row]
    unknown = [name for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    if unknown or missing:
        problems = [
            *(
                FieldViolation(f"line 1.{name}", "unknown column", "import.column")
                for name in unknown
            ),
            *(
                FieldViolation(f"line 1.{name}", "required column missing", "import.column")
                for name in missing
            ),
        ]
        raise InvalidArgument(
            f"the header line must name the columns ({', '.join(COLUMNS)}); "
            f"{', '.join(v.field for v in problems)}",
            problems,
        )
    return names


def _draft(
    cells: dict[str, str], line: int, validator: protovalidate.Validator
) -> tuple[EventDraft | None, list[FieldViolation]]:
    label = f"line {line}"
    event = pb.AnalyticsEvent()
    found: list[FieldViolation] = []
    for column, value in cells.items():
        value = value.strip()
        if not value:
            continue
        name = COLUMNS[column]
        if column in TEXT:
            setattr(event, name, value)
        elif column == "occurredAt":
            try:
                event.occurred_at.FromJsonString(value)
            except (ParseError, ValueError):
                found.append(
                    FieldViolation(f"{label}.{name}", "not an RFC 3339 time", "import.time")
                )
        elif column == "amount":
            try:
                event.amount = float(value)
            except ValueError:
                found.append(FieldViolation(f"{label}.{name}", "not a number", "import.number"))
        elif column in COUNTS:
            try:
                setattr(event, name, int(value))
            except ValueError:
                found.append(
                    FieldViolation(f"{label}.{name}", "not a whole number", "import.integer")
                )
    if not found:
        found = [
            FieldViolation(f"{label}.{v.field}" if v.field else label, v.description, v.reason)
            for v in violations_of(event, validator)
        ]
    if found:
        return None, found
    return draft_of(event, label, line), []

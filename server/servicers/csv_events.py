"""A CSV statement (the import's raw body) decoded into event drafts, row by row, under the same
request rules as the events API: each row becomes an AnalyticsEvent message that protovalidate
checks, so both ways in share one rule set. Errors name `line <n>.<column>`."""

from __future__ import annotations

import codecs
import csv
from collections.abc import AsyncIterator, Iterator

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


async def decode_statement(
    chunks: AsyncIterator[bytes], validator: protovalidate.Validator
) -> list[EventDraft]:
    """Every row's draft, or InvalidArgument naming every bad row (up to 100)."""
    lines = _Lines()
    drafts: list[EventDraft] = []
    violations: list[FieldViolation] = []
    header: list[str] = []
    async for chunk in chunks:
        lines.feed(chunk)
        for line_number, row in lines.rows():
            if not header:
                header = _header(row)
                continue
            if not any(cell.strip() for cell in row):
                continue
            if len(drafts) >= MAX_ROWS:
                raise ImportTooLarge(f"over {MAX_ROWS} rows: split the file")
            draft = _draft(dict(zip(header, row, strict=False)), line_number, validator, violations)
            if draft is not None:
                drafts.append(draft)
            if len(violations) >= MAX_VIOLATIONS:
                raise refuse(violations, "invalid rows")
    for line_number, row in lines.finish():
        if not header:
            header = _header(row)
            continue
        if any(cell.strip() for cell in row):
            draft = _draft(dict(zip(header, row, strict=False)), line_number, validator, violations)
            if draft is not None:
                drafts.append(draft)
    if not header:
        raise InvalidArgument(
            "the body is empty: send a CSV statement with a header line",
            [FieldViolation("body", "empty", "import.empty")],
        )
    if violations:
        raise refuse(violations, "invalid rows")
    if not drafts:
        raise InvalidArgument(
            "the statement has no rows", [FieldViolation("body", "no rows", "import.empty")]
        )
    return drafts


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
    cells: dict[str, str],
    line: int,
    validator: protovalidate.Validator,
    violations: list[FieldViolation],
) -> EventDraft | None:
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
        violations.extend(found)
        return None
    return draft_of(event, label)

"""Analytics persistence (services.analytics.ports.AnalyticsStore) over SQLAlchemy.

Layout. `analytics_events` keeps every event once per (user, event id). In the transaction that
inserts events, the new ones (the insert's RETURNING: duplicates are skipped by the unique key,
so a re-sent event is never counted twice, even when two batches race) are folded into rollups:
- `analytics_hourly` / `analytics_quarter_hourly`: revenue per source and engagement per UTC
  hour / quarter hour. Any time zone's days and hours are sums of whole buckets
  (services.analytics.windows), so the series queries read at most ~9,000 (hourly) or ~35,000
  (quarter-hourly) rows for a year, never the events.
- `analytics_content_days`, `analytics_fan_days`: per content item / fan and UTC day. A window
  is its whole UTC days from these plus, at each end, the part of a UTC day inside the window,
  read from the events (an index range of under a day each).
- `analytics_fans`: each fan's lifetime (net spend, purchases, first and last purchase).
The rollups are computed in SQL (one INSERT ... SELECT ... GROUP BY per table, merged ON
CONFLICT in key order, so concurrent batches lock rows in the same order), by the same
statements for ingest and for `rebuild`. On PostgreSQL a batch is one statement: the rows as a
JSON recordset, the insert's RETURNING feeding every rollup through data-modifying WITH queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import FromClause
from sqlalchemy.sql.elements import ColumnElement

from services.analytics.model import REVENUE, SOURCES, Event
from services.analytics.ports import ContentTotals, FanSpend, FanValue, LibraryItem, Totals
from services.analytics.windows import DAY, EPOCH_WEEKDAY, HOUR, QUARTER_HOUR, Span
from services.db.bulk import ADD, MAX, MIN, insert_new_rows, merge_select
from services.db.models import (
    AnalyticsContentDayRow,
    AnalyticsEventRow,
    AnalyticsFanDayRow,
    AnalyticsFanRow,
    AnalyticsHourlyRow,
    AnalyticsQuarterHourlyRow,
    ContentRow,
)

EVENTS = AnalyticsEventRow.__table__
SERIES: dict[int, Table] = {
    HOUR: AnalyticsHourlyRow.__table__,  # type: ignore[dict-item]
    QUARTER_HOUR: AnalyticsQuarterHourlyRow.__table__,  # type: ignore[dict-item]
}
CONTENT_DAYS = AnalyticsContentDayRow.__table__
FANS = AnalyticsFanRow.__table__
FAN_DAYS = AnalyticsFanDayRow.__table__
ENGAGEMENT_COUNTS = ("views", "likes", "comments", "messages")
SERIES_COUNTERS = (*(f"{source}_cents" for source in SOURCES), *ENGAGEMENT_COUNTS)
# Rows per batch of a statement (and ids per IN list).
CHUNK = 1000
SERIES_WORK_MEM = "64MB"


def _chunks(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


class SqlAnalytics:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self._tuned = False

    # Ingest.

    async def add(self, user_id: str, events: Sequence[Event]) -> int:
        ordered = sorted(events, key=lambda event: event.id)
        accepted = 0
        for chunk in _chunks([_event_row(user_id, event) for event in ordered]):
            if self._postgres:
                accepted += await self._add_in_one_statement(chunk)
                continue
            new_ids = await insert_new_rows(
                self._session, EVENTS, chunk, ("user_id", "event_id"), "event_id"
            )
            if new_ids:
                ev = EVENTS.c
                for statement in _rollups(
                    EVENTS, and_(ev.user_id == user_id, ev.event_id.in_(new_ids))
                ):
                    await self._session.execute(statement)
            accepted += len(new_ids)
        return accepted

    async def _add_in_one_statement(self, rows: list[dict[str, Any]]) -> int:
        """PostgreSQL: the rows arrive as one JSON recordset; the insert's RETURNING (the new
        ones only) feeds every rollup in the same statement (data-modifying WITH queries), so
        the batch is parsed once and never read back."""
        payload = orjson.dumps(rows).decode()
        result = await self._session.execute(_batch_statement(), {"rows": payload})
        return int(result.scalar_one())

    async def rebuild(self, user_id: str) -> None:
        """Recompute the user's rollups from the events (after a bulk load of raw events, or to
        check the incremental ones: both must agree, and they share their statements)."""
        for table in (*SERIES.values(), CONTENT_DAYS, FAN_DAYS, FANS):
            await self._session.execute(table.delete().where(table.c.user_id == user_id))
        for statement in _rollups(EVENTS, EVENTS.c.user_id == user_id, postgres=self._postgres):
            await self._session.execute(statement)

    # Series.

    async def daily(self, user_id: str, spans: Sequence[Span], grain: int) -> dict[int, Totals]:
        table = SERIES[grain]
        day = (_local_seconds(table, spans, grain) // DAY).label("day")
        rows = await self._series(table, user_id, spans, grain, [day])
        return {row[0]: _totals(row[1:]) for row in rows}

    async def days_and_hours(
        self, user_id: str, spans: Sequence[Span], grain: int
    ) -> tuple[dict[int, Totals], dict[tuple[int, int], Totals]]:
        table = SERIES[grain]
        local = _local_seconds(table, spans, grain)
        day = (local // DAY).label("day")
        weekday = ((local // DAY + EPOCH_WEEKDAY) % 7).label("weekday")
        hour = ((local // HOUR) % 24).label("hour")
        if not self._postgres:
            days = await self._series(table, user_id, spans, grain, [day])
            cells = await self._series(table, user_id, spans, grain, [weekday, hour])
            return (
                {row[0]: _totals(row[1:]) for row in days},
                {(row[0], row[1]): _totals(row[2:]) for row in cells},
            )
        # One pass over the buckets: GROUPING SETS groups them by day and by (weekday, hour);
        # GROUPING(day) is 0 on the rows of the first set.
        rows = await self._series(
            table,
            user_id,
            spans,
            grain,
            [func.grouping(day), day, weekday, hour],
            func.grouping_sets(tuple_(day), tuple_(weekday, hour)),
        )
        by_day: dict[int, Totals] = {}
        by_cell: dict[tuple[int, int], Totals] = {}
        for row in rows:
            if row[0] == 0:
                by_day[row[1]] = _totals(row[4:])
            else:
                by_cell[(row[2], row[3])] = _totals(row[4:])
        return by_day, by_cell

    async def totals(self, user_id: str, spans: Sequence[Span], grain: int) -> Totals:
        rows = await self._series(SERIES[grain], user_id, spans, grain, [])
        return _totals(rows[0]) if rows else Totals()

    async def _series(
        self,
        table: Table,
        user_id: str,
        spans: Sequence[Span],
        grain: int,
        columns: list[ColumnElement[int]],
        grouping: ColumnElement[Any] | None = None,
    ) -> Sequence[Any]:
        """The counters' sums over the spans' buckets, after `columns`, grouped by `grouping`
        (default: by the columns; none: one row)."""
        await self._tune_for_series()
        statement = select(*columns, *(func.sum(table.c[name]) for name in SERIES_COUNTERS)).where(
            table.c.user_id == user_id,
            table.c.bucket >= spans[0].start // grain,
            table.c.bucket < spans[-1].end // grain,
        )
        if grouping is not None:
            statement = statement.group_by(grouping)
        elif columns:
            statement = statement.group_by(*columns)
        return (await self._session.execute(statement)).all()

    async def _tune_for_series(self) -> None:
        """PostgreSQL, once per unit of work. A year of quarter hours is ~35,000 rows a window:
        with the default 4 MB of work_mem, grouping them by day sorted on disk (65 ms
        measured); with 64 MB it hashes them in memory. And JIT off: a series plan costs
        around jit_above_cost, so the same query was JIT-compiled (+20-30 ms) in some runs and
        not in others."""
        if not self._postgres or self._tuned:
            return
        await self._session.execute(
            select(
                func.set_config("work_mem", SERIES_WORK_MEM, True),
                func.set_config("jit", "off", True),
            )
        )
        self._tuned = True

    # Windows of per-day rollups, with the partial UTC days at either end read from the events.

    async def content(self, user_id: str, start: int, end: int) -> list[ContentTotals]:
        rows = await self._content_sums(user_id, start, end, by_id=True)
        return [
            ContentTotals(row[0], row[1], int(row[2]), int(row[3]), int(row[4]), int(row[5]))
            for row in rows
        ]

    async def content_types(self, user_id: str, start: int, end: int) -> list[ContentTotals]:
        rows = await self._content_sums(user_id, start, end, by_id=False)
        return [
            ContentTotals("", row[0], int(row[1]), int(row[2]), int(row[3]), int(row[4]))
            for row in rows
            if row[0]
        ]

    async def _content_sums(
        self, user_id: str, start: int, end: int, *, by_id: bool
    ) -> Sequence[Any]:
        """Revenue, views, likes and comments per (content id,) content type over [start, end)."""
        days = CONTENT_DAYS.c
        whole = self._whole_days(start, end)
        parts = []
        if whole is not None:
            parts.append(
                select(
                    days.content_id,
                    days.content_type,
                    days.revenue_cents,
                    days.views,
                    days.likes,
                    days.comments,
                ).where(days.user_id == user_id, days.day >= whole[0], days.day < whole[1])
            )
        ev = EVENTS.c
        for low, high in self._edges(start, end, whole):
            parts.append(
                select(
                    ev.content_id,
                    ev.content_type,
                    ev.amount_cents.label("revenue_cents"),
                    ev.views,
                    ev.likes,
                    ev.comments,
                ).where(
                    ev.user_id == user_id,
                    ev.occurred_ms >= low * 1000,
                    ev.occurred_ms < high * 1000,
                    (ev.content_id != "") | (ev.content_type != ""),
                )
            )
        if not parts:
            return []
        rows = union_all(*parts).subquery()
        keys = [rows.c.content_id, rows.c.content_type] if by_id else [rows.c.content_type]
        statement = select(
            *keys,
            func.sum(rows.c.revenue_cents),
            func.sum(rows.c.views),
            func.sum(rows.c.likes),
            func.sum(rows.c.comments),
        ).group_by(*keys)
        return (await self._session.execute(statement)).all()

    async def fan_spend(self, user_id: str, start: int, end: int) -> dict[str, FanSpend]:
        days = FAN_DAYS.c
        whole = self._whole_days(start, end)
        parts = []
        if whole is not None:
            parts.append(
                select(days.fan_id, days.net_cents, days.purchases).where(
                    days.user_id == user_id, days.day >= whole[0], days.day < whole[1]
                )
            )
        ev = EVENTS.c
        for low, high in self._edges(start, end, whole):
            parts.append(
                select(
                    ev.fan_id,
                    ev.amount_cents.label("net_cents"),
                    case((ev.amount_cents > 0, 1), else_=0).label("purchases"),
                ).where(
                    ev.user_id == user_id,
                    ev.occurred_ms >= low * 1000,
                    ev.occurred_ms < high * 1000,
                    ev.type == REVENUE,
                    ev.fan_id != "",
                )
            )
        if not parts:
            return {}
        rows = union_all(*parts).subquery()
        statement = select(
            rows.c.fan_id, func.sum(rows.c.net_cents), func.sum(rows.c.purchases)
        ).group_by(rows.c.fan_id)
        return {
            row[0]: FanSpend(int(row[1]), int(row[2]))
            for row in (await self._session.execute(statement)).all()
        }

    @staticmethod
    def _whole_days(start: int, end: int) -> tuple[int, int] | None:
        """The UTC day numbers [first, last) wholly inside [start, end), if any."""
        first, last = -(-start // DAY), end // DAY
        return (first, last) if first < last else None

    @staticmethod
    def _edges(start: int, end: int, whole: tuple[int, int] | None) -> list[tuple[int, int]]:
        if whole is None:
            return [(start, end)] if start < end else []
        edges = [(start, whole[0] * DAY), (whole[1] * DAY, end)]
        return [(low, high) for low, high in edges if low < high]

    # Fans.

    async def first_purchases(self, user_id: str, start: int, end: int) -> dict[str, int]:
        fans = FANS.c
        statement = select(fans.fan_id, fans.first_purchase_ms).where(
            fans.user_id == user_id,
            fans.first_purchase_ms >= start * 1000,
            fans.first_purchase_ms < end * 1000,
        )
        return {row[0]: int(row[1]) for row in (await self._session.execute(statement)).all()}

    async def top_fans(self, user_id: str, limit: int) -> list[FanValue]:
        fans = FANS.c
        statement = (
            select(
                fans.fan_id,
                fans.net_cents,
                fans.purchases,
                fans.first_purchase_ms,
                fans.last_purchase_ms,
            )
            .where(fans.user_id == user_id)
            .order_by(fans.net_cents.desc(), fans.fan_id)
            .limit(limit)
        )
        return [
            FanValue(row[0], int(row[1]), int(row[2]), row[3], row[4])
            for row in (await self._session.execute(statement)).all()
        ]

    async def first_event_ms(self, user_id: str) -> int | None:
        statement = select(func.min(EVENTS.c.occurred_ms)).where(EVENTS.c.user_id == user_id)
        value = (await self._session.execute(statement)).scalar()
        return int(value) if value is not None else None

    async def library(self, user_id: str, content_ids: Sequence[str]) -> dict[str, LibraryItem]:
        if not content_ids:
            return {}
        items = ContentRow.__table__.c
        found: dict[str, LibraryItem] = {}
        unique = sorted(set(content_ids))
        for start in range(0, len(unique), CHUNK):
            ids = unique[start : start + CHUNK]
            # One array parameter on PostgreSQL: the statement stays the same whatever the
            # count (an IN list of n parameters is compiled anew for every n).
            among = (
                items.id == any_(bindparam("ids", ids, type_=postgresql.ARRAY(String)))
                if self._postgres
                else items.id.in_(ids)
            )
            statement = select(items.id, items.title, items.type).where(
                items.user_id == user_id, among
            )
            for row in (await self._session.execute(statement)).all():
                found[row[0]] = LibraryItem(row[1], row[2])
        return found


def _event_row(user_id: str, event: Event) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "event_id": event.id,
        "type": event.type,
        "occurred_ms": event.occurred_ms,
        "platform": event.platform,
        "source": event.source,
        "amount_cents": event.amount_cents,
        "fan_id": event.fan_id,
        "content_id": event.content_id,
        "content_type": event.content_type,
        "views": event.views,
        "likes": event.likes,
        "comments": event.comments,
        "messages": event.messages,
    }


@cache
def _batch_statement() -> Any:
    """PostgreSQL's one statement for a batch (SqlAnalytics._add_in_one_statement), built once:
    building it anew for every batch cost ~4 ms of Python (measured with py-spy)."""
    names = [column.name for column in EVENTS.columns]
    incoming = func.json_populate_recordset(
        literal_column(f"NULL::{EVENTS.name}"), cast(bindparam("rows", type_=String), JSON)
    ).table_valued(*names)
    new = (
        postgresql.insert(EVENTS)
        .from_select(names, select(*(incoming.c[name] for name in names)))
        .on_conflict_do_nothing(index_elements=["user_id", "event_id"])
        .returning(*EVENTS.columns)
        .cte("new")
    )
    rollups = [
        statement.cte(f"rollup_{index}")
        for index, statement in enumerate(_rollups(new, true(), postgres=True))
    ]
    return select(func.count()).select_from(new).add_cte(*rollups)


def _local_seconds(table: Table, spans: Sequence[Span], grain: int) -> ColumnElement[int]:
    """A bucket's start in local seconds since the epoch: its UTC start plus the offset of the
    span it falls in."""
    bucket = table.c.bucket
    if len(spans) == 1:
        offset: ColumnElement[int] = literal(spans[0].offset)
    else:
        offset = case(
            *((bucket < span.end // grain, literal(span.offset)) for span in spans[:-1]),
            else_=literal(spans[-1].offset),
        )
    return bucket * grain + offset


def _totals(values: Sequence[Any]) -> Totals:
    revenue = {source: int(value) for source, value in zip(SOURCES, values, strict=False) if value}
    counts = [int(value or 0) for value in values[len(SOURCES) :]]
    return Totals(revenue, *counts)


def _rollups(
    source: FromClause, events: ColumnElement[bool], *, postgres: bool = False
) -> list[Any]:
    """The statements adding the events `events` selects from `source` (rows shaped as
    analytics_events) to every rollup: one INSERT ... SELECT ... GROUP BY per rollup table,
    merging into stored rows (ON CONFLICT) in key order, so concurrent batches lock rows in
    the same order. Ingest and rebuild share them."""
    ev = source.c
    revenue = ev.type == REVENUE
    day = ev.occurred_ms // (DAY * 1000)
    fan_events = and_(events, revenue, ev.fan_id != "")
    purchase = case((ev.amount_cents > 0, 1), else_=0)
    purchased_at = case((ev.amount_cents > 0, ev.occurred_ms), else_=None)

    def merged(
        table: Table, keys: tuple[str, ...], columns: list[Any], where: Any, merge: dict[str, str]
    ) -> Any:
        groups = columns[: len(keys)]
        rows = select(*columns).select_from(source).where(where).group_by(*groups)
        return merge_select(table, keys, rows.order_by(*groups), merge, postgres=postgres)

    statements = []
    for grain, table in SERIES.items():
        bucket = ev.occurred_ms // (grain * 1000)
        sums = [
            func.sum(case((and_(revenue, ev.source == kind), ev.amount_cents), else_=0))
            for kind in SOURCES
        ] + [func.sum(ev[name]) for name in ENGAGEMENT_COUNTS]
        statements.append(
            merged(
                table,
                ("user_id", "bucket"),
                [ev.user_id, bucket, *sums],
                events,
                dict.fromkeys(SERIES_COUNTERS, ADD),
            )
        )
    statements.append(
        merged(
            CONTENT_DAYS,
            ("user_id", "content_id", "content_type", "day"),
            [
                ev.user_id,
                ev.content_id,
                ev.content_type,
                day,
                func.sum(ev.amount_cents),
                func.sum(ev.views),
                func.sum(ev.likes),
                func.sum(ev.comments),
            ],
            and_(events, (ev.content_id != "") | (ev.content_type != "")),
            dict.fromkeys(("revenue_cents", "views", "likes", "comments"), ADD),
        )
    )
    statements.append(
        merged(
            FAN_DAYS,
            ("user_id", "fan_id", "day"),
            [ev.user_id, ev.fan_id, day, func.sum(ev.amount_cents), func.sum(purchase)],
            fan_events,
            dict.fromkeys(("net_cents", "purchases"), ADD),
        )
    )
    statements.append(
        merged(
            FANS,
            ("user_id", "fan_id"),
            [
                ev.user_id,
                ev.fan_id,
                func.sum(ev.amount_cents),
                func.sum(purchase),
                func.min(purchased_at),
                func.max(purchased_at),
            ],
            fan_events,
            {"net_cents": ADD, "purchases": ADD, "first_purchase_ms": MIN, "last_purchase_ms": MAX},
        )
    )
    return statements

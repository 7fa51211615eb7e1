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
Rollup rows are upserted in key order, so concurrent batches lock them in the same order; each
upsert is one statement per table (services.db.bulk).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from services.analytics.model import REVENUE, SOURCES, Event
from services.analytics.ports import ContentTotals, FanSpend, FanValue, LibraryItem, Totals
from services.analytics.windows import DAY, EPOCH_WEEKDAY, HOUR, QUARTER_HOUR, Span
from services.db.bulk import ADD, MAX, MIN, insert_rows
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

    # Ingest.

    async def add(self, user_id: str, events: Sequence[Event]) -> int:
        ordered = sorted(events, key=lambda event: event.id)
        new_ids: set[str] = set()
        for chunk in _chunks([_event_row(user_id, event) for event in ordered]):
            inserted = await insert_rows(
                self._session, EVENTS, chunk, ("user_id", "event_id"), returning="event_id"
            )
            new_ids.update(inserted)
        new = [event for event in ordered if event.id in new_ids]
        if new:
            await self._fold(user_id, new)
        return len(new)

    async def _fold(self, user_id: str, events: list[Event]) -> None:
        for grain, table in SERIES.items():
            await self._add_up(table, ("user_id", "bucket"), _series_rows(user_id, events, grain))
        await self._add_up(
            CONTENT_DAYS,
            ("user_id", "content_id", "content_type", "day"),
            _content_rows(user_id, events),
        )
        await self._add_up(FAN_DAYS, ("user_id", "fan_id", "day"), _fan_day_rows(user_id, events))
        merge = {
            "net_cents": ADD,
            "purchases": ADD,
            "first_purchase_ms": MIN,
            "last_purchase_ms": MAX,
        }
        for chunk in _chunks(_fan_rows(user_id, events)):
            await insert_rows(self._session, FANS, chunk, ("user_id", "fan_id"), merge=merge)

    async def _add_up(
        self, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]]
    ) -> None:
        """Insert each row, or add its counters to the stored row with the same key."""
        for chunk in _chunks(rows):
            merge = dict.fromkeys((name for name in chunk[0] if name not in keys), ADD)
            await insert_rows(self._session, table, chunk, keys, merge=merge)

    async def rebuild(self, user_id: str) -> None:
        """Recompute the user's rollups from the events (after a bulk load of raw events, or to
        check the incremental ones: both must agree)."""
        ev = EVENTS.c
        mine = ev.user_id == user_id
        for table in (*SERIES.values(), CONTENT_DAYS, FAN_DAYS, FANS):
            await self._session.execute(table.delete().where(table.c.user_id == user_id))
        revenue = ev.type == REVENUE
        for grain, table in SERIES.items():
            bucket = ev.occurred_ms // (grain * 1000)
            sums = [
                func.sum(case((and_(revenue, ev.source == source), ev.amount_cents), else_=0))
                for source in SOURCES
            ] + [func.sum(ev[name]) for name in ENGAGEMENT_COUNTS]
            await self._session.execute(
                table.insert().from_select(
                    ["user_id", "bucket", *SERIES_COUNTERS],
                    select(ev.user_id, bucket, *sums).where(mine).group_by(ev.user_id, bucket),
                )
            )
        day = ev.occurred_ms // (DAY * 1000)
        await self._session.execute(
            CONTENT_DAYS.insert().from_select(
                [
                    "user_id",
                    "content_id",
                    "content_type",
                    "day",
                    "revenue_cents",
                    "views",
                    "likes",
                    "comments",
                ],
                select(
                    ev.user_id,
                    ev.content_id,
                    ev.content_type,
                    day,
                    func.sum(ev.amount_cents),
                    func.sum(ev.views),
                    func.sum(ev.likes),
                    func.sum(ev.comments),
                )
                .where(mine, (ev.content_id != "") | (ev.content_type != ""))
                .group_by(ev.user_id, ev.content_id, ev.content_type, day),
            )
        )
        fan_events = and_(mine, revenue, ev.fan_id != "")
        purchase = case((ev.amount_cents > 0, 1), else_=0)
        await self._session.execute(
            FAN_DAYS.insert().from_select(
                ["user_id", "fan_id", "day", "net_cents", "purchases"],
                select(ev.user_id, ev.fan_id, day, func.sum(ev.amount_cents), func.sum(purchase))
                .where(fan_events)
                .group_by(ev.user_id, ev.fan_id, day),
            )
        )
        purchased_at = case((ev.amount_cents > 0, ev.occurred_ms), else_=None)
        await self._session.execute(
            FANS.insert().from_select(
                [
                    "user_id",
                    "fan_id",
                    "net_cents",
                    "purchases",
                    "first_purchase_ms",
                    "last_purchase_ms",
                ],
                select(
                    ev.user_id,
                    ev.fan_id,
                    func.sum(ev.amount_cents),
                    func.sum(purchase),
                    func.min(purchased_at),
                    func.max(purchased_at),
                )
                .where(fan_events)
                .group_by(ev.user_id, ev.fan_id),
            )
        )

    # Series.

    async def daily(self, user_id: str, spans: Sequence[Span], grain: int) -> dict[int, Totals]:
        table = SERIES[grain]
        local = _local_seconds(table, spans, grain)
        day = (local // DAY).label("day")
        rows = await self._series(table, user_id, spans, grain, [day])
        return {row[0]: _totals(row[1:]) for row in rows}

    async def weekly_profile(
        self, user_id: str, spans: Sequence[Span], grain: int
    ) -> dict[tuple[int, int], Totals]:
        table = SERIES[grain]
        local = _local_seconds(table, spans, grain)
        weekday = ((local // DAY + EPOCH_WEEKDAY) % 7).label("weekday")
        hour = ((local // HOUR) % 24).label("hour")
        rows = await self._series(table, user_id, spans, grain, [weekday, hour])
        return {(row[0], row[1]): _totals(row[2:]) for row in rows}

    async def totals(self, user_id: str, spans: Sequence[Span], grain: int) -> Totals:
        rows = await self._series(SERIES[grain], user_id, spans, grain, [])
        return _totals(rows[0]) if rows else Totals()

    async def _series(
        self,
        table: Table,
        user_id: str,
        spans: Sequence[Span],
        grain: int,
        groups: list[ColumnElement[int]],
    ) -> Sequence[Any]:
        if self._session.get_bind().dialect.name == "postgresql":
            # A year of quarter hours is ~35,000 rows a window: with the default 4 MB, grouping
            # them by day sorted on disk (65 ms measured); in memory it hashes them.
            await self._session.execute(text(f"SET LOCAL work_mem = '{SERIES_WORK_MEM}'"))
        statement = select(*groups, *(func.sum(table.c[name]) for name in SERIES_COUNTERS)).where(
            table.c.user_id == user_id,
            table.c.bucket >= spans[0].start // grain,
            table.c.bucket < spans[-1].end // grain,
        )
        if groups:
            statement = statement.group_by(*groups)
        return (await self._session.execute(statement)).all()

    # Windows of per-day rollups, with the partial UTC days at either end read from the events.

    async def content(self, user_id: str, start: int, end: int) -> list[ContentTotals]:
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
        statement = select(
            rows.c.content_id,
            rows.c.content_type,
            func.sum(rows.c.revenue_cents),
            func.sum(rows.c.views),
            func.sum(rows.c.likes),
            func.sum(rows.c.comments),
        ).group_by(rows.c.content_id, rows.c.content_type)
        return [
            ContentTotals(row[0], row[1], int(row[2]), int(row[3]), int(row[4]), int(row[5]))
            for row in (await self._session.execute(statement)).all()
        ]

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
        postgres = self._session.get_bind().dialect.name == "postgresql"
        for start in range(0, len(unique), CHUNK):
            ids = unique[start : start + CHUNK]
            # One array parameter on PostgreSQL: the statement stays the same whatever the
            # count (an IN list of n parameters is compiled anew for every n).
            among = (
                items.id == any_(bindparam("ids", ids, type_=postgresql.ARRAY(String)))
                if postgres
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


def _sorted_rows(
    user_id: str, sums: dict[tuple[Any, ...], dict[str, int]], keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    return [
        {"user_id": user_id, **dict(zip(keys, key, strict=True)), **counters}
        for key, counters in sorted(sums.items())
    ]


def _series_rows(user_id: str, events: list[Event], grain: int) -> list[dict[str, Any]]:
    sums: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(SERIES_COUNTERS, 0)
    )
    for event in events:
        counters = sums[(event.occurred_ms // 1000 // grain,)]
        if event.type == REVENUE:
            counters[f"{event.source}_cents"] += event.amount_cents
        else:
            for name in ENGAGEMENT_COUNTS:
                counters[name] += getattr(event, name)
    return _sorted_rows(user_id, sums, ("bucket",))


def _content_rows(user_id: str, events: list[Event]) -> list[dict[str, Any]]:
    names = ("revenue_cents", "views", "likes", "comments")
    sums: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: dict.fromkeys(names, 0))
    for event in events:
        if not (event.content_id or event.content_type):
            continue
        key = (event.content_id, event.content_type, event.occurred_ms // 1000 // DAY)
        counters = sums[key]
        counters["revenue_cents"] += event.amount_cents
        counters["views"] += event.views
        counters["likes"] += event.likes
        counters["comments"] += event.comments
    return _sorted_rows(user_id, sums, ("content_id", "content_type", "day"))


def _fan_events(events: list[Event]) -> list[Event]:
    return [event for event in events if event.type == REVENUE and event.fan_id]


def _fan_day_rows(user_id: str, events: list[Event]) -> list[dict[str, Any]]:
    sums: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
        lambda: {"net_cents": 0, "purchases": 0}
    )
    for event in _fan_events(events):
        counters = sums[(event.fan_id, event.occurred_ms // 1000 // DAY)]
        counters["net_cents"] += event.amount_cents
        counters["purchases"] += int(event.amount_cents > 0)
    return _sorted_rows(user_id, sums, ("fan_id", "day"))


def _fan_rows(user_id: str, events: list[Event]) -> list[dict[str, Any]]:
    fans: dict[str, dict[str, Any]] = {}
    for event in _fan_events(events):
        fan = fans.setdefault(
            event.fan_id,
            {"net_cents": 0, "purchases": 0, "first_purchase_ms": None, "last_purchase_ms": None},
        )
        fan["net_cents"] += event.amount_cents
        if event.amount_cents > 0:
            fan["purchases"] += 1
            first, last = fan["first_purchase_ms"], fan["last_purchase_ms"]
            fan["first_purchase_ms"] = (
                event.occurred_ms if first is None else min(first, event.occurred_ms)
            )
            fan["last_purchase_ms"] = (
                event.occurred_ms if last is None else max(last, event.occurred_ms)
            )
    return [{"user_id": user_id, "fan_id": fan_id, **fans[fan_id]} for fan_id in sorted(fans)]


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

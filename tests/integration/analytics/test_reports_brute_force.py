"""Every report against a brute-force computation over the raw events, for random events,
windows and time zones (DST changes, half- and quarter-hour offsets, a half-hour DST shift),
on SQLite and PostgreSQL. Events cluster around the zones' local midnights and offset changes,
where a bucketing mistake would show. Also: the incremental rollups equal a rebuild from the
events, and re-sent events change nothing."""

from __future__ import annotations

import random
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from support.clock import FakeClock
from support.fakes import an_account

from services.analytics.forecast import MAX_DAYS, project
from services.analytics.ingest import EventDraft, EventIntake
from services.analytics.model import SOURCES
from services.analytics.reports import (
    AnalyticsReports,
    WindowQuery,
    growth,
    rate,
)
from services.analytics.windows import local_date
from services.common.ids import new_id
from services.common.principal import Principal
from services.db import SqlUnitOfWorkFactory
from services.users.model import Profile

NOW = datetime(2026, 11, 28, 15, 30, tzinfo=UTC)
ZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",  # +5:30
    "Asia/Kathmandu",  # +5:45
    "Australia/Lord_Howe",  # +10:30, +11 in summer: a half-hour DST shift
    "America/St_Johns",  # -3:30 with DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "Pacific/Kiritimati",  # +14
    "America/Santiago",
)
SCENARIOS = 12
ROLLUP_TABLES = (
    "analytics_hourly",
    "analytics_quarter_hourly",
    "analytics_content_days",
    "analytics_fans",
    "analytics_fan_days",
)


@dataclass
class Scenario:
    rng: random.Random
    zone: zoneinfo.ZoneInfo
    drafts: list[EventDraft]


def _moments(rng: random.Random, zone: zoneinfo.ZoneInfo) -> list[datetime]:
    """Uniform over ~14 months, plus a second either side of local midnights and of the offset
    changes (found by sampling the offset every hour)."""
    start = NOW - timedelta(days=420)
    moments = [start + timedelta(seconds=rng.randrange(420 * 86400)) for _ in range(220)]
    for _ in range(60):
        day = (NOW - timedelta(days=rng.randrange(1, 415))).astimezone(zone).date()
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
        moments.append(midnight + timedelta(seconds=rng.choice([-1, 0, 1, 1799, 1800, 2700])))
    probe, previous = start, start.astimezone(zone).utcoffset()
    while probe < NOW:
        offset = probe.astimezone(zone).utcoffset()
        if offset != previous:
            moments += [probe + timedelta(seconds=s) for s in (-3601, -1, 0, 1, 3599)]
            previous = offset
        probe += timedelta(hours=1)
    return [m for m in moments if m < NOW]


def scenario(seed: int) -> Scenario:
    rng = random.Random(seed)
    zone = zoneinfo.ZoneInfo(ZONES[seed % len(ZONES)])
    fans = [f"fan-{i}" for i in range(rng.randint(3, 25))]
    contents = [f"post-{i}" for i in range(rng.randint(1, 8))]
    drafts = []
    for index, moment in enumerate(_moments(rng, zone)):
        kind = rng.choice(("revenue", "revenue", "engagement"))
        common = {
            "label": f"events[{index}]",
            "position": index,
            "id": f"e{index}",
            "type": kind,
            "occurred_ms": int(moment.timestamp()) * 1000,
            "platform": rng.choice(("", "onlyfans", "instagram")),
            "content_id": rng.choice(("", *contents)),
            "content_type": rng.choice(("", "photo", "video")),
        }
        if kind == "revenue":
            cents = rng.choice((rng.randint(1, 50_000), rng.randint(1, 999), -rng.randint(1, 3000)))
            drafts.append(
                EventDraft(
                    **common,
                    source=rng.choice(SOURCES),
                    amount=cents / 100,
                    fan_id=rng.choice(("", *fans)),
                )
            )
        else:
            drafts.append(
                EventDraft(
                    **common,
                    views=rng.randint(0, 5000),
                    likes=rng.randint(0, 300),
                    comments=rng.randint(0, 50),
                    messages=rng.randint(0, 20),
                )
            )
    return Scenario(rng, zone, drafts)


def random_window(rng: random.Random, zone: zoneinfo.ZoneInfo) -> WindowQuery:
    if rng.random() < 0.4:
        return WindowQuery(period=rng.choice(("7d", "30d", "90d", "1y")), timezone=zone.key)
    last = NOW.date() - timedelta(days=rng.randrange(0, 200))
    first = last - timedelta(days=rng.randrange(0, 200))
    return WindowQuery(start_date=first.isoformat(), end_date=last.isoformat(), timezone=zone.key)


def window_days(query: WindowQuery, zone: zoneinfo.ZoneInfo) -> tuple[date, date]:
    if query.start_date:
        return date.fromisoformat(query.start_date), date.fromisoformat(query.end_date)
    days = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}[query.period]
    today = NOW.astimezone(zone).date()
    return today - timedelta(days=days - 1), today


def cents(draft: EventDraft) -> int:
    return round((draft.amount or 0) * 100)


class BruteForce:
    """The reports, computed from the drafts alone, one event at a time."""

    def __init__(self, drafts: list[EventDraft], zone: zoneinfo.ZoneInfo) -> None:
        self.drafts = drafts
        self.zone = zone

    def day(self, draft: EventDraft) -> date:
        return local_date(draft.occurred_ms / 1000, self.zone)

    def within(self, first: date, last: date) -> list[EventDraft]:
        return [d for d in self.drafts if first <= self.day(d) <= last]

    def revenue(self, first: date, last: date) -> dict[str, object]:
        length = (last - first).days + 1
        by_day: dict[date, int] = defaultdict(int)
        by_source: dict[str, int] = defaultdict(int)
        for draft in self.within(first, last):
            if draft.type == "revenue":
                by_day[self.day(draft)] += cents(draft)
                by_source[draft.source] += cents(draft)
        previous = sum(
            cents(d)
            for d in self.within(first - timedelta(days=length), first - timedelta(days=1))
            if d.type == "revenue"
        )
        total = sum(by_day.values())
        return {
            "total": total,
            "by_day": [
                (first + timedelta(days=i), by_day[first + timedelta(days=i)])
                for i in range(length)
            ],
            "by_source": {s: c for s, c in by_source.items() if c},
            "growth": growth(total, previous),
        }

    def engagement(self, first: date, last: date) -> dict[str, object]:
        inside = [d for d in self.within(first, last) if d.type == "engagement"]
        hours = [[0, 0] for _ in range(24)]
        weekdays = [[0, 0] for _ in range(7)]
        kinds: dict[str, list[int]] = {}
        for draft in inside:
            local = datetime.fromtimestamp(draft.occurred_ms / 1000, self.zone)
            interactions = draft.likes + draft.comments + draft.messages
            hours[local.hour][0] += interactions
            hours[local.hour][1] += draft.views
            weekdays[local.weekday()][0] += interactions
            weekdays[local.weekday()][1] += draft.views
            if draft.content_type:
                pair = kinds.setdefault(draft.content_type, [0, 0])
                pair[0] += draft.likes + draft.comments
                pair[1] += draft.views
        return {
            "views": sum(d.views for d in inside),
            "likes": sum(d.likes for d in inside),
            "messages": sum(d.messages for d in inside),
            "hours": hours,
            "weekdays": weekdays,
            "kinds": {k: rate(*pair) for k, pair in kinds.items() if any(pair)},
        }

    def content(self, first: date, last: date) -> dict[str, tuple[int, int]]:
        found: dict[str, list[int]] = {}
        for draft in self.within(first, last):
            if draft.content_id:
                pair = found.setdefault(draft.content_id, [0, 0])
                pair[0] += cents(draft) if draft.type == "revenue" else 0
                pair[1] += draft.views
        return {key: (pair[0], pair[1]) for key, pair in found.items()}

    def fans(self, first: date, last: date) -> dict[str, object]:
        firsts: dict[str, int] = {}
        for draft in self.drafts:
            if draft.type == "revenue" and draft.fan_id and cents(draft) > 0:
                known = firsts.get(draft.fan_id)
                firsts[draft.fan_id] = min(known or draft.occurred_ms, draft.occurred_ms)
        spend: dict[str, list[int]] = {}
        for draft in self.within(first, last):
            if draft.type == "revenue" and draft.fan_id:
                pair = spend.setdefault(draft.fan_id, [0, 0])
                pair[0] += cents(draft)
                pair[1] += int(cents(draft) > 0)
        paying = {fan for fan, pair in spend.items() if pair[1] > 0}
        new = {fan for fan in paying if first <= local_date(firsts[fan] / 1000, self.zone) <= last}
        return {
            "paying": len(paying),
            "new": len(new),
            "new_cents": sum(spend[fan][0] for fan in new),
            "paying_cents": sum(spend[fan][0] for fan in paying),
        }

    def daily_revenue(self, first: date, days: int) -> list[float]:
        by_day: dict[date, int] = defaultdict(int)
        for draft in self.drafts:
            if draft.type == "revenue":
                by_day[self.day(draft)] += cents(draft)
        return [by_day[first + timedelta(days=i)] / 100 for i in range(days)]


async def _new_user(uow_factory: SqlUnitOfWorkFactory, zone: str = "") -> Principal:
    account = an_account(email=f"{new_id()}@example.com", profile=Profile(timezone=zone))
    async with uow_factory() as uow:
        await uow.users.add(account)
        await uow.commit()
    return Principal(user_id=account.id, plan="pro")


@pytest.mark.parametrize("seed", range(SCENARIOS))
async def test_reports_equal_brute_force(uow_factory: SqlUnitOfWorkFactory, seed: int) -> None:
    world = scenario(seed)
    clock = FakeClock(NOW)
    intake = EventIntake(uow_factory, clock=clock)
    reports = AnalyticsReports(uow_factory, clock=clock)
    caller = await _new_user(uow_factory)
    drafts = world.drafts[:]
    world.rng.shuffle(drafts)
    for start in range(0, len(drafts), 97):  # uneven batches, in random order
        await intake.ingest(caller, drafts[start : start + 97])
    resent = await intake.ingest(caller, drafts[:50])
    assert (resent.accepted, resent.duplicates) == (0, 50)
    truth = BruteForce(world.drafts, world.zone)

    for _ in range(4):
        query = random_window(world.rng, world.zone)
        first, last = window_days(query, world.zone)
        context = (seed, world.zone.key, query)

        expected = truth.revenue(first, last)
        got = await reports.revenue(caller, query)
        assert got.by_day == expected["by_day"], context
        assert got.total_cents == expected["total"], context
        assert got.by_source == expected["by_source"], context
        assert got.growth == expected["growth"], context

        engaged = truth.engagement(first, last)
        report = await reports.engagement(caller, query)
        assert report.totals.views == engaged["views"], context
        assert report.totals.likes == engaged["likes"], context
        assert report.totals.messages == engaged["messages"], context
        assert [[h.interactions, h.views] for h in report.by_hour] == engaged["hours"], context
        assert [[d.interactions, d.views] for d in report.by_weekday] == engaged["weekdays"], (
            context
        )
        assert report.rate_by_content_type == engaged["kinds"], context

        performance = await reports.performance(caller, query, 50)
        content = truth.content(first, last)
        assert {c.content_id: (c.revenue_cents, c.views) for c in performance.top} == content, (
            context
        )

        fans = await reports.fans(caller, query, 5)
        expected_fans = truth.fans(first, last)
        assert fans.paying_fans == expected_fans["paying"], context
        assert fans.new_fans == expected_fans["new"], context
        assert fans.new_cents == expected_fans["new_cents"], context
        assert fans.new_cents + fans.returning_cents == expected_fans["paying_cents"], context


async def test_cohorts_and_forecast_equal_brute_force(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = scenario(7)  # Australia/Lord_Howe
    zone = world.zone
    clock = FakeClock(NOW)
    intake = EventIntake(uow_factory, clock=clock)
    reports = AnalyticsReports(uow_factory, clock=clock)
    caller = await _new_user(uow_factory, zone.key)
    await intake.ingest(caller, world.drafts[:1000])
    truth = BruteForce(world.drafts[:1000], zone)

    cohorts = await reports.cohorts(caller, 12, "")
    firsts: dict[str, date] = {}
    for draft in sorted(truth.drafts, key=lambda d: d.occurred_ms):
        if draft.type == "revenue" and draft.fan_id and cents(draft) > 0:
            firsts.setdefault(draft.fan_id, truth.day(draft))
    for cohort in cohorts:
        members = {fan for fan, day in firsts.items() if day.strftime("%Y-%m") == cohort.month}
        assert cohort.fans == len(members), cohort.month
        for since, (share, revenue) in enumerate(
            zip(cohort.retention, cohort.revenue_cents, strict=True)
        ):
            year, month = divmod(int(cohort.month[:4]) * 12 + int(cohort.month[5:]) - 1 + since, 12)
            label = f"{year:04d}-{month + 1:02d}"
            bought = {
                d.fan_id
                for d in truth.drafts
                if d.type == "revenue"
                and d.fan_id in members
                and cents(d) > 0
                and truth.day(d).strftime("%Y-%m") == label
            }
            spent = sum(
                cents(d)
                for d in truth.drafts
                if d.type == "revenue"
                and d.fan_id in members
                and truth.day(d).strftime("%Y-%m") == label
            )
            assert revenue == spent, (cohort.month, since)
            assert share == (round(len(bought) / len(members), 4) if members else 0.0)

    forecast = await reports.forecast(caller, "")
    today = NOW.astimezone(zone).date()
    first = max(min(truth.day(d) for d in truth.drafts), today - timedelta(days=MAX_DAYS))
    history = truth.daily_revenue(first, (today - first).days)
    fit = project(history, first.weekday(), 30)
    assert forecast.model == fit.model == "weekly_trend"
    assert forecast.history_days == len(history)
    assert [day.expected for day in forecast.days] == [round(v, 2) for v in fit.expected]
    assert forecast.days[0].day == today + timedelta(days=1)


async def test_incremental_rollups_equal_a_rebuild(uow_factory: SqlUnitOfWorkFactory) -> None:
    world = scenario(3)
    intake = EventIntake(uow_factory, clock=FakeClock(NOW))
    caller = await _new_user(uow_factory)
    for start in range(0, len(world.drafts), 50):
        await intake.ingest(caller, world.drafts[start : start + 50])

    async def snapshot() -> dict[str, list[tuple[object, ...]]]:
        async with uow_factory(write=False) as uow:
            return {
                table: [
                    tuple(row)
                    for row in await uow.session.execute(
                        text(f"SELECT * FROM {table} WHERE user_id = :u ORDER BY 1, 2, 3"),
                        {"u": caller.user_id},
                    )
                ]
                for table in ROLLUP_TABLES
            }

    incremental = await snapshot()
    assert all(incremental.values())
    async with uow_factory() as uow:
        await uow.analytics.rebuild(caller.user_id)
        await uow.commit()
    rebuilt = await snapshot()
    for table in ROLLUP_TABLES:
        assert sorted(incremental[table]) == sorted(rebuilt[table]), table

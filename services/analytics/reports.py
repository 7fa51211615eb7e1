"""The analytics reports: revenue, engagement, content performance, fans, cohorts and the
forecast, each over a window of whole days in the caller's time zone (services.analytics.windows)
and exact: money is summed in integer cents and only turned into dollars here."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from services.analytics.forecast import MAX_DAYS, project
from services.analytics.model import SOURCES
from services.analytics.ports import (
    AnalyticsStore,
    AnalyticsUnitOfWork,
    ContentTotals,
    FanValue,
    Totals,
)
from services.analytics.windows import (
    EPOCH_WEEKDAY,
    Window,
    day_number,
    day_start,
    grain_of,
    local_date,
    spans,
    window_of,
    zone_of,
)
from services.common.clock import Clock
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory, retry_read
from services.users.ports import Users

# Growth within this many percent either way is "stable".
STABLE_PERCENT = 1.0
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
BEST = 3
FORECAST_DAYS = 30


class ReportsUnitOfWork(AnalyticsUnitOfWork, Protocol):
    users: Users


@dataclass(frozen=True)
class WindowQuery:
    period: str = ""
    start_date: str = ""
    end_date: str = ""
    timezone: str = ""


@dataclass(frozen=True)
class Growth:
    percentage: float
    trend: str


def dollars(cents: int) -> float:
    """Cents as a JSON-friendly number with at most 2 decimals (12345 -> 123.45)."""
    return round(cents / 100, 2)


def growth(current: int, previous: int) -> Growth:
    """Percent change, 1 decimal. A zero previous window: +100 (current above zero), -100
    (below), 0 (zero too); within STABLE_PERCENT either way is "stable"."""
    if previous == 0:
        percentage = 0.0 if current == 0 else (100.0 if current > 0 else -100.0)
    else:
        percentage = round((current - previous) / abs(previous) * 100, 1)
    if abs(percentage) < STABLE_PERCENT:
        return Growth(percentage, "stable")
    return Growth(percentage, "up" if percentage > 0 else "down")


@dataclass(frozen=True)
class RevenueReport:
    total_cents: int
    by_day: list[tuple[date, int]]
    by_source: dict[str, int]
    growth: Growth


@dataclass(frozen=True)
class HourlyEngagement:
    key: int | str  # the hour (0-23) or the weekday's name
    interactions: int
    views: int
    revenue_cents: int


@dataclass(frozen=True)
class EngagementReport:
    totals: Totals
    rate: float
    by_day: list[tuple[date, Totals]]
    rate_by_content_type: dict[str, float]
    growth: Growth
    by_hour: list[HourlyEngagement]
    by_weekday: list[HourlyEngagement]
    best_hours: list[int]
    best_days: list[str]


@dataclass(frozen=True)
class ContentReport:
    content_id: str
    title: str
    content_type: str
    revenue_cents: int
    views: int
    engagement_rate: float


@dataclass(frozen=True)
class ContentTypeReport:
    posts: int
    revenue_cents: int
    average_cents: float
    engagement_rate: float


@dataclass(frozen=True)
class PerformanceReport:
    top: list[ContentReport]
    by_type: dict[str, ContentTypeReport]


@dataclass(frozen=True)
class FansReport:
    paying_fans: int
    average_spend_cents: float
    new_fans: int
    returning_fans: int
    new_cents: int
    returning_cents: int
    top: list[FanValue]


@dataclass(frozen=True)
class CohortReport:
    month: str
    fans: int
    retention: list[float]
    revenue_cents: list[int]


@dataclass(frozen=True)
class DayForecast:
    day: date
    expected: float
    lower: float
    upper: float


@dataclass(frozen=True)
class ForecastReport:
    days: list[DayForecast]
    total: float
    total_lower: float
    total_upper: float
    model: str
    history_days: int
    note: str


def rate(interactions: int, views: int) -> float:
    """(likes + comments) / views, 0-1, 4 decimals; 0 without views."""
    return round(min(interactions / views, 1.0), 4) if views else 0.0


class AnalyticsReports:
    def __init__(self, uow_factory: UnitOfWorkFactory[ReportsUnitOfWork], *, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def _zone(
        self, uow: ReportsUnitOfWork, caller: Principal, name: str
    ) -> zoneinfo.ZoneInfo:
        if name:
            return zone_of(name)
        account = await uow.users.get(caller.user_id)
        profile_zone = account.profile.timezone if account is not None else ""
        return zone_of(profile_zone or "UTC")

    async def _window(
        self, uow: ReportsUnitOfWork, caller: Principal, query: WindowQuery
    ) -> Window:
        zone = await self._zone(uow, caller, query.timezone)
        return window_of(zone, query.period, query.start_date, query.end_date, now=self._clock())

    @retry_read
    async def revenue(self, caller: Principal, query: WindowQuery) -> RevenueReport:
        async with self._uow(write=False) as uow:
            window = await self._window(uow, caller, query)
            days = await _daily(uow.analytics, caller.user_id, window)
            previous = await _totals(uow.analytics, caller.user_id, window.previous())
        by_day = [
            (day, days.get(day_number(day), Totals()).revenue_cents) for day in window.dates()
        ]
        by_source: dict[str, int] = {}
        for day in window.dates():
            for source, cents in days.get(day_number(day), Totals()).revenue.items():
                by_source[source] = by_source.get(source, 0) + cents
        total = sum(cents for _, cents in by_day)
        return RevenueReport(
            total_cents=total,
            by_day=by_day,
            by_source={s: by_source[s] for s in SOURCES if by_source.get(s)},
            growth=growth(total, previous.revenue_cents),
        )

    @retry_read
    async def engagement(self, caller: Principal, query: WindowQuery) -> EngagementReport:
        async with self._uow(write=False) as uow:
            window = await self._window(uow, caller, query)
            pieces = spans(window.zone, window.start, window.end)
            days, profile = await uow.analytics.days_and_hours(
                caller.user_id, pieces, grain_of(pieces)
            )
            previous = await _totals(uow.analytics, caller.user_id, window.previous())
            types = await uow.analytics.content_types(caller.user_id, window.start, window.end)
        by_day = [(day, days.get(day_number(day), Totals())) for day in window.dates()]
        totals = Totals()
        for _, day_totals in by_day:
            totals.add(day_totals)
        by_type = {item.content_type: (item.likes + item.comments, item.views) for item in types}
        hours = [Totals() for _ in range(24)]
        weekdays = [Totals() for _ in range(7)]
        for (weekday, hour), cell in profile.items():
            hours[hour].add(cell)
            weekdays[weekday].add(cell)
        by_hour = [_hourly(hour, cell) for hour, cell in enumerate(hours)]
        by_weekday = [_hourly(WEEKDAYS[day], cell) for day, cell in enumerate(weekdays)]
        return EngagementReport(
            totals=totals,
            rate=rate(totals.likes + totals.comments, totals.views),
            by_day=by_day,
            rate_by_content_type={
                kind: rate(*sums) for kind, sums in sorted(by_type.items()) if any(sums)
            },
            growth=growth(totals.interactions, previous.interactions),
            by_hour=by_hour,
            by_weekday=by_weekday,
            best_hours=[int(h.key) for h in _best(by_hour)],
            best_days=[str(d.key) for d in _best(by_weekday)],
        )

    @retry_read
    async def performance(
        self, caller: Principal, query: WindowQuery, limit: int
    ) -> PerformanceReport:
        async with self._uow(write=False) as uow:
            window = await self._window(uow, caller, query)
            content = await uow.analytics.content(caller.user_id, window.start, window.end)
            named = _per_content(content)
            ranked = sorted(named, key=lambda i: (-i.revenue_cents, -i.views, i.content_id))
            top = ranked[: limit or 10]
            library = await uow.analytics.library(caller.user_id, [i.content_id for i in top])
        reports = [
            ContentReport(
                content_id=item.content_id,
                title=library[item.content_id].title if item.content_id in library else "",
                content_type=(
                    library[item.content_id].type
                    if item.content_id in library
                    else item.content_type
                ),
                revenue_cents=item.revenue_cents,
                views=item.views,
                engagement_rate=rate(item.likes + item.comments, item.views),
            )
            for item in top
        ]
        kinds: dict[str, list[int]] = {}
        posts: dict[str, set[str]] = {}
        for item in content:
            if not item.content_type:
                continue
            sums = kinds.setdefault(item.content_type, [0, 0, 0])
            sums[0] += item.revenue_cents
            sums[1] += item.likes + item.comments
            sums[2] += item.views
            if item.content_id:
                posts.setdefault(item.content_type, set()).add(item.content_id)
        by_type = {}
        for kind, (cents, interactions, views) in sorted(kinds.items()):
            count = len(posts.get(kind, ()))
            by_type[kind] = ContentTypeReport(
                posts=count,
                revenue_cents=cents,
                average_cents=cents / count if count else 0.0,
                engagement_rate=rate(interactions, views),
            )
        return PerformanceReport(reports, by_type)

    @retry_read
    async def fans(self, caller: Principal, query: WindowQuery, limit: int) -> FansReport:
        async with self._uow(write=False) as uow:
            window = await self._window(uow, caller, query)
            spend = await uow.analytics.fan_spend(caller.user_id, window.start, window.end)
            new = await uow.analytics.first_purchases(caller.user_id, window.start, window.end)
            top = await uow.analytics.top_fans(caller.user_id, limit or 10)
        paying = {fan: s for fan, s in spend.items() if s.purchases > 0}
        new_cents = sum(s.net_cents for fan, s in paying.items() if fan in new)
        paying_cents = sum(s.net_cents for s in paying.values())
        new_count = sum(1 for fan in paying if fan in new)
        return FansReport(
            paying_fans=len(paying),
            average_spend_cents=paying_cents / len(paying) if paying else 0.0,
            new_fans=new_count,
            returning_fans=len(paying) - new_count,
            new_cents=new_cents,
            returning_cents=paying_cents - new_cents,
            top=top,
        )

    @retry_read
    async def cohorts(self, caller: Principal, months: int, timezone: str) -> list[CohortReport]:
        """Fans by the local month of their first purchase; for each month since, the share of
        the cohort with a purchase that month and the cohort's net revenue that month."""
        count = months or 12
        async with self._uow(write=False) as uow:
            zone = await self._zone(uow, caller, timezone)
            today = self._clock().astimezone(zone).date()
            starts = [_month_start(today, back) for back in range(count - 1, -1, -1)]
            bounds = [day_start(m, zone) for m in starts] + [
                day_start(_month_start(today, -1), zone)
            ]
            firsts = await uow.analytics.first_purchases(caller.user_id, bounds[0], bounds[-1])
            cohort_of = {
                fan: _month_index(local_date(ms / 1000, zone), starts) for fan, ms in firsts.items()
            }
            activity = []
            for index in range(count):
                activity.append(
                    await uow.analytics.fan_spend(caller.user_id, bounds[index], bounds[index + 1])
                )
        sizes = [0] * count
        for cohort in cohort_of.values():
            sizes[cohort] += 1
        reports = []
        for cohort, month in enumerate(starts):
            active = [0] * (count - cohort)
            cents = [0] * (count - cohort)
            for since in range(count - cohort):
                for fan, spent in activity[cohort + since].items():
                    if cohort_of.get(fan) == cohort:
                        cents[since] += spent.net_cents
                        active[since] += int(spent.purchases > 0)
            size = sizes[cohort]
            reports.append(
                CohortReport(
                    month=month.strftime("%Y-%m"),
                    fans=size,
                    retention=[round(a / size, 4) if size else 0.0 for a in active],
                    revenue_cents=cents,
                )
            )
        return reports

    @retry_read
    async def forecast(self, caller: Principal, timezone: str) -> ForecastReport:
        """Fitted on whole local days before today, from the first day with an event (up to
        MAX_DAYS); today is still running and is not history."""
        async with self._uow(write=False) as uow:
            zone = await self._zone(uow, caller, timezone)
            today = self._clock().astimezone(zone).date()
            first_ms = await uow.analytics.first_event_ms(caller.user_id)
            first = local_date(first_ms / 1000, zone) if first_ms is not None else today
            first = max(first, today - timedelta(days=MAX_DAYS))
            history_days = (today - first).days
            days = (
                await _daily_between(
                    uow.analytics,
                    caller.user_id,
                    day_start(first, zone),
                    day_start(today, zone),
                    zone,
                )
                if history_days > 0
                else {}
            )
        history = [
            days.get(day_number(first) + i, Totals()).revenue_cents / 100
            for i in range(history_days)
        ]
        weekday = (day_number(first) + EPOCH_WEEKDAY) % 7
        fit = project(history, weekday, FORECAST_DAYS)
        dates = [today + timedelta(days=i + 1) for i in range(FORECAST_DAYS)]
        return ForecastReport(
            days=[
                DayForecast(day, round(e, 2), round(lo, 2), round(hi, 2))
                for day, e, lo, hi in zip(dates, fit.expected, fit.lower, fit.upper, strict=True)
            ],
            total=round(fit.total, 2),
            total_lower=round(fit.total_lower, 2),
            total_upper=round(fit.total_upper, 2),
            model=fit.model,
            history_days=history_days,
            note=_forecast_note(fit.model, history_days),
        )


def _per_content(rows: list[ContentTotals]) -> list[ContentTotals]:
    """One total per content id (its rows differ by the type the events named); the type is
    the one its largest row named (the library's type wins later, when the id is an item)."""
    merged: dict[str, ContentTotals] = {}
    weight: dict[str, int] = {}
    for row in sorted(rows, key=lambda r: (r.content_id, r.content_type)):
        if not row.content_id:
            continue
        size = row.views + abs(row.revenue_cents)
        known = merged.get(row.content_id)
        if known is None:
            merged[row.content_id], weight[row.content_id] = row, size
            continue
        kind = known.content_type
        if row.content_type and (not kind or size > weight[row.content_id]):
            kind, weight[row.content_id] = row.content_type, size
        merged[row.content_id] = ContentTotals(
            row.content_id,
            kind,
            known.revenue_cents + row.revenue_cents,
            known.views + row.views,
            known.likes + row.likes,
            known.comments + row.comments,
        )
    return list(merged.values())


async def _daily(store: AnalyticsStore, user_id: str, window: Window) -> dict[int, Totals]:
    """Totals per local day number over the window's instants."""
    return await _daily_between(store, user_id, window.start, window.end, window.zone)


async def _daily_between(
    store: AnalyticsStore, user_id: str, start: int, end: int, zone: zoneinfo.ZoneInfo
) -> dict[int, Totals]:
    pieces = spans(zone, start, end)
    return await store.daily(user_id, pieces, grain_of(pieces))


async def _totals(store: AnalyticsStore, user_id: str, window: Window) -> Totals:
    pieces = spans(window.zone, window.start, window.end)
    return await store.totals(user_id, pieces, grain_of(pieces))


def _hourly(key: int | str, cell: Totals) -> HourlyEngagement:
    return HourlyEngagement(key, cell.interactions, cell.views, cell.revenue_cents)


def _best(cells: list[HourlyEngagement]) -> list[HourlyEngagement]:
    """The BEST cells with most interactions (ties: the earlier), none without any."""
    ranked = sorted(
        (cell for cell in cells if cell.interactions > 0), key=lambda c: -c.interactions
    )
    return ranked[:BEST]


def _month_start(today: date, back: int) -> date:
    """The first day of the month `back` months before today's (negative: after)."""
    index = today.year * 12 + today.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_index(day: date, starts: list[date]) -> int:
    return (day.year * 12 + day.month) - (starts[0].year * 12 + starts[0].month)


def _forecast_note(model: str, history_days: int) -> str:
    if model == "none":
        return (
            f"{history_days} day(s) of history: at least 14 are needed for a forecast; "
            "every figure is 0 until then."
        )
    if model == "weekly_mean":
        return (
            f"Fitted on {history_days} days: too few for a trend (56 needed), so each weekday's "
            "average; the interval is wide while history is short."
        )
    return (
        f"Fitted on the last {history_days} days: trend plus weekday effects; the 80 % interval "
        "assumes the next days vary as the fitted ones did."
    )

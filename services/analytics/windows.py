"""Report windows in a time zone, and how they map onto the UTC buckets the rollups keep.

A window is whole local days, [first_day, last_day]. Its instants are [start, end): from the
first instant whose local date is first_day to the first instant of the day after last_day
(a midnight the clocks skip starts the day at the jump). Rollups are kept per UTC bucket of
GRAIN seconds; a bucket's local day and hour are exact as long as the zone's UTC offset and its
changes fall on bucket boundaries: whole hours for most zones, quarter hours for the rest
(India +5:30, Nepal +5:45, Chatham +12:45...). `spans` cuts a range into pieces of constant
offset, so a query can group buckets by local day with integer arithmetic alone.
"""

from __future__ import annotations

import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from services.common.time_zones import time_zone
from services.errors import FieldViolation, InvalidArgument

HOUR = 3600
QUARTER_HOUR = 900
DAY = 86400
MAX_WINDOW_DAYS = 400
PERIOD_DAYS = {"7d": 7, "30d": 30, "90d": 90, "1y": 365}
DEFAULT_PERIOD = "30d"
EPOCH_DAY = date(1970, 1, 1)
# 1970-01-01 was a Thursday: weekday (Monday 0) of local day number n is (n + 3) % 7.
EPOCH_WEEKDAY = 3


def zone_of(name: str, field: str = "timezone") -> zoneinfo.ZoneInfo:
    return time_zone(name, field)


def day_start(day: date, zone: zoneinfo.ZoneInfo) -> int:
    """Epoch seconds of the first instant whose local date is `day`."""
    return int(datetime(day.year, day.month, day.day, tzinfo=zone).timestamp())


def local_date(epoch_seconds: float, zone: zoneinfo.ZoneInfo) -> date:
    return datetime.fromtimestamp(epoch_seconds, zone).date()


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def date_of(number: int) -> date:
    return EPOCH_DAY + timedelta(days=number)


@dataclass(frozen=True)
class Window:
    zone: zoneinfo.ZoneInfo
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def start(self) -> int:
        return day_start(self.first_day, self.zone)

    @property
    def end(self) -> int:
        return day_start(self.last_day + timedelta(days=1), self.zone)

    def previous(self) -> Window:
        """The window of the same length just before this one (for growth)."""
        return Window(
            self.zone,
            self.first_day - timedelta(days=self.days),
            self.first_day - timedelta(days=1),
        )

    def dates(self) -> list[date]:
        return [self.first_day + timedelta(days=i) for i in range(self.days)]


def window_of(
    zone: zoneinfo.ZoneInfo, period: str, start_date: str, end_date: str, *, now: datetime
) -> Window:
    """`period` counts back from today in `zone`, today included; explicit dates (both or
    neither, checked by the request rules) are inclusive. Over MAX_WINDOW_DAYS is refused."""
    if start_date:
        first = _parse_date(start_date, "start_date")
        last = _parse_date(end_date, "end_date")
        if first > last:
            raise InvalidArgument(
                "startDate must not be after endDate",
                [FieldViolation("start_date", "after end_date", "window.dates_ordered")],
            )
    else:
        last = now.astimezone(zone).date()
        first = last - timedelta(days=PERIOD_DAYS[period or DEFAULT_PERIOD] - 1)
    window = Window(zone, first, last)
    if window.days > MAX_WINDOW_DAYS:
        raise InvalidArgument(
            f"the window is {window.days} days: at most {MAX_WINDOW_DAYS}",
            [FieldViolation("end_date", f"at most {MAX_WINDOW_DAYS} days", "window.max_days")],
        )
    if first.year < 2000 or last.year > 2100:
        raise InvalidArgument(
            "dates must be between 2000 and 2100",
            [FieldViolation("start_date", "between 2000 and 2100", "window.range")],
        )
    return window


def _parse_date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(
            f"{text!r} is no calendar date (YYYY-MM-DD)",
            [FieldViolation(field, "not a calendar date", "window.date")],
        ) from None


@dataclass(frozen=True)
class Span:
    """Instants [start, end) (epoch seconds) over which the zone's UTC offset is `offset`."""

    start: int
    end: int
    offset: int


def _offset(zone: zoneinfo.ZoneInfo, epoch_seconds: int) -> int:
    moment = datetime.fromtimestamp(epoch_seconds, UTC).astimezone(zone)
    delta = moment.utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


@functools.lru_cache(maxsize=4096)
def spans(zone: zoneinfo.ZoneInfo, start: int, end: int) -> tuple[Span, ...]:
    """[start, end) cut where the offset changes (found to the second by bisection; zones change
    offset at most a few times a year, never twice within 12 hours). Cached: a report's windows
    recur all day (sampling two years costs ~5 ms)."""
    result: list[Span] = []
    step = DAY // 2
    span_start, offset = start, _offset(zone, start)
    probe = start
    while probe < end:
        nxt = min(probe + step, end)
        later = _offset(zone, nxt) if nxt < end else offset
        if later != offset:
            low, high = probe, nxt  # offset(low) == offset, offset(high) != offset
            while high - low > 1:
                middle = (low + high) // 2
                if _offset(zone, middle) == offset:
                    low = middle
                else:
                    high = middle
            result.append(Span(span_start, high, offset))
            span_start, offset = high, later
        probe = nxt
    result.append(Span(span_start, end, offset))
    return tuple(result)


def grain_of(pieces: Sequence[Span]) -> int:
    """The coarsest bucket (an hour, else a quarter hour) whose boundaries every offset and
    offset change of `pieces` respects; such buckets each fall within one local hour."""
    for grain in (HOUR, QUARTER_HOUR):
        if all(p.offset % grain == 0 and p.start % grain == 0 for p in pieces):
            return grain
    raise InvalidArgument(
        "this time zone's offset is not in quarter hours over the window",
        [FieldViolation("timezone", "offset not in quarter hours", "timezone.offset")],
    )

"""Report windows in time zones: "today" is the zone's, DST changes are found to the second,
and the bucket grain follows the zone's offsets."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime

import pytest

from services.analytics.windows import (
    HOUR,
    QUARTER_HOUR,
    Span,
    day_start,
    grain_of,
    spans,
    window_of,
    zone_of,
)
from services.errors import InvalidArgument


def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_a_period_counts_back_from_today_in_the_zone() -> None:
    now = datetime(2026, 11, 28, 23, 30, tzinfo=UTC)  # already the 29th in Tokyo
    tokyo = window_of(zone("Asia/Tokyo"), "7d", "", "", now=now)
    assert (tokyo.first_day, tokyo.last_day) == (date(2026, 11, 23), date(2026, 11, 29))
    utc = window_of(zone("UTC"), "", "", "", now=now)
    assert (utc.first_day, utc.last_day, utc.days) == (date(2026, 10, 30), date(2026, 11, 28), 30)
    assert window_of(zone("UTC"), "1y", "", "", now=now).days == 365


def test_explicit_dates_are_inclusive_and_at_most_400_days() -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    window = window_of(zone("UTC"), "7d", "2026-01-01", "2026-01-31", now=now)
    assert window.days == 31
    assert window.previous().first_day == date(2025, 12, 1)
    assert window_of(zone("UTC"), "", "2025-01-01", "2026-02-04", now=now).days == 400
    with pytest.raises(InvalidArgument) as refused:
        window_of(zone("UTC"), "", "2025-01-01", "2026-02-05", now=now)
    assert refused.value.violations[0].reason == "window.max_days"
    with pytest.raises(InvalidArgument):
        window_of(zone("UTC"), "", "2026-02-30", "2026-03-01", now=now)


def test_unknown_zones_are_refused() -> None:
    with pytest.raises(InvalidArgument) as refused:
        zone_of("Europe/Atlantis")
    assert refused.value.violations[0].reason == "timezone.iana"


def test_offset_changes_are_found_to_the_second() -> None:
    new_york = zone("America/New_York")
    pieces = spans(new_york, epoch("2026-01-01T05:00:00+00:00"), epoch("2027-01-01T05:00:00+00:00"))
    assert list(pieces) == [
        Span(epoch("2026-01-01T05:00:00+00:00"), epoch("2026-03-08T07:00:00+00:00"), -5 * HOUR),
        Span(epoch("2026-03-08T07:00:00+00:00"), epoch("2026-11-01T06:00:00+00:00"), -4 * HOUR),
        Span(epoch("2026-11-01T06:00:00+00:00"), epoch("2027-01-01T05:00:00+00:00"), -5 * HOUR),
    ]
    assert grain_of(pieces) == HOUR


@pytest.mark.parametrize(
    ("name", "grain"),
    [
        ("UTC", HOUR),
        ("Europe/Paris", HOUR),
        ("Asia/Kolkata", QUARTER_HOUR),
        ("Asia/Kathmandu", QUARTER_HOUR),
        ("Australia/Lord_Howe", QUARTER_HOUR),  # +10:30, +11 in summer
        ("Pacific/Chatham", QUARTER_HOUR),
    ],
)
def test_the_grain_respects_every_offset(name: str, grain: int) -> None:
    pieces = spans(
        zone(name), epoch("2025-06-01T00:00:00+00:00"), epoch("2026-06-01T00:00:00+00:00")
    )
    assert grain_of(pieces) == grain


def test_a_day_whose_midnight_is_skipped_starts_at_the_jump() -> None:
    """Santiago moves its clocks from 24:00 to 01:00: 2026-09-06 starts at 01:00 local."""
    santiago = zone("America/Santiago")
    start = day_start(date(2026, 9, 6), santiago)
    local = datetime.fromtimestamp(start, santiago)
    assert (local.date(), local.hour) == (date(2026, 9, 6), 1)
    assert datetime.fromtimestamp(start - 1, santiago).date() == date(2026, 9, 5)

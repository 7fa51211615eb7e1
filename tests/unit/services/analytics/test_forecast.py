"""The forecast model: honest about short histories, exact on noiseless patterns, and an 80 %
interval that covers about 80 % of what follows on noisy data."""

from __future__ import annotations

import random

import pytest

from services.analytics.forecast import MIN_DAYS, TREND_DAYS, project

WEEK = [100.0, 80.0, 90.0, 110.0, 150.0, 220.0, 200.0]  # Monday first


def test_under_two_weeks_there_is_no_forecast() -> None:
    fit = project([50.0] * (MIN_DAYS - 1), 0, 30)
    assert fit.model == "none"
    assert fit.expected == [0.0] * 30 and fit.total == 0.0


def test_a_short_history_is_forecast_by_weekday_means() -> None:
    history = [WEEK[i % 7] for i in range(21)]
    fit = project(history, 0, 14)
    assert fit.model == "weekly_mean"
    assert fit.expected == pytest.approx([WEEK[i % 7] for i in range(21, 35)])
    assert fit.upper == pytest.approx(fit.lower)  # no noise, no spread


def test_a_long_history_follows_the_trend_and_the_week() -> None:
    history = [WEEK[(3 + i) % 7] + 2.0 * i for i in range(TREND_DAYS + 10)]
    fit = project(history, 3, 7)
    n = len(history)
    assert fit.model == "weekly_trend"
    assert fit.expected == pytest.approx([WEEK[(3 + i) % 7] + 2.0 * i for i in range(n, n + 7)])
    assert fit.total == pytest.approx(sum(fit.expected))


def test_the_interval_covers_about_eighty_percent() -> None:
    rng = random.Random(11)
    inside = total = 0
    for _ in range(200):
        days = [WEEK[i % 7] + rng.gauss(0, 20) for i in range(120)]
        fit = project(days[:90], 0, 30)
        for actual, low, high in zip(days[90:], fit.lower, fit.upper, strict=True):
            inside += low <= actual <= high
            total += 1
    assert 0.75 <= inside / total <= 0.85


def test_revenue_is_never_forecast_below_zero() -> None:
    falling = [max(300.0 - 10 * i, 0.0) for i in range(TREND_DAYS)]
    fit = project(falling, 0, 30)
    assert min(fit.expected) >= 0 and min(fit.lower) >= 0 and fit.total_lower >= 0

"""Money in exact cents, and growth against the previous window."""

from __future__ import annotations

import pytest

from services.analytics.model import cents_of
from services.analytics.reports import Growth, dollars, growth


@pytest.mark.parametrize(
    ("amount", "cents"),
    [
        (12.34, 1234),
        (0.1 + 0.2, 30),
        (-5.5, -550),
        (1e6, 100_000_000),
        (1.005, None),
        (0.001, None),
    ],
)
def test_amounts_have_at_most_two_decimals(amount: float, cents: int | None) -> None:
    assert cents_of(amount) == cents


def test_sums_of_cents_print_with_two_decimals() -> None:
    assert dollars(sum([1, 2] * 5)) == 0.15
    assert dollars(123456789) == 1234567.89
    assert dollars(-1) == -0.01


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (110, 100, Growth(10.0, "up")),
        (90, 100, Growth(-10.0, "down")),
        (1005, 1000, Growth(0.5, "stable")),
        (995, 1000, Growth(-0.5, "stable")),
        (101, 100, Growth(1.0, "up")),
        (0, 0, Growth(0.0, "stable")),
        (50, 0, Growth(100.0, "up")),
        (-50, 0, Growth(-100.0, "down")),
        (50, -100, Growth(150.0, "up")),
    ],
)
def test_growth_and_its_trend_band(current: int, previous: int, expected: Growth) -> None:
    assert growth(current, previous) == expected

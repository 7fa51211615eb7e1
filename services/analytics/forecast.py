"""The revenue forecast: daily revenue over the next days from the days behind, by least squares.

- Under MIN_DAYS of history: no forecast ("none").
- Under TREND_DAYS: each weekday's mean ("weekly_mean"): a level with weekly seasonality.
- From TREND_DAYS: y = level + slope * t + a weekday effect ("weekly_trend"), fitted on up to
  MAX_DAYS days.
The interval is the fit's residual spread: +/- Z80 * sigma * sqrt(1 + leverage) per day, and for
a total of h days +/- Z80 * sigma * sqrt(h) (residuals taken as independent). Revenue is never
forecast below zero (negative days, refunds, stay in the history and the spread).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_DAYS = 14
TREND_DAYS = 56
MAX_DAYS = 182
Z80 = 1.2816  # the standard normal's 90th percentile: an 80 % two-sided interval


@dataclass(frozen=True)
class Projection:
    model: str
    expected: list[float]
    lower: list[float]
    upper: list[float]
    total: float
    total_lower: float
    total_upper: float


def project(history: list[float], first_weekday: int, horizon: int) -> Projection:
    """`history`: daily revenue, oldest first, its first day a `first_weekday` (Monday 0); the
    forecast covers the `horizon` days right after it."""
    n = len(history)
    if n < MIN_DAYS:
        zeros = [0.0] * horizon
        return Projection("none", zeros, zeros, zeros, 0.0, 0.0, 0.0)
    weekdays = [(first_weekday + i) % 7 for i in range(n + horizon)]
    if n < TREND_DAYS:
        model = "weekly_mean"
        design = [_one_hot(weekdays[i]) for i in range(n + horizon)]
    else:
        model = "weekly_trend"
        center = (n - 1) / 2
        design = [[1.0, i - center, *_one_hot(weekdays[i])[1:]] for i in range(n + horizon)]
    fitted_rows = design[:n]
    beta, inverse = _least_squares(fitted_rows, history)
    residuals = [y - _dot(row, beta) for row, y in zip(fitted_rows, history, strict=True)]
    freedom = max(n - len(beta), 1)
    sigma = math.sqrt(sum(r * r for r in residuals) / freedom)
    expected, lower, upper = [], [], []
    for row in design[n:]:
        mean = _dot(row, beta)
        leverage = _dot(row, [_dot(line, row) for line in inverse])
        half = Z80 * sigma * math.sqrt(1 + leverage)
        expected.append(max(mean, 0.0))
        lower.append(max(mean - half, 0.0))
        upper.append(max(mean + half, 0.0))
    total_mean = sum(_dot(row, beta) for row in design[n:])
    total_half = Z80 * sigma * math.sqrt(horizon)
    return Projection(
        model,
        expected,
        lower,
        upper,
        max(total_mean, 0.0),
        max(total_mean - total_half, 0.0),
        max(total_mean + total_half, 0.0),
    )


def _one_hot(weekday: int) -> list[float]:
    return [1.0 if weekday == day else 0.0 for day in range(7)]


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _least_squares(
    rows: list[list[float]], ys: list[float]
) -> tuple[list[float], list[list[float]]]:
    """beta = (X'X)^-1 X'y, and (X'X)^-1 (for leverages). Columns that are all zero (a weekday
    the history lacks cannot happen from 7 days on) would make X'X singular: a tiny ridge keeps
    it invertible without moving the fit."""
    k = len(rows[0])
    gram = [
        [sum(r[i] * r[j] for r in rows) + (1e-9 if i == j else 0.0) for j in range(k)]
        for i in range(k)
    ]
    moment = [sum(r[i] * y for r, y in zip(rows, ys, strict=True)) for i in range(k)]
    inverse = _invert(gram)
    return [_dot(line, moment) for line in inverse], inverse


def _invert(matrix: list[list[float]]) -> list[list[float]]:
    """Gauss-Jordan with partial pivoting (k <= 8 here)."""
    k = len(matrix)
    work = [row[:] + [1.0 if i == j else 0.0 for j in range(k)] for i, row in enumerate(matrix)]
    for column in range(k):
        pivot = max(range(column, k), key=lambda r: abs(work[r][column]))
        work[column], work[pivot] = work[pivot], work[column]
        scale = work[column][column]
        work[column] = [value / scale for value in work[column]]
        for r in range(k):
            if r != column and work[r][column] != 0.0:
                factor = work[r][column]
                work[r] = [a - factor * b for a, b in zip(work[r], work[column], strict=True)]
    return [row[k:] for row in work]

"""optimize_price: recovers known demand, respects bounds, honest about little data; the use
case runs it off the event loop. (Nonsense input is the contract's: test_assistant_contract.)"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Sequence

import pytest

from services.assistant import price_optimizer
from services.assistant.price_optimizer import (
    PriceOptimizer,
    PricePoint,
    PricingRequest,
    optimize_price,
)

PRICES = (4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0)


def logistic_demand(intercept: float, slope: float) -> Callable[[float], float]:
    return lambda price: 1 / (1 + math.exp(-(intercept + slope * price)))


TRUE_DEMAND = logistic_demand(1.0, -0.25)  # 50% at $4, about 5% at $16


def true_optimum(demand: Callable[[float], float]) -> float:
    """Grid search of price x conversion, to the cent, over $1-$40."""
    return max((cents / 100 for cents in range(100, 4001)), key=lambda p: p * demand(p))


def simulate(
    demand: Callable[[float], float],
    offers: int,
    *,
    prices: Sequence[float] = PRICES,
    seed: int = 7,
) -> list[PricePoint]:
    rng = random.Random(seed)
    return [
        PricePoint(price, offers, sum(rng.random() < demand(price) for _ in range(offers)))
        for price in prices
    ]


def width(price_range: tuple[float, float]) -> float:
    return price_range[1] - price_range[0]


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_recovers_the_optimum_of_a_known_demand_curve(seed: int) -> None:
    optimum = true_optimum(TRUE_DEMAND)  # about $6.27 at 36% conversion
    result = optimize_price("photo", simulate(TRUE_DEMAND, 2000, seed=seed))
    assert result.recommended_price == pytest.approx(optimum, rel=0.05)
    assert result.expected_conversion == pytest.approx(
        TRUE_DEMAND(result.recommended_price), abs=0.02
    )
    assert result.expected_revenue_per_offer == pytest.approx(
        result.recommended_price * result.expected_conversion, abs=0.01
    )
    low, high = result.price_range
    assert low <= optimum <= high
    assert result.confidence >= 0.9


def test_more_offers_mean_more_confidence_and_a_narrower_range() -> None:
    scarce = optimize_price("photo", simulate(TRUE_DEMAND, 20))
    plenty = optimize_price("photo", simulate(TRUE_DEMAND, 2000))
    assert scarce.confidence < plenty.confidence
    assert width(plenty.price_range) < width(scarce.price_range)


def test_range_contains_the_recommendation() -> None:
    for offers in (5, 50, 500):
        result = optimize_price("video", simulate(TRUE_DEMAND, offers))
        low, high = result.price_range
        assert low <= result.recommended_price <= high


def test_conversion_holding_up_at_high_prices_raises_the_recommendation() -> None:
    steep = optimize_price("photo", simulate(logistic_demand(1.0, -0.30), 1000))
    flat = optimize_price("photo", simulate(logistic_demand(1.0, -0.15), 1000))
    assert flat.recommended_price > steep.recommended_price


def test_a_single_typical_price_point_keeps_the_price_with_low_confidence() -> None:
    # 12% converts at the creator's price: exactly the typical photo demand the prior assumes,
    # and the prior's price sensitivity makes a creator's usual price revenue-optimal.
    result = optimize_price("photo", [PricePoint(10.0, 50, 6)])
    assert result.recommended_price == pytest.approx(10.0, abs=0.05)
    assert result.confidence <= 0.25
    assert "typical photo demand" in result.rationale


def test_a_single_price_point_moves_the_price_with_its_conversion() -> None:
    hot = optimize_price("photo", [PricePoint(10.0, 200, 80)])
    cold = optimize_price("photo", [PricePoint(10.0, 200, 4)])
    assert hot.recommended_price > 10.0 > cold.recommended_price
    assert hot.confidence <= 0.25 and cold.confidence <= 0.25


def test_explicit_bounds_are_respected() -> None:
    history = simulate(TRUE_DEMAND, 500)
    inside = optimize_price("photo", history, min_price=7.5, max_price=12.0)
    assert inside.recommended_price == 7.5  # the optimum (~$6.27) lies below the floor
    assert 7.5 <= inside.price_range[0] <= inside.price_range[1] <= 12.0
    assert "minimum price given" in inside.rationale
    capped = optimize_price("photo", history, max_price=5.0)
    assert capped.recommended_price == 5.0
    assert capped.price_range[1] <= 5.0


def test_default_bounds_stay_within_half_and_twice_the_prices_tried() -> None:
    everyone_buys = optimize_price("story", [PricePoint(3.0, 100, 100), PricePoint(5.0, 100, 99)])
    assert everyone_buys.recommended_price == 10.0
    assert "default ceiling" in everyone_buys.rationale


def test_a_lone_minimum_beyond_the_default_ceiling_wins() -> None:
    result = optimize_price("photo", [PricePoint(10.0, 100, 12)], min_price=50.0)
    assert result.recommended_price == 50.0
    assert result.price_range == (50.0, 50.0)


def test_duplicate_prices_are_pooled_and_empty_points_ignored() -> None:
    split = [PricePoint(8.0, 60, 9), PricePoint(12.0, 0, 0), PricePoint(8.0, 40, 6)]
    pooled = [PricePoint(8.0, 100, 15)]
    assert optimize_price("live", split) == optimize_price("live", pooled)


def test_rationale_cites_the_numbers() -> None:
    result = optimize_price("video", [PricePoint(10.0, 400, 60), PricePoint(20.0, 400, 20)])
    assert "800 offers at 2 prices from $10.00 to $20.00" in result.rationale
    assert "15.0% at $10.00" in result.rationale
    assert "5.0% at $20.00" in result.rationale
    assert f"${result.recommended_price:,.2f}" in result.rationale


async def test_the_use_case_fits_in_a_worker_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []

    def optimize(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread().name)
        return optimize_price(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(price_optimizer, "optimize_price", optimize)
    history = (PricePoint(10.0, 400, 60), PricePoint(20.0, 400, 20))
    result = await PriceOptimizer().recommend(
        PricingRequest("video", history, min_price=8.0, max_price=30.0)
    )
    assert result == optimize_price("video", history, min_price=8.0, max_price=30.0)
    assert threads and threads[0] != threading.main_thread().name

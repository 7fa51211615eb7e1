"""The documented estimation model: numbers follow the history, priors fill the gaps."""

from __future__ import annotations

import math
from typing import Any

import pytest

from services.content_ideas.estimates import (
    LEVEL,
    PRIORS,
    Estimate,
    EstimationModel,
    content_type_of,
)
from services.content_ideas.model import Creativity, DraftIdea, PerformanceHistory

TYPES = ("photo", "video", "story", "live")


def draft(
    content_type: str = "photo", title: str = "Kitchen session", description: str = ""
) -> DraftIdea:
    return DraftIdea(
        title=title,
        description=description or "A relaxed set for the fans.",
        content_type=content_type,
        caption=None,
        hashtags=None,
        tips=("Shoot by the window.",),
    )


def estimate(
    idea: DraftIdea | None = None,
    *,
    creativity: Creativity = "balanced",
    top: list[Any] | None = None,
    patterns: dict[str, Any] | None = None,
    revenue: dict[str, float] | None = None,
) -> Estimate:
    history = PerformanceHistory(
        top_performing_content=top or [],
        engagement_patterns=patterns or {},
        revenue_by_category=revenue or {},
    )
    return EstimationModel(history, TYPES).estimate(idea or draft(), creativity)


@pytest.mark.parametrize("content_type", TYPES)
@pytest.mark.parametrize("creativity", ["conservative", "balanced", "creative"])
def test_priors_without_history(content_type: str, creativity: Creativity) -> None:
    # No top content: the match is neutral, so only the creativity level applies.
    result = estimate(draft(content_type), creativity=creativity)
    prior = PRIORS[content_type]
    assert result.revenue == pytest.approx(prior.revenue * LEVEL[creativity], abs=0.01)
    assert result.engagement == pytest.approx(prior.engagement * LEVEL[creativity], abs=1e-4)


def test_more_revenue_in_a_category_means_more_estimated_revenue() -> None:
    low = estimate(draft("video"), revenue={"photo": 1000, "video": 500})
    high = estimate(draft("video"), revenue={"photo": 1000, "video": 5000})
    assert high.revenue > low.revenue


def test_the_category_that_earns_far_more_prices_its_ideas_higher() -> None:
    revenue = {"photo": 6000, "video": 300}  # per piece: 6000/20 photos vs 300/8 videos
    photo = estimate(draft("photo"), revenue=revenue)
    video = estimate(draft("video"), revenue=revenue)
    assert photo.revenue > video.revenue
    # Without history, a video is worth more than a photo: the history reversed that.
    assert PRIORS["video"].revenue > PRIORS["photo"].revenue


def test_a_high_earning_creator_is_priced_above_the_priors() -> None:
    rich = estimate(draft("story"), revenue={"photo": 50_000})
    none = estimate(draft("story"))
    assert rich.revenue > none.revenue


def test_zero_revenue_history_lowers_the_estimate() -> None:
    assert estimate(draft("photo"), revenue={"photo": 0}).revenue < estimate(draft("photo")).revenue


def test_category_labels_are_matched_tolerantly() -> None:
    assert content_type_of("Photos") == "photo"
    assert content_type_of("reels") == "video"
    assert content_type_of("Live stream") == "live"
    assert content_type_of("Stories") == "story"
    assert content_type_of("fitness") is None
    assert estimate(draft("video"), revenue={"Reels": 8000}) == estimate(
        draft("video"), revenue={"video": 8000}
    )


@pytest.mark.parametrize(
    "pattern",
    [
        0.2,
        "20%",
        20,
        {"rate": 0.2},
        {"engagementRate": "20%"},
        {"likes": 150, "comments": 50, "views": 1000},
    ],
)
def test_a_high_engagement_pattern_raises_engagement(pattern: Any) -> None:
    # Every spelling of a 20 % rate reads the same.
    assert (
        estimate(patterns={"photo": pattern}).engagement
        == estimate(patterns={"photo": 0.2}).engagement
    )
    assert estimate(patterns={"photo": pattern}).engagement > estimate().engagement


def test_a_low_engagement_pattern_lowers_engagement() -> None:
    assert estimate(patterns={"photo": 0.01}).engagement < estimate().engagement


def test_likes_without_views_rank_the_types_against_each_other() -> None:
    patterns = {"photo": {"likes": 400}, "video": {"likes": 100}}
    photo = estimate(draft("photo"), patterns=patterns)
    video = estimate(draft("video"), patterns=patterns)
    assert photo.engagement > estimate(draft("photo")).engagement
    assert video.engagement < estimate(draft("video")).engagement


def test_an_overall_rate_scales_every_type() -> None:
    for content_type in TYPES:
        boosted = estimate(draft(content_type), patterns={"engagementRate": 0.2})
        assert boosted.engagement > estimate(draft(content_type)).engagement


def test_engagement_stays_a_rate() -> None:
    result = estimate(
        draft("live"),
        creativity="conservative",
        patterns={"engagementRate": 1.0, "live": 1.0},
        top=[{"type": "live", "engagementRate": 1.0, "title": "Kitchen session"}],
    )
    assert 0 <= result.engagement <= 1


def test_top_records_of_a_type_move_its_revenue() -> None:
    top = [{"type": "video", "revenue": 2000, "title": "Beach cardio"}]
    assert (
        estimate(draft("video"), top=top).revenue
        > estimate(
            draft("video"), top=[{"type": "video", "revenue": 10, "title": "Beach cardio"}]
        ).revenue
    )


def test_free_form_records_are_tolerated() -> None:
    top: list[Any] = [
        "A plain title",
        42,
        None,
        ["a", "list"],
        {"title": 7, "type": ["photo"], "revenue": "lots", "likes": True},
        {"Type": "Photos", "earnings": "$1,200.50", "engagement": "7%"},
    ]
    result = estimate(draft("photo"), top=top, patterns={"photo": {"likes": "many"}, "x": None})
    assert result.revenue > 0
    assert 0 < result.engagement <= 1


def test_ideas_close_to_top_content_are_expected_to_do_better() -> None:
    top = [{"title": "Sunrise yoga flow", "type": "video", "revenue": 300}]
    close = draft("video", title="Sunrise yoga flow, part two")
    far = draft("photo", title="Pottery studio tour")
    model = EstimationModel(PerformanceHistory(top_performing_content=top), TYPES)
    assert model.match(close) > model.match(far)
    # Same content type, so the same base: only the match differs.
    far_video = draft("video", title="Pottery studio tour")
    assert estimate(close, top=top).revenue > estimate(far_video, top=top).revenue
    assert estimate(close, top=top).engagement > estimate(far_video, top=top).engagement


def test_creative_ideas_have_a_lower_expectation_and_a_wider_spread() -> None:
    top = [{"title": "Sunrise yoga flow", "type": "video"}]
    close = draft("video", title="Sunrise yoga flow again")
    far = draft("video", title="Pottery studio tour")

    def spread(creativity: Creativity) -> float:
        return (
            estimate(close, top=top, creativity=creativity).revenue
            - estimate(far, top=top, creativity=creativity).revenue
        )

    assert spread("creative") > spread("balanced") > spread("conservative") > 0
    neutral = draft("video")  # no top content: neutral match
    assert (
        estimate(neutral, creativity="creative").revenue
        < estimate(neutral, creativity="balanced").revenue
        < estimate(neutral, creativity="conservative").revenue
    )


def test_ideas_on_a_better_earning_theme_earn_more() -> None:
    revenue = {"photo": 1000, "fitness": 3000, "cooking": 500}
    fitness = draft("photo", title="Fitness morning routine")
    cooking = draft("photo", title="Cooking for the week")
    neither = draft("photo", title="Studio portraits")
    assert (
        estimate(fitness, revenue=revenue).revenue
        > estimate(neither, revenue=revenue).revenue
        > estimate(cooking, revenue=revenue).revenue
    )


def test_estimates_are_deterministic() -> None:
    kwargs: dict[str, Any] = {
        "top": [{"title": "Sunrise yoga flow", "type": "video", "revenue": 300}],
        "patterns": {"video": {"likes": 10, "views": 100}},
        "revenue": {"video": 900, "fitness": 100},
    }
    idea = draft("video", title="Sunrise fitness")
    assert len({estimate(idea, **kwargs) for _ in range(5)}) == 1


@pytest.mark.parametrize(
    ("revenue", "top"),
    [
        # Themes near the largest double: their mean overflowed (Schemathesis found a 500).
        ({"fitness": 1.78e308, "cooking": 1.42e308}, []),
        ({"photo": 1.7e308, "photos": 1.7e308}, []),
        ({}, [{"type": "photo", "revenue": 1.7e308}, {"type": "photo", "revenue": "1e308"}]),
        ({}, [{"type": "video", "likes": 1e308, "views": 1e-300}]),
    ],
)
def test_absurd_numbers_neither_fail_nor_leak_into_the_estimate(
    revenue: dict[str, float], top: list[Any]
) -> None:
    result = estimate(draft(title="fitness cooking session"), revenue=revenue, top=top)
    assert math.isfinite(result.revenue) and 0 <= result.revenue < 1e12
    assert 0 <= result.engagement <= 1

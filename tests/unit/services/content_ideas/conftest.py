"""A realistic creator profile shared by the content-ideas tests."""

from __future__ import annotations

import pytest

from services.content_ideas.model import (
    CreatorConstraints,
    IdeasProfile,
    PerformanceHistory,
)


@pytest.fixture
def profile() -> IdeasProfile:
    return IdeasProfile(
        id="creator-42",
        niche=("fitness", "plant-based cooking"),
        content_types=("photo", "video", "live"),
        audience_preferences=("home workouts", "high-protein recipes"),
        performance_history=PerformanceHistory(
            top_performing_content=[
                {"title": "Sunrise yoga flow", "type": "video", "revenue": 420, "likes": 900},
                {"title": "Tofu scramble meal prep", "type": "photo", "revenue": "$180"},
                "Leg day at the home gym",
            ],
            engagement_patterns={"bestHours": [20, 21], "photo": {"likes": 120}},
            revenue_by_category={"photo": 1200.5, "video": 3400.0},
        ),
        current_goals=("reach 10k subscribers", "launch a paid meal plan"),
        constraints=CreatorConstraints(
            equipment=("iPhone 15", "ring light"),
            location=("home gym", "kitchen"),
            time_availability="2h/day",
        ),
    )


@pytest.fixture
def bare_profile() -> IdeasProfile:
    """Only what the contract requires: an id and content types."""
    return IdeasProfile(id="creator-7", content_types=("photo", "story"))

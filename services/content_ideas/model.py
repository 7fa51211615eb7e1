"""What the content-ideas use case takes and returns (the spec's creatorProfile, as IdeasProfile,
and ContentIdea).

`to_json`/`from_json` give the JSON-able form that travels in `AIRequest.inputs`, from which the
offline composer writes its answer (lowerCamelCase keys, as the client sent them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

# The contract's vocabularies (content_ideas.proto's `in` lists, which protovalidate enforces;
# a test keeps these equal to them). Every table keyed by one of them (priors, effort, the
# prompt's and the offline composer's phrasing) covers each value: tested too.
CONTENT_TYPES = ("photo", "video", "story", "live")
CREATIVITY_LEVELS = ("conservative", "balanced", "creative")
PLATFORMS = ("onlyfans", "instagram", "tiktok")

Creativity = Literal["conservative", "balanced", "creative"]
Difficulty = Literal["easy", "medium", "hard"]


@dataclass(frozen=True)
class PerformanceHistory:
    """Free-form history: records of the best content, engagement observations, revenue per
    category (content type or theme). estimates.py documents how each is read."""

    top_performing_content: list[Any] = field(default_factory=list)
    engagement_patterns: dict[str, Any] = field(default_factory=dict)
    revenue_by_category: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CreatorConstraints:
    equipment: tuple[str, ...] = ()
    location: tuple[str, ...] = ()
    time_availability: str = ""  # free text: "2h/day", "weekends only"...


@dataclass(frozen=True)
class IdeasProfile:
    id: str
    content_types: tuple[str, ...]
    niche: tuple[str, ...] = ()
    audience_preferences: tuple[str, ...] = ()
    performance_history: PerformanceHistory = field(default_factory=PerformanceHistory)
    current_goals: tuple[str, ...] = ()
    constraints: CreatorConstraints = field(default_factory=CreatorConstraints)

    def to_json(self) -> dict[str, Any]:
        history = self.performance_history
        return {
            "id": self.id,
            "niche": list(self.niche),
            "contentTypes": list(self.content_types),
            "audiencePreferences": list(self.audience_preferences),
            "performanceHistory": {
                "topPerformingContent": list(history.top_performing_content),
                "engagementPatterns": dict(history.engagement_patterns),
                "revenueByCategory": dict(history.revenue_by_category),
            },
            "currentGoals": list(self.current_goals),
            "constraints": {
                "equipment": list(self.constraints.equipment),
                "location": list(self.constraints.location),
                "timeAvailability": self.constraints.time_availability,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IdeasProfile:
        history = data.get("performanceHistory") or {}
        constraints = data.get("constraints") or {}
        return cls(
            id=data["id"],
            niche=tuple(data.get("niche", ())),
            content_types=tuple(data["contentTypes"]),
            audience_preferences=tuple(data.get("audiencePreferences", ())),
            performance_history=PerformanceHistory(
                top_performing_content=list(history.get("topPerformingContent", ())),
                engagement_patterns=dict(history.get("engagementPatterns", {})),
                revenue_by_category=dict(history.get("revenueByCategory", {})),
            ),
            current_goals=tuple(data.get("currentGoals", ())),
            constraints=CreatorConstraints(
                equipment=tuple(constraints.get("equipment", ())),
                location=tuple(constraints.get("location", ())),
                time_availability=constraints.get("timeAvailability", ""),
            ),
        )


@dataclass(frozen=True)
class IdeaOptions:
    """The request's options with the spec's defaults filled in."""

    count: int = 5
    creativity: Creativity = "balanced"
    include_hashtags: bool = False
    include_captions: bool = False
    target_platforms: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "creativity": self.creativity,
            "includeHashtags": self.include_hashtags,
            "includeCaptions": self.include_captions,
            "targetPlatforms": list(self.target_platforms),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IdeaOptions:
        return cls(
            count=data["count"],
            creativity=data["creativity"],
            include_hashtags=data["includeHashtags"],
            include_captions=data["includeCaptions"],
            target_platforms=tuple(data["targetPlatforms"]),
        )


@dataclass(frozen=True)
class DraftIdea:
    """The creative part of an idea, as the model (or the offline composer) proposed it."""

    title: str
    description: str
    content_type: str
    caption: str | None
    hashtags: tuple[str, ...] | None
    tips: tuple[str, ...]


@dataclass(frozen=True)
class Idea:
    id: str
    title: str
    description: str
    content_type: str
    estimated_engagement: float  # rate, 0-1
    estimated_revenue: float  # USD
    difficulty: Difficulty
    time_required: str  # "45 minutes", "2 hours"
    caption: str | None  # only when captions were asked for
    hashtags: tuple[str, ...] | None  # only when hashtags were asked for
    tips: tuple[str, ...]
    generated_at: datetime


@dataclass(frozen=True)
class IdeasResult:
    ideas: tuple[Idea, ...]
    generated_at: datetime
    profile_id: str
    options: IdeaOptions

"""The estimation model: expected engagement rate and revenue of an idea from the creator's
performance history. Deterministic (no randomness, no model call); every constant is below.

1. Priors. A typical creator's piece of each content type earns `PRIORS[t].revenue` USD and
   reaches an engagement rate of `PRIORS[t].engagement`; `PRIORS[t].monthly_pieces` is how many
   such pieces a month a typical creator posts.

2. The creator's scale. `revenueByCategory` is read as a month's revenue: its total divided by
   what a typical creator with the same content types earns a month (sum of revenue x monthly
   pieces) gives the revenue scale. Without categories, the median of (top record's revenue x
   `TOP_DISCOUNT_REVENUE`) / prior of its type is used; without either, 1. Engagement's scale is
   an overall rate in `engagementPatterns` (e.g. `{"engagementRate": 0.06}`) over the mean prior
   rate, else the median of the per-type rates (step 3) over their priors, else 1. Scales are
   clamped to `REVENUE_SCALE` and `ENGAGEMENT_SCALE`.

3. The base per content type is a weighted mean of the scaled prior (weight `PRIOR_WEIGHT`) and
   the creator's own evidence for that type:
   - revenue: the category's revenue / the type's monthly pieces (weight `CATEGORY_WEIGHT`), and
     each top record of that type with a revenue, x `TOP_DISCOUNT_REVENUE` because top records
     are the creator's best (weight `TOP_WEIGHT` each, first `MAX_TOP_RECORDS`);
   - engagement: the type's rate in `engagementPatterns` (`{"photo": 0.08}`, `{"photo": {"rate":
     8}}` (percent), or interactions / views from `{"photo": {"likes": .., "comments": ..,
     "views": ..}}`; weight `PATTERN_WEIGHT`), and each top record's rate x
     `TOP_DISCOUNT_ENGAGEMENT` (weight `TOP_WEIGHT`). A type with only likes and no views or rate
     is moved relative to the other types: x sqrt(its likes / mean likes), clamped to
     `RELATIVE_LIKES`.
   Category keys are matched to content types tolerantly ("Photos", "reels", "livestream").

4. Themes. Categories that are not content types (e.g. "fitness") are themes: an idea whose
   text contains a theme's words earns x sqrt(theme revenue / mean theme revenue), clamped to
   `THEME_FACTOR` (the best theme mentioned counts).

5. Match and creativity. `match` in [0, 1] is how close the idea is to the top content: half the
   share of top records with the idea's content type, half the best word overlap between the
   idea's text and a top record's title (0.5 each when unknown). Both numbers are multiplied by
   `LEVEL[c] x (1 + SPREAD[c] x (match - 0.5))`: creative ideas have a lower expected value and
   a wider spread (upside for ideas near proven content, downside for untested ones);
   conservative ones stay near the base.

Engagement is clamped to [0, 1] and rounded to 4 decimals; revenue is rounded to cents.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.content_ideas.model import Creativity, DraftIdea, PerformanceHistory


@dataclass(frozen=True)
class TypePrior:
    revenue: float  # USD per piece
    engagement: float  # rate, 0-1
    monthly_pieces: int


PRIORS = {
    "photo": TypePrior(revenue=25.0, engagement=0.05, monthly_pieces=20),
    "video": TypePrior(revenue=60.0, engagement=0.07, monthly_pieces=8),
    "story": TypePrior(revenue=10.0, engagement=0.04, monthly_pieces=30),
    "live": TypePrior(revenue=80.0, engagement=0.09, monthly_pieces=4),
}
PRIOR_WEIGHT = 1.0
CATEGORY_WEIGHT = 2.0
PATTERN_WEIGHT = 2.0
TOP_WEIGHT = 1.0
MAX_TOP_RECORDS = 5
TOP_DISCOUNT_REVENUE = 0.6
TOP_DISCOUNT_ENGAGEMENT = 0.8
REVENUE_SCALE = (0.1, 10.0)
ENGAGEMENT_SCALE = (0.25, 4.0)
RELATIVE_LIKES = (0.5, 2.0)
THEME_FACTOR = (0.5, 2.0)
LEVEL: dict[str, float] = {"conservative": 1.0, "balanced": 0.95, "creative": 0.85}
SPREAD: dict[str, float] = {"conservative": 0.2, "balanced": 0.3, "creative": 0.5}
# Larger numbers in the history (revenue, views, likes) are not plausible and are ignored; the
# contract caps revenueByCategory values at the same trillion.
MAX_MAGNITUDE = 1e12
NEUTRAL_MATCH = 0.5

TYPE_SYNONYMS = {
    "photo": ("photo", "photos", "pic", "pics", "picture", "pictures", "image", "images",
              "selfie", "selfies", "photoset", "photosets"),
    "video": ("video", "videos", "clip", "clips", "reel", "reels", "vid", "vids"),
    "story": ("story", "stories"),
    "live": ("live", "lives", "livestream", "livestreams", "stream", "streams", "livesession"),
}  # fmt: skip
_TYPE_BY_WORD = {word: kind for kind, words in TYPE_SYNONYMS.items() for word in words}

TYPE_KEYS = ("type", "contentType", "content_type", "category", "format", "kind")
REVENUE_KEYS = ("revenue", "earnings", "income", "sales")
RATE_KEYS = ("engagementRate", "engagement_rate", "engagement", "rate")
OVERALL_RATE_KEYS = ("engagementRate", "engagement_rate", "averageEngagementRate", "avgEngagement")
INTERACTION_KEYS = ("likes", "comments", "shares", "saves")
REACH_KEYS = ("views", "reach", "impressions")
TITLE_KEYS = ("title", "name", "caption", "description")
STOPWORDS = frozenset(
    {"the", "and", "for", "with", "your", "you", "my", "our", "this", "that", "from", "into"}
    | {"new", "of", "a", "an", "in", "on", "to", "at", "by", "is", "it"}
)


@dataclass(frozen=True)
class Estimate:
    engagement: float  # rate, 0-1
    revenue: float  # USD


@dataclass(frozen=True)
class _TopRecord:
    content_type: str | None
    revenue: float | None
    rate: float | None
    words: frozenset[str]


class EstimationModel:
    """The history read once per request; `estimate` prices each idea."""

    def __init__(self, history: PerformanceHistory, content_types: Iterable[str]) -> None:
        self._types = tuple(content_types)
        self._records = [_record(item) for item in history.top_performing_content]
        categories = {
            key: number
            for key, value in history.revenue_by_category.items()
            if (number := _number(value)) is not None and number >= 0
        }
        type_revenue: dict[str, float] = {}
        self._themes: dict[frozenset[str], float] = {}
        for key, value in categories.items():
            kind = content_type_of(key)
            if kind is not None:
                type_revenue[kind] = type_revenue.get(kind, 0.0) + value
            elif words := _words(key):
                self._themes[words] = value
        self._revenue = self._revenue_bases(categories, type_revenue)
        self._engagement = self._engagement_bases(history.engagement_patterns)

    def estimate(self, draft: DraftIdea, creativity: Creativity) -> Estimate:
        match = self.match(draft)
        factor = LEVEL[creativity] * (1 + SPREAD[creativity] * (match - NEUTRAL_MATCH))
        revenue = self._revenue[draft.content_type] * self._theme_factor(draft) * factor
        engagement = _clamp(self._engagement[draft.content_type] * factor, (0.0, 1.0))
        return Estimate(engagement=round(engagement, 4), revenue=round(revenue, 2))

    def match(self, draft: DraftIdea) -> float:
        """How close the idea is to the creator's top content, 0-1 (0.5 when unknown)."""
        typed = [record.content_type for record in self._records if record.content_type]
        type_share = typed.count(draft.content_type) / len(typed) if typed else NEUTRAL_MATCH
        titled = [record.words for record in self._records if record.words]
        idea_words = _idea_words(draft)
        overlap = (
            max(len(words & idea_words) / len(words) for words in titled)
            if titled
            else NEUTRAL_MATCH
        )
        return (type_share + overlap) / 2

    def _revenue_bases(
        self, categories: Mapping[str, float], type_revenue: Mapping[str, float]
    ) -> dict[str, float]:
        if categories:
            typical_month = sum(PRIORS[t].revenue * PRIORS[t].monthly_pieces for t in self._types)
            scale = sum(categories.values()) / typical_month
        else:
            ratios = [
                TOP_DISCOUNT_REVENUE * record.revenue / _prior_revenue(record.content_type)
                for record in self._records
                if record.revenue is not None
            ]
            scale = statistics.median(ratios) if ratios else 1.0
        scale = _clamp(scale, REVENUE_SCALE)
        bases = {}
        for kind in self._types:
            evidence: list[tuple[float, float]] = []
            if kind in type_revenue:
                per_piece = type_revenue[kind] / PRIORS[kind].monthly_pieces
                evidence.append((per_piece, CATEGORY_WEIGHT))
            evidence += [
                (TOP_DISCOUNT_REVENUE * revenue, TOP_WEIGHT)
                for revenue in self._top_values(kind, "revenue")
            ]
            bases[kind] = _weighted_mean(scale * PRIORS[kind].revenue, evidence)
        return bases

    def _engagement_bases(self, patterns: Mapping[str, Any]) -> dict[str, float]:
        type_rates: dict[str, float] = {}
        type_likes: dict[str, float] = {}
        overall: float | None = None
        for key, value in patterns.items():
            kind = content_type_of(key)
            if kind is None:
                if key in OVERALL_RATE_KEYS and overall is None:
                    overall = _rate(value)
                continue
            if (rate := _observation_rate(value)) is not None:
                type_rates.setdefault(kind, rate)
            elif isinstance(value, Mapping) and (likes := _number(value.get("likes"))):
                type_likes.setdefault(kind, likes)
        if overall is not None:
            mean_prior = statistics.fmean(PRIORS[t].engagement for t in self._types)
            scale = overall / mean_prior
        elif type_rates:
            scale = statistics.median(rate / PRIORS[t].engagement for t, rate in type_rates.items())
        else:
            scale = 1.0
        scale = _clamp(scale, ENGAGEMENT_SCALE)
        mean_likes = statistics.fmean(type_likes.values()) if len(type_likes) > 1 else None
        bases = {}
        for kind in self._types:
            evidence: list[tuple[float, float]] = []
            if kind in type_rates:
                evidence.append((type_rates[kind], PATTERN_WEIGHT))
            evidence += [
                (TOP_DISCOUNT_ENGAGEMENT * rate, TOP_WEIGHT)
                for rate in self._top_values(kind, "rate")
            ]
            base = _weighted_mean(scale * PRIORS[kind].engagement, evidence)
            if not evidence and mean_likes and kind in type_likes:
                base *= _clamp(math.sqrt(type_likes[kind] / mean_likes), RELATIVE_LIKES)
            bases[kind] = base
        return bases

    def _top_values(self, kind: str, attribute: str) -> list[float]:
        values = [
            value
            for record in self._records
            if record.content_type == kind and (value := getattr(record, attribute)) is not None
        ]
        return values[:MAX_TOP_RECORDS]

    def _theme_factor(self, draft: DraftIdea) -> float:
        if not self._themes:
            return 1.0
        mean = statistics.fmean(self._themes.values())
        idea_words = _idea_words(draft)
        mentioned = [value for words, value in self._themes.items() if words <= idea_words]
        if not mentioned or mean == 0:
            return 1.0
        return _clamp(math.sqrt(max(mentioned) / mean), THEME_FACTOR)


def content_type_of(label: str) -> str | None:
    """The content type a label names ("Photos", "Reels", "live stream"), else None."""
    return _TYPE_BY_WORD.get(re.sub(r"[^a-z]", "", label.lower()))


def _record(item: Any) -> _TopRecord:
    """A free-form top-content record: a dict with any of the known keys, or a bare title."""
    if isinstance(item, str):
        return _TopRecord(None, None, None, _words(item))
    if not isinstance(item, Mapping):
        return _TopRecord(None, None, None, frozenset())
    label = _first(item, TYPE_KEYS)
    revenue = _number(_first(item, REVENUE_KEYS))
    title = record_title(item)
    return _TopRecord(
        content_type=content_type_of(label) if isinstance(label, str) else None,
        revenue=revenue if revenue is not None and revenue >= 0 else None,
        rate=_observation_rate(item),
        words=_words(title) if title else frozenset(),
    )


def record_title(item: Any) -> str | None:
    """The title of a top-content record: the string itself, or its title/name/caption."""
    if isinstance(item, str):
        return item
    title = _first(item, TITLE_KEYS) if isinstance(item, Mapping) else None
    return title if isinstance(title, str) else None


def _observation_rate(value: Any) -> float | None:
    """A rate from a number, a {"rate": ..} record, or interactions / views."""
    if not isinstance(value, Mapping):
        return _rate(value)
    if (rate := _rate(_first(value, RATE_KEYS))) is not None:
        return rate
    reach = _number(_first(value, REACH_KEYS))
    interactions = [_number(value.get(key)) for key in INTERACTION_KEYS]
    known = [number for number in interactions if number is not None and number >= 0]
    if reach and reach > 0 and known:
        return min(sum(known) / reach, 1.0)
    return None


def _first(record: Mapping[str, Any], keys: Iterable[str]) -> Any:
    return next((record[key] for key in keys if key in record), None)


def _number(value: Any) -> float | None:
    """A plausible number from a JSON number or a string such as "$1,200" or "4.5": finite and
    within MAX_MAGNITUDE, else None (sums of such numbers stay finite)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().lstrip("$€£").replace(",", ""))
        except ValueError:
            return None
    if isinstance(value, int | float) and abs(value) <= MAX_MAGNITUDE:
        return float(value)
    return None


def _rate(value: Any) -> float | None:
    """An engagement rate: 0-1 as is, "4.5%" or a number in (1, 100] read as a percentage."""
    if isinstance(value, str) and value.strip().endswith("%"):
        number = _number(value.strip().removesuffix("%"))
        return number / 100 if number is not None and 0 <= number <= 100 else None
    number = _number(value)
    if number is None or number < 0 or number > 100:
        return None
    return number if number <= 1 else number / 100


def _prior_revenue(kind: str | None) -> float:
    if kind is not None:
        return PRIORS[kind].revenue
    return statistics.fmean(prior.revenue for prior in PRIORS.values())


def _weighted_mean(prior: float, evidence: list[tuple[float, float]]) -> float:
    total = PRIOR_WEIGHT * prior + sum(value * weight for value, weight in evidence)
    return total / (PRIOR_WEIGHT + sum(weight for _, weight in evidence))


def _words(text: str) -> frozenset[str]:
    return frozenset(
        word for word in re.findall(r"[a-z0-9]+", text.lower()) if word not in STOPWORDS
    )


def _idea_words(draft: DraftIdea) -> frozenset[str]:
    hashtags = " ".join(draft.hashtags or ())
    return _words(f"{draft.title} {draft.description} {hashtags}")


def _clamp(value: float, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return min(max(value, low), high)

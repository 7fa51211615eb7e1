"""The offline composer for "content_ideas": the answer a model would give, written from the
request's own facts (niches, audience, goals, content types, constraints, top content,
platforms) with fixed templates. Deterministic: the same request gives the same ideas.

Each creativity level has its own templates and its own order of content types (conservative
starts from the type that earns most, creative from the one that earns least).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.ai.model import AIRequest
from services.content_ideas.estimates import content_type_of, record_title
from services.content_ideas.model import IdeaOptions, IdeasProfile
from services.content_ideas.prompt import MAX_DESCRIPTION, MAX_HASHTAG, MAX_TITLE


@dataclass(frozen=True)
class Template:
    title: str
    lead: str


# Fields: {subject} (a niche), {Subject} (capitalised), {other} (another niche or audience
# interest), {format} (what the content type makes), {audience}, {location}, {top}.
TEMPLATES: dict[str, tuple[Template, ...]] = {
    "conservative": (
        Template(
            "{Subject} {format}: the fan favourite, revisited",
            "Go back to what your fans already pay for and give it a fresh finish",
        ),
        Template(
            "Behind the scenes of my {subject} routine",
            "Show the real prep behind your {subject} content, step by step",
        ),
        Template(
            "{Subject} Q&A {format}",
            "Answer the questions your fans ask most about {subject}, one by one",
        ),
        Template(
            "More of “{top}”",
            "A follow-up to one of your best performers, same mood, new details",
        ),
        Template(
            "Weekly {subject} check-in",
            "A regular {format} fans can count on: what you tried this week and how it went",
        ),
        Template(
            "{Subject} tips for fans who love {audience}",
            "Three practical {subject} tips, shown rather than told",
        ),
        Template(
            "Best of {subject}: a recap {format}",
            "Bring back your strongest {subject} moments in one {format} for newer fans",
        ),
        Template(
            "Get ready with me: {subject} edition",
            "An easy, personal {format} that walks fans through your {subject} prep",
        ),
    ),
    "balanced": (
        Template(
            "A day in my {subject} life",
            "Follow one real day, from the first coffee to the last {subject} moment",
        ),
        Template(
            "{Subject} before and after",
            "Show the transformation side by side and let fans guess the steps",
        ),
        Template(
            "{Subject} myths, busted",
            "Take three things people get wrong about {subject} and set them straight",
        ),
        Template(
            "Fans choose: the {subject} {format} you voted for",
            "Run a poll first, then make exactly what the fans picked",
        ),
        Template(
            "{Subject}, new setting: {location}",
            "Take your {subject} content somewhere fans have not seen it yet",
        ),
        Template(
            "My {subject} favourites, ranked",
            "Rank your current {subject} favourites and explain each pick",
        ),
        Template(
            "7-day {subject} challenge",
            "Film or shoot a little every day for a week and share the whole arc",
        ),
        Template(
            "{Subject} with a twist of {other}",
            "Blend {subject} with {other} in a {format} that keeps your usual style",
        ),
    ),
    "creative": (
        Template(
            "{Subject} meets {other}: a crossover {format}",
            "Mash up {subject} and {other} into something your fans have never seen from you",
        ),
        Template(
            "Fan-directed {subject} {format}",
            "Let fans write the script in the comments, then follow it to the letter",
        ),
        Template(
            "{Subject}: the mini-series",
            "Turn {subject} into a numbered series with a cliffhanger at the end of each part",
        ),
        Template(
            "Role swap: a fan's {subject} day, my way",
            "Recreate a fan's ideal {subject} day from their messages, in your own style",
        ),
        Template(
            "One {location}, five {subject} looks",
            "Stay in one place, {location}, and change the {subject} look five times",
        ),
        Template(
            "Mystery box {subject} {format}",
            "Open a box of props chosen by fans and build the {subject} content around them",
        ),
        Template(
            "{Subject} time capsule: then vs now",
            "Recreate your very first {subject} post and compare it with today",
        ),
        Template(
            "Secret {subject} menu",
            "An unlisted {format} that only your most loyal fans get to unlock",
        ),
    ),
}

FORMATS = {"photo": "photo set", "video": "video", "story": "story series", "live": "live"}
TYPE_TIPS = {
    "photo": "Shoot more frames than you need and pick the best five; consistency beats volume.",
    "video": "Open with the most striking shot and cut every take that does not move the story.",
    "story": "Add a poll or a question sticker so views turn into replies.",
    "live": "Announce the live a day ahead and pin a tip goal at the start.",
}
PLATFORM_TIPS = {
    "onlyfans": "On OnlyFans, tease it on your feed and send the full version as a PPV message.",
    "instagram": "On Instagram, lead with the strongest frame and share a teaser to Stories.",
    "tiktok": "On TikTok, hook viewers in the first two seconds and keep it short.",
}
PLATFORM_NAMES = {"onlyfans": "OnlyFans", "instagram": "Instagram", "tiktok": "TikTok"}
TYPE_HASHTAGS = {
    "photo": "#photoshoot",
    "video": "#newvideo",
    "story": "#behindthescenes",
    "live": "#livestream",
}
PLATFORM_HASHTAGS = {"onlyfans": "#onlyfanscreator", "instagram": "#instagood", "tiktok": "#fyp"}
CAPTIONS = {
    "conservative": "You asked, so I made it 💕 {title}. Which part is your favourite?",
    "balanced": "New {subject} {format} just dropped! {title} — tell me what you want next 👇",
    "creative": "I'm trying something totally new 👀 {title}. Should I make more like this?",
}
MAX_TOP_TITLE = 60
FALLBACK_SUBJECT = "lifestyle"  # when the profile names neither niches nor audience interests
MAX_HASHTAGS = 8


def compose_ideas(request: AIRequest) -> str:
    """The JSON answer (prompt.ideas_schema) for the profile and options in `request.inputs`."""
    profile = IdeasProfile.from_json(request.inputs["profile"])
    options = IdeaOptions.from_json(request.inputs["options"])
    facts = _Facts.of(profile)
    types = _ranked_types(profile, reverse=options.creativity == "creative")
    templates = TEMPLATES[options.creativity]
    ideas: list[dict[str, Any]] = []
    titles: set[str] = set()
    for index in range(options.count):
        content_type = types[index % len(types)]
        template = templates[index % len(templates)]
        # Each pass over the templates moves the subject on, so titles do not repeat.
        subject = facts.subjects[(index + index // len(templates)) % len(facts.subjects)]
        fields = facts.fields(index, subject, content_type)
        title = _unique(_capitalised(template.title.format(**fields)), titles)
        ideas.append(
            {
                "title": title,
                "description": _description(template, fields, facts, index, options),
                "contentType": content_type,
                "caption": _caption(options, fields, title) if options.include_captions else None,
                "hashtags": _hashtags(profile, options, subject, content_type)
                if options.include_hashtags
                else None,
                "tips": _tips(facts, content_type, options, index),
            }
        )
    return json.dumps({"ideas": ideas}, ensure_ascii=False)


@dataclass(frozen=True)
class _Facts:
    """The profile's words, with neutral fallbacks where the profile is silent."""

    subjects: tuple[str, ...]
    audience: tuple[str, ...]
    goals: tuple[str, ...]
    locations: tuple[str, ...]
    equipment: tuple[str, ...]
    top_titles: tuple[str, ...]
    best_hours: tuple[str, ...]
    time_availability: str

    @classmethod
    def of(cls, profile: IdeasProfile) -> _Facts:
        history = profile.performance_history
        tops = (record_title(item) for item in history.top_performing_content)
        return cls(
            subjects=_clean(profile.niche)
            or _clean(profile.audience_preferences)
            or (FALLBACK_SUBJECT,),
            audience=_clean(profile.audience_preferences),
            goals=_clean(profile.current_goals),
            locations=_clean(profile.constraints.location),
            equipment=_clean(profile.constraints.equipment),
            top_titles=tuple(
                _fit(title, MAX_TOP_TITLE) for title in tops if title and title.strip()
            ),
            best_hours=_best_hours(history.engagement_patterns),
            time_availability=profile.constraints.time_availability.strip(),
        )

    def fields(self, index: int, subject: str, content_type: str) -> dict[str, str]:
        others = [s for s in self.subjects if s != subject] + list(self.audience)
        return {
            "subject": subject,
            "Subject": _capitalised(subject),
            "other": _pick(others, index, "fan requests"),
            "format": FORMATS[content_type],
            "audience": _pick(self.audience, index, subject),
            "location": _pick(self.locations, index, "home"),
            "top": _pick(self.top_titles, index, f"{subject} {FORMATS[content_type]}"),
        }


def _description(
    template: Template,
    fields: Mapping[str, str],
    facts: _Facts,
    index: int,
    options: IdeaOptions,
) -> str:
    sentences = [_capitalised(template.lead.format(**fields)) + "."]
    if facts.locations:
        sentences.append(f"Where: {fields['location']}.")
    if facts.equipment:
        sentences.append(f"Gear: your {_pick(facts.equipment, index, '')}.")
    if facts.audience:
        sentences.append(f"Made for fans who love {fields['audience']}.")
    builds_on_top = "{top}" in template.title
    if facts.top_titles and options.creativity != "creative" and not builds_on_top:
        sentences.append(f"It builds on “{fields['top']}”, one of your best performers.")
    if facts.goals:
        sentences.append(f"It serves your goal: {_pick(facts.goals, index, '')}.")
    return _fit(" ".join(sentences), MAX_DESCRIPTION)


def _caption(options: IdeaOptions, fields: Mapping[str, str], title: str) -> str:
    caption = CAPTIONS[options.creativity].format(title=title, **fields)
    if "onlyfans" in options.target_platforms:
        caption += " Full version in your DMs 🔒"
    return caption


def _hashtags(
    profile: IdeasProfile, options: IdeaOptions, subject: str, content_type: str
) -> list[str]:
    candidates = [_slug(subject)]
    candidates += [_slug(niche) for niche in profile.niche]
    candidates += [_slug(preference) for preference in profile.audience_preferences[:2]]
    candidates.append(TYPE_HASHTAGS[content_type])
    candidates += [PLATFORM_HASHTAGS[platform] for platform in options.target_platforms]
    tags: list[str] = []
    for tag in candidates:
        if 1 < len(tag) <= MAX_HASHTAG and tag not in tags:
            tags.append(tag)
    return tags[:MAX_HASHTAGS]


def _tips(facts: _Facts, content_type: str, options: IdeaOptions, index: int) -> list[str]:
    """The content type's tip, then up to two of the platform, timing and schedule tips,
    starting at a different one for each idea."""
    extras = []
    if options.target_platforms:
        platform = options.target_platforms[index % len(options.target_platforms)]
        extras.append(PLATFORM_TIPS[platform])
    if facts.best_hours:
        extras.append(
            f"Post around {' or '.join(facts.best_hours)}, when your fans are most active."
        )
    if facts.time_availability:
        extras.append(f"Batch the shoot and the edit to fit your time ({facts.time_availability}).")
    start = index % len(extras) if extras else 0
    return [TYPE_TIPS[content_type], *(extras[start:] + extras[:start])[:2]]


def _ranked_types(profile: IdeasProfile, *, reverse: bool) -> list[str]:
    """The profile's content types, best-earning first (profile order breaks ties)."""
    revenue: dict[str, float] = {}
    for key, value in profile.performance_history.revenue_by_category.items():
        kind = content_type_of(key)
        if kind is not None and isinstance(value, int | float):
            revenue[kind] = revenue.get(kind, 0.0) + value
    ranked = sorted(profile.content_types, key=lambda kind: -revenue.get(kind, 0.0))
    return ranked[::-1] if reverse else ranked


def _best_hours(patterns: Mapping[str, Any]) -> tuple[str, ...]:
    """["20:00", "21:00"] from {"bestHours": [20, 21]} (or "best_hours", "peakHours"). Hours
    may arrive as floats (a protobuf Struct has only doubles)."""
    for key in ("bestHours", "best_hours", "peakHours"):
        hours = patterns.get(key)
        if isinstance(hours, list):
            valid = [
                int(hour)
                for hour in hours
                if isinstance(hour, int | float)
                and not isinstance(hour, bool)
                and float(hour).is_integer()
                and 0 <= hour <= 23
            ]
            return tuple(f"{hour:02d}:00" for hour in valid)[:3]
    return ()


def _clean(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(value.strip() for value in values if value.strip())


def _pick(values: Sequence[str], index: int, default: str) -> str:
    return values[index % len(values)] if values else default


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fit(text: str, limit: int) -> str:
    """`text` on one line, cut with an ellipsis to at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _slug(text: str) -> str:
    return "#" + "".join(ch for ch in text.lower() if ch.isalnum())


def _unique(title: str, seen: set[str]) -> str:
    """`title` fitted to MAX_TITLE, with " (vol. N)" when an earlier idea has it already."""
    candidate, volume = _fit(title, MAX_TITLE), 2
    while candidate in seen:
        suffix = f" (vol. {volume})"
        candidate, volume = _fit(title, MAX_TITLE - len(suffix)) + suffix, volume + 1
    seen.add(candidate)
    return candidate

"""Caption requests and suggestions, and the platforms' limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Longest caption each platform takes (Instagram and TikTok's documented limits; OnlyFans
# posts are kept short by convention) and the hashtags worth sending there.
MAX_CAPTION_CHARS = {"instagram": 2200, "tiktok": 4000, "onlyfans": 1000}
MAX_HASHTAGS = {"instagram": 30, "tiktok": 10, "onlyfans": 10}
DEFAULT_HASHTAGS = 10
DEFAULT_VARIANTS = 3

_TAG_TEXT = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class CaptionRequest:
    platform: str
    content_id: str = ""  # a content item of the caller's, or
    caption: str = ""  # a draft caption
    variants: int = DEFAULT_VARIANTS
    max_hashtags: int = DEFAULT_HASHTAGS


@dataclass(frozen=True)
class Caption:
    text: str
    hashtags: tuple[str, ...]


@dataclass(frozen=True)
class Captions:
    captions: list[Caption]
    model: str


def hashtag(raw: str) -> str | None:
    """`#word` as platforms expect it: lower case, letters, digits and underscores only; None
    when nothing is left (or only digits, which platforms do not link)."""
    body = _TAG_TEXT.sub("", raw.strip().lstrip("#")).lower()
    if not body or body.isdigit() or len(body) > 50:
        return None
    return f"#{body}"


def hashtags_of(raw: list[str], limit: int) -> tuple[str, ...]:
    """Normalised, without duplicates, at most `limit`."""
    tags = (tag for tag in (hashtag(item) for item in raw) if tag is not None)
    return tuple(dict.fromkeys(tags))[:limit]

"""The model's answer: exactly the captions asked for, each within the platform's length, or
MalformedOutput (the router then retries or falls back)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

from services.ai.errors import MalformedOutput
from services.captions.model import Caption, hashtags_of


def captions_parser(
    *, count: int, max_chars: int, max_hashtags: int
) -> Callable[[str], list[Caption]]:
    return partial(parse_captions, count=count, max_chars=max_chars, max_hashtags=max_hashtags)


def parse_captions(text: str, *, count: int, max_chars: int, max_hashtags: int) -> list[Caption]:
    try:
        document = json.loads(text)
    except ValueError as error:
        raise MalformedOutput(f"answer is not JSON: {error}") from error
    items = document.get("captions") if isinstance(document, dict) else None
    if not isinstance(items, list) or len(items) != count:
        raise MalformedOutput(f"expected a 'captions' list of {count}")
    captions: list[Caption] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise MalformedOutput(f"captions[{index}] has no text")
        caption = item["text"].strip()
        if not caption or len(caption) > max_chars:
            raise MalformedOutput(f"captions[{index}] is empty or too long")
        raw_tags = item.get("hashtags")
        if not isinstance(raw_tags, list) or not all(isinstance(t, str) for t in raw_tags):
            raise MalformedOutput(f"captions[{index}] has no hashtag list")
        captions.append(Caption(caption, hashtags_of(raw_tags, max_hashtags)))
    return captions

"""The model's answer: exactly the variants asked for, in the tone asked for, or MalformedOutput
(the router then retries or falls back)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial

from services.ai.errors import MalformedOutput

# What a variant may add to the filled template (greeting, the fan's situation, occasion,
# sign-off): a variant is refused as rambling beyond the filled template plus this much.
MAX_FRAMING_CHARS = 1000


def max_message_chars(filled_template: str) -> int:
    """The longest variant accepted for a template: every template the contract accepts (up to
    2,000 characters, names filled in) must be answerable."""
    return len(filled_template) + MAX_FRAMING_CHARS


def messages_parser(*, count: int, tone: str, filled_template: str) -> Callable[[str], list[str]]:
    """`parse_messages` bound to what this request asked for."""
    return partial(
        parse_messages, count=count, tone=tone, max_chars=max_message_chars(filled_template)
    )


def parse_messages(text: str, *, count: int, tone: str, max_chars: int) -> list[str]:
    """The texts of a `{messages: [{text, tone}]}` answer with exactly `count` items in `tone`,
    none longer than `max_chars`; MalformedOutput for anything else."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise MalformedOutput(f"answer is not JSON: {error}") from error
    items = document.get("messages") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise MalformedOutput("answer has no 'messages' list")
    if len(items) != count:
        raise MalformedOutput(f"expected {count} messages, got {len(items)}")
    texts: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise MalformedOutput(f"messages[{index}] has no text")
        message = item["text"].strip()
        if not message or len(message) > max_chars:
            raise MalformedOutput(f"messages[{index}] is empty or too long")
        if item.get("tone") != tone:
            raise MalformedOutput(f"messages[{index}] has tone {item.get('tone')!r}, not {tone!r}")
        texts.append(message)
    return texts

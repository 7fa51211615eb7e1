"""Captions without a model: a hook, the content in the creator's words, a call to action, and
hashtags from the content's own words and the creator's niches. Deterministic for one input."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from services.ai.model import AIRequest
from services.assistant.messages.restricted import RestrictedWords
from services.captions.model import Caption, hashtag

HOOKS = ("New drop!", "Just for you:", "You asked, here it is:", "Fresh today:", "Don't miss this:")
CALLS = {
    "onlyfans": ("Unlock it now 💌", "Check your DMs for more.", "Subscribe so you don't miss it."),
    "instagram": (
        "Save this for later ✨",
        "Tell me what you think below 👇",
        "Share with a friend!",
    ),
    "tiktok": ("Follow for part 2!", "Comment what's next 👇", "Duet this!"),
}
_WORD = re.compile(r"[^\W\d_][\w'-]{3,}", re.UNICODE)
_STOP = frozenset({"this", "that", "with", "from", "your", "have", "just", "what", "into", "here"})


def compose_captions(request: AIRequest) -> str:
    """The whole answer for the "captions" task, as JSON."""
    inputs = request.inputs
    captions = compose(inputs, int(inputs["variants"]))
    return json.dumps(
        {"captions": [{"text": c.text, "hashtags": list(c.hashtags)} for c in captions]},
        ensure_ascii=False,
    )


def compose(inputs: Mapping[str, Any], count: int, *, exclude: Iterable[str] = ()) -> list[Caption]:
    """`count` distinct captions, none in `exclude`, none containing a restricted word."""
    restricted = RestrictedWords(inputs["restricted_words"])
    core = _clean(inputs["source"], restricted)[: int(inputs["max_chars"]) // 2]
    tags = _tags(inputs, restricted)
    taken = set(exclude)
    calls = CALLS[inputs["platform"]]
    captions: list[Caption] = []
    for index in range(len(HOOKS) * len(calls)):
        hook, call = HOOKS[index % len(HOOKS)], calls[(index // len(HOOKS)) % len(calls)]
        text = f"{hook} {core}\n{call}".strip()[: int(inputs["max_chars"])]
        if text in taken or not restricted.allows(text):
            continue
        taken.add(text)
        captions.append(Caption(text, tags))
        if len(captions) == count:
            break
    return captions


def _clean(source: str, restricted: RestrictedWords) -> str:
    """The source's sentences without those that contain a restricted word."""
    parts = [part.strip() for part in re.split(r"(?<=[.!?\n])\s+", source) if part.strip()]
    kept = [part for part in parts if restricted.allows(part)]
    return " ".join(kept) or "Something new is here."


def _tags(inputs: Mapping[str, Any], restricted: RestrictedWords) -> tuple[str, ...]:
    words = [w for w in _WORD.findall(inputs["source"]) if w.lower() not in _STOP]
    candidates = [*inputs["niches"], *words, inputs["platform"]]
    tags = [
        tag
        for tag in (hashtag(word) for word in candidates)
        if tag is not None and restricted.allows(tag.lstrip("#"))
    ]
    return tuple(dict.fromkeys(tags))[: int(inputs["max_hashtags"])]

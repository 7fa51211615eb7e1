"""The offline composer for task "messages": fan messages written without a model.

Deterministic: the same request gives the same variants. Each variant is the creator's filled
template framed by a greeting, a line for the fan's situation (win-back, trial, VIP...), the
occasion and a sign-off in the requested tone. It cannot translate the creator's template, so it
writes its framing in the template's own language when that is recognisably English or French,
otherwise in the requested language when it has phrasing for it (en, fr), otherwise in English.
Candidates containing a restricted word are skipped; a last set of wordless decorations of the
template (which was checked before generation) guarantees enough distinct variants.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.ai.model import AIRequest
from services.assistant.messages.restricted import RestrictedWords


@dataclass(frozen=True)
class Phrasing:
    greetings: Mapping[str, str]  # per tone; "{first}" is the fan's first name
    closers: Mapping[str, str]  # per tone; "{creator}" is the creator's name
    situations: Mapping[str, tuple[str, str]]  # two lines per situation; "{days}" when known
    re_engage_without_days: tuple[str, str]
    occasion: tuple[str, str]  # "{occasion}"
    stopwords: frozenset[str]


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


ENGLISH = Phrasing(
    greetings={
        "friendly": "Hi {first}!",
        "flirty": "Hey {first} 😘",
        "playful": "Heyyy {first}!",
        "grateful": "{first}, thank you!",
        "professional": "Hello {first},",
        "casual": "Hey {first},",
    },
    closers={
        "friendly": "Talk soon!",
        "flirty": "Can't wait to hear from you 😘",
        "playful": "Your move 😜",
        "grateful": "Thank you for everything 🙏",
        "professional": "Best regards, {creator}",
        "casual": "Catch you later ✌️",
    },
    situations={
        "win_back": (
            "It's been a while, and I'd love to have you back.",
            "Your spot is still here whenever you want to come back.",
        ),
        "convert_trial": (
            "I hope you're enjoying your trial so far.",
            "There's so much more waiting for you once your trial ends.",
        ),
        "welcome": ("So happy you found me, welcome!", "Welcome aboard, I'm glad you're here."),
        "re_engage": (
            "It's been {days} days since your last unlock, and I've saved something new for you.",
            "{days} days is too long! Come see what's new.",
        ),
        "appreciate": (
            "You're one of my biggest supporters and I don't take that for granted.",
            "Having you here means a lot to me.",
        ),
        "nurture": (
            "I just posted something I think you'll love.",
            "I was thinking of you while making my latest set.",
        ),
    },
    re_engage_without_days=(
        "It's been a while since your last unlock, and I've saved something new for you.",
        "Come see what's new, I think you'll like it.",
    ),
    occasion=("Happy {occasion}!", "Wishing you the very best for your {occasion}!"),
    stopwords=_word_set(
        "the you your and to for with is my i thanks thank hi hey hello love of this it "
        "have what just me so new can don't i'm you're"
    ),
)

FRENCH = Phrasing(
    greetings={
        "friendly": "Coucou {first} !",
        "flirty": "Hey {first} 😘",
        "playful": "Coucouuu {first} !",
        "grateful": "{first}, merci !",
        "professional": "Bonjour {first},",
        "casual": "Salut {first},",
    },
    closers={
        "friendly": "À très vite !",
        "flirty": "J'ai hâte de te lire 😘",
        "playful": "À toi de jouer 😜",
        "grateful": "Merci pour tout 🙏",
        "professional": "Belle journée, {creator}",
        "casual": "À plus ✌️",
    },
    situations={
        "win_back": (
            "Ça fait un moment, et j'adorerais te revoir par ici.",
            "Ta place t'attend toujours, reviens quand tu veux.",
        ),
        "convert_trial": (
            "J'espère que ton essai te plaît jusqu'ici.",
            "Il y a encore tellement de choses qui t'attendent après ton essai.",
        ),
        "welcome": (
            "Bienvenue ! Ça me fait tellement plaisir de te voir ici.",
            "Bienvenue, installe-toi et fais comme chez toi.",
        ),
        "re_engage": (
            "Ça fait {days} jours depuis ton dernier achat, et je t'ai gardé une nouveauté.",
            "{days} jours, c'est trop long ! Viens voir ce qui est nouveau.",
        ),
        "appreciate": (
            "Tu fais partie de mes plus grands soutiens et je ne l'oublie pas.",
            "Ta présence compte énormément pour moi.",
        ),
        "nurture": (
            "Je viens de poster quelque chose qui devrait te plaire.",
            "J'ai pensé à toi en préparant mon dernier shooting.",
        ),
    },
    re_engage_without_days=(
        "Ça fait un moment depuis ton dernier achat, et je t'ai gardé une nouveauté.",
        "Viens voir ce qui est nouveau, je pense que ça va te plaire.",
    ),
    occasion=("{occasion} : je pense fort à toi !", "Petite pensée pour toi : {occasion} !"),
    stopwords=_word_set(
        "je tu te toi moi merci pour avec le la les un une des est c'est mon ma mes ton ta tes "
        "bonjour coucou salut bisous vous nous et de du à ça qui que pas très j'ai"
    ),
)

PHRASINGS = {"en": ENGLISH, "fr": FRENCH}

# Wordless decorations: always allowed, so `count` distinct variants always exist (count <= 5).
_DECORATIONS = ("✨", "💖", "😊", "🌟", "💫")
_SENTENCE_END = re.compile(r"[^\w\s]$")  # punctuation or an emoji
_WORD = re.compile(r"[\w']+")


def compose_messages(request: AIRequest) -> str:
    """The whole answer for the "messages" task: `{messages: [{text, tone}]}` as JSON."""
    inputs = request.inputs
    texts = compose_variants(inputs, int(inputs["variants"]))
    messages = [{"text": text, "tone": inputs["tone"]} for text in texts]
    return json.dumps({"messages": messages}, ensure_ascii=False)


def compose_variants(
    inputs: Mapping[str, Any], count: int, *, exclude: Iterable[str] = ()
) -> list[str]:
    """`count` distinct variants built from the request's inputs, none of them in `exclude`
    and none containing a restricted word."""
    fan = inputs["fan"]
    restricted = RestrictedWords(
        inputs["restricted_words"],
        exempt_names=(fan["name"], fan["first_name"], inputs["creator_name"]),
    )
    seen = {text.strip() for text in exclude}
    chosen: list[str] = []
    for candidate in _candidates(inputs):
        if candidate not in seen and restricted.allows(candidate):
            seen.add(candidate)
            chosen.append(candidate)
            if len(chosen) == count:
                break
    return chosen


def phrasing_language(base: str, requested: str | None) -> str:
    """The template's own language when recognisable, else the requested one, else English."""
    words = [word.lower() for word in _WORD.findall(base)]
    scores = {code: sum(word in p.stopwords for word in words) for code, p in PHRASINGS.items()}
    best = max(scores, key=lambda code: scores[code])
    if scores[best] > 0 and list(scores.values()).count(scores[best]) == 1:
        return best
    primary = (requested or "").split("-")[0].lower()
    return primary if primary in PHRASINGS else "en"


def _candidates(inputs: Mapping[str, Any]) -> Iterable[str]:
    base = inputs["base"].strip()
    fan = inputs["fan"]
    tone = inputs["tone"]
    phrasing = PHRASINGS[phrasing_language(base, inputs.get("language"))]
    first = fan["first_name"]
    greeting = phrasing.greetings[tone].format(first=first)
    closer = phrasing.closers[tone].format(creator=inputs["creator_name"])
    situation = _situation_lines(phrasing, fan["situation"], fan.get("days_since_purchase"))
    occasion = inputs.get("occasion")
    greets = first.lower() not in base.lower()  # no second greeting when the base names the fan

    occasion_lines = [_sentence(line.format(occasion=occasion)) for line in phrasing.occasion]
    if occasion:
        yield _join(occasion_lines[0], base)
    yield _join(base, situation[0])
    if greets:
        yield _join(greeting, base)
    yield _join(base, closer)
    yield _join(base, situation[1], closer)
    if occasion:
        yield _join(base, occasion_lines[1])
    if greets:
        yield _join(greeting, base, situation[1])
    yield _join(situation[0], base, closer)
    yield base
    for decoration in _DECORATIONS:
        yield f"{base} {decoration}"


def _situation_lines(phrasing: Phrasing, situation: str, days: int | None) -> tuple[str, str]:
    if situation == "re_engage" and days is None:
        return phrasing.re_engage_without_days
    first, second = phrasing.situations[situation]
    return first.format(days=days), second.format(days=days)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(*parts: str) -> str:
    """Sentences joined by spaces; a part ending mid-sentence gets a full stop first, and a
    letter-style greeting ("Hello Ava,") is followed by a line break."""
    cleaned = [part.strip() for part in parts if part.strip()]
    text = cleaned[0]
    for part in cleaned[1:]:
        if text.endswith(","):
            text = f"{text}\n{part}"
        else:
            text = f"{text} {part}" if _SENTENCE_END.search(text) else f"{text}. {part}"
    return text

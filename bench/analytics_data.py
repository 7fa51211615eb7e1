"""Synthetic analytics events for the analytics suite (bench/analytics_suite.py): deterministic
(one seed), shaped like a creator platform's.

- Creators: the largest has `largest` events, the others follow a power law (rank^-a, `a`
  solved so that all of them add up to `events`): at 10 M events over 1,000 creators, the
  largest 1 M, the second ~530 k, the median ~3.4 k, the smallest ~1.8 k.
- Time: `days` (730) of history ending now, growing over time (the last day is ~1.8x as busy as
  the first), busier on Friday to Sunday, each creator's audience with its own peak hour (US,
  European or Asian evenings).
- Revenue (~45 % of events): sources subscription 35 %, tip 20 %, ppv 20 %, message 14 %,
  stream 4 %, referral 3 %, other 4 %; 2-decimal USD amounts (the creator's subscription price,
  log-normal tips, fixed PPV prices...), ~3 % refunds (negative). Every revenue event but a
  referral names a fan from the creator's pool (3 % of its event count: 30,000 for 1 M events).
  Each fan arrives at some point (more later: growth), stays for an exponential while (mean 120
  days; one in five stays to the end) and spends with a Pareto weight (alpha 1.16, capped at
  300x): a few whales, a long tail.
- Engagement (~55 %): 80 % about a content item (views log-normal around 40, likes at the
  content type's rate, comments a fraction of likes), 12 % direct messages, 8 % profile views.
- Content: each creator publishes items over the history (3 a day for the largest, fewer with
  the square root of the size), typed photo 45 %, video 30 %, text 15 %, live 10 %. An event about
  content names an item published before it, its age drawn from an exponential (mean 1.5 days,
  at most 45): events bunch up in the days after each publication, as feeds do.
  Photo, video and live items are also rows of the creator's content library (the table
  `content`, services.content: its types are photo, video, story and live); text posts are not
  (posts on other platforms), so performance shows titles for the library's items only.

Rows are written as PostgreSQL COPY text (tab-separated), one file per creator, ordered by
time; event ids count up in that order.
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import accumulate
from typing import Any

DAY_S = 86400
HOUR_S = 3600
COLUMNS = (
    "user_id",
    "event_id",
    "type",
    "occurred_ms",
    "platform",
    "source",
    "amount_cents",
    "fan_id",
    "content_id",
    "content_type",
    "views",
    "likes",
    "comments",
    "messages",
)
REVENUE_SHARE = 0.45
REFUND_SHARE = 0.03
FANS_PER_EVENT = 0.03
CONTENT_PER_DAY = 3.0  # the largest creator's
GROWTH = 0.8  # density 1 at the start of the history, 1.8 at its end
WEEKDAY_WEIGHT = (0.8, 0.8, 0.8, 0.8, 1.0, 1.0, 1.0)  # Monday first
CONTENT_DECAY_S = 1.5 * DAY_S
CONTENT_MAX_AGE_S = 45 * DAY_S
FAN_STAY_DAYS = 120.0
LOYAL_FANS = 0.2
SOURCES = ("subscription", "tip", "ppv", "message", "stream", "referral", "other")
SOURCE_CUM = list(accumulate((35, 20, 20, 14, 4, 3, 4)))
# Share of each source's events about a content item.
SOURCE_CONTENT = {"tip": 0.4, "ppv": 1.0, "message": 0.1, "stream": 0.6}
CONTENT_TYPES = ("photo", "video", "text", "live")
CONTENT_TYPE_CUM = list(accumulate((45, 30, 15, 10)))
LIBRARY_TYPES = frozenset({"photo", "video", "live"})
# (likes + comments) per view, by content type.
RATES = {"photo": 0.08, "video": 0.06, "text": 0.04, "live": 0.12}
PPV_PRICES = (499, 999, 1499, 1999, 2499, 2999, 4999)
PPV_CUM = list(accumulate((3, 5, 4, 3, 2, 1, 1)))
SUBSCRIPTION_PRICES = (499, 999, 1299, 1499, 1999)
ENGAGEMENT_PLATFORMS = ("onlyfans", "instagram", "tiktok", "x")
ENGAGEMENT_PLATFORM_CUM = list(accumulate((40, 30, 20, 10)))
PEAK_HOURS_UTC = (2, 2, 2, 3, 1, 20, 19, 21, 13)  # US, European, Asian evenings


@dataclass(frozen=True)
class Shape:
    events: int
    creators: int
    largest: int
    days: int
    seed: int
    now_s: int  # the data ends here (exclusive)

    @property
    def start_s(self) -> int:
        """Midnight UTC `days - 1` days before today: the first day of the history."""
        return (self.now_s // DAY_S - (self.days - 1)) * DAY_S

    def sizes(self) -> list[int]:
        return creator_sizes(self.events, self.creators, self.largest)


def creator_sizes(total: int, creators: int, largest: int) -> list[int]:
    """Events per creator, largest first: `largest`, then largest * rank^-a for ranks 2..n
    with `a` chosen so the whole adds up to `total` (rounded by largest remainders)."""
    if creators == 1:
        return [total]
    rest = total - largest
    if rest < 0 or largest * (creators - 1) < rest:
        raise ValueError(
            f"{total} events over {creators} creators cannot have a largest of {largest}"
        )
    ranks = range(2, creators + 1)
    low, high = 0.0, 20.0
    for _ in range(80):
        middle = (low + high) / 2
        if sum(largest * r**-middle for r in ranks) > rest:
            low = middle
        else:
            high = middle
    raw = [largest * r**-low for r in ranks]
    scale = rest / sum(raw)
    raw = [value * scale for value in raw]
    sizes = [int(value) for value in raw]
    short = rest - sum(sizes)
    by_remainder = sorted(range(len(raw)), key=lambda i: raw[i] - sizes[i], reverse=True)
    for i in by_remainder[:short]:
        sizes[i] += 1
    return [largest, *sizes]


def user_ids(seed: int, creators: int) -> list[str]:
    """Ids for the creators inserted directly (a UUID each, as services.common.ids makes)."""
    rng = random.Random(f"{seed}:users")
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(creators)]


@dataclass(frozen=True)
class ContentItem:
    id: str
    type: str
    published_s: int


Row = tuple[int, str, str, str, int, str, str, str, int, int, int, int]
# occurred_ms, type, platform, source, amount_cents, fan_id, content_id, content_type,
# views, likes, comments, messages


class Creator:
    """One creator's fans, content and habits; draws its events."""

    def __init__(self, shape: Shape, index: int, size: int) -> None:
        rng = random.Random(f"{shape.seed}:creator:{index}")
        self.shape = shape
        self.index = index
        self.size = size
        self._start_s = shape.start_s
        self._first_weekday = (shape.start_s // DAY_S + 3) % 7  # Monday 0
        self._latest_s = shape.now_s - 60
        share = size / shape.largest if shape.largest else 1.0
        self.price_cents = rng.choice(SUBSCRIPTION_PRICES)
        self.revenue_platform = "onlyfans" if rng.random() < 0.8 else "fansly"
        peak = rng.choice(PEAK_HOURS_UTC)
        self.hour_cum = list(
            accumulate(
                0.15 + math.exp(-(min(abs(h - peak), 24 - abs(h - peak)) ** 2) / 18)
                for h in range(24)
            )
        )
        fans = max(5, round(size * FANS_PER_EVENT))
        weights, self.fan_first, self.fan_last = [], [], []
        for _ in range(fans):
            weights.append(min(rng.paretovariate(1.16), 300.0))
            first = self._growth_day(rng)
            stay = shape.days if rng.random() < LOYAL_FANS else rng.expovariate(1 / FAN_STAY_DAYS)
            self.fan_first.append(first)
            self.fan_last.append(min(first + stay + 1, shape.days))
        self.fan_cum = list(accumulate(weights))
        count = max(3, round(CONTENT_PER_DAY * shape.days * math.sqrt(share)))
        published = sorted(shape.start_s + int(self._growth_day(rng) * DAY_S) for _ in range(count))
        self.content = [
            ContentItem(
                f"c{index:04d}-{k:05d}",
                CONTENT_TYPES[bisect.bisect(CONTENT_TYPE_CUM, rng.random() * 100)],
                at,
            )
            for k, at in enumerate(published)
        ]
        self.published = [item.published_s for item in self.content]

    @property
    def fans(self) -> int:
        return len(self.fan_cum)

    def _growth_day(self, rng: random.Random) -> float:
        """A day offset in [0, days), denser later (density 1 + GROWTH * x)."""
        u = rng.random()
        g = GROWTH
        x = (-1 + math.sqrt(1 + 2 * g * u * (1 + g / 2))) / g
        return min(x, 0.999999) * self.shape.days

    def _moment(self, rng: random.Random, low_day: float, high_day: float) -> int:
        """Epoch ms of a moment between two day offsets: a day (Friday to Sunday preferred),
        then an hour of the creator's daily curve; never at or after now."""
        random_ = rng.random
        span = high_day - low_day
        day = int(low_day + random_() * span)
        for _ in range(4):
            if random_() < WEEKDAY_WEIGHT[(self._first_weekday + day) % 7]:
                break
            day = int(low_day + random_() * span)
        hour = bisect.bisect(self.hour_cum, random_() * self.hour_cum[-1])
        at = self._start_s + day * DAY_S + min(hour, 23) * HOUR_S + int(random_() * HOUR_S)
        while at >= self._latest_s:  # today, later than now: the day before
            at -= DAY_S
        return at * 1000 + int(random_() * 1000)

    def _content(self, rng: random.Random, at_ms: int) -> ContentItem | None:
        age = rng.expovariate(1 / CONTENT_DECAY_S)
        if age > CONTENT_MAX_AGE_S:
            return None
        j = bisect.bisect_right(self.published, at_ms // 1000 - age) - 1
        return self.content[j] if j >= 0 else None

    def fan(self, rng: random.Random) -> int:
        return bisect.bisect(self.fan_cum, rng.random() * self.fan_cum[-1])

    def revenue(self, rng: random.Random, at_ms: int, fan: int) -> Row:
        source = SOURCES[bisect.bisect(SOURCE_CUM, rng.random() * 100)]
        cents = self._amount(rng, source)
        if rng.random() < REFUND_SHARE:
            cents = -cents
        item = self._content(rng, at_ms) if rng.random() < SOURCE_CONTENT.get(source, 0) else None
        return (
            at_ms,
            "revenue",
            self.revenue_platform,
            source,
            cents,
            "" if source == "referral" else f"fan-{fan:05d}",
            item.id if item else "",
            item.type if item else "",
            0,
            0,
            0,
            0,
        )

    def _amount(self, rng: random.Random, source: str) -> int:
        if source == "subscription":
            return self.price_cents // 2 if rng.random() < 0.1 else self.price_cents
        if source == "tip":
            cents = _lognormal(rng, 1000, 0.9, 100, 100_000)
            return cents // 100 * 100 if rng.random() < 0.6 else cents
        if source == "ppv":
            return PPV_PRICES[bisect.bisect(PPV_CUM, rng.random() * PPV_CUM[-1])]
        if source == "message":
            return _lognormal(rng, 800, 0.7, 300, 20_000)
        if source == "stream":
            return _lognormal(rng, 1500, 1.0, 100, 50_000)
        if source == "referral":
            return rng.randint(100, 2000)
        return _lognormal(rng, 500, 0.8, 100, 20_000)

    def engagement(self, rng: random.Random, at_ms: int) -> Row:
        kind = rng.random()
        item = self._content(rng, at_ms) if kind < 0.8 else None
        if item is not None:
            views = _lognormal(rng, 40, 1.0, 1, 200_000)
            likes = int(views * RATES[item.type] * (0.4 + rng.random()))
            comments = int(likes * (0.05 + 0.2 * rng.random()))
            platform = (
                "x"
                if item.type == "text"
                else ENGAGEMENT_PLATFORMS[
                    bisect.bisect(ENGAGEMENT_PLATFORM_CUM, rng.random() * 100)
                ]
            )
            return (
                at_ms,
                "engagement",
                platform,
                "",
                0,
                "",
                item.id,
                item.type,
                views,
                likes,
                comments,
                0,
            )
        if 0.8 <= kind < 0.92:
            messages = _lognormal(rng, 3, 0.8, 1, 500)
            platform = self.revenue_platform
            return (at_ms, "engagement", platform, "", 0, "", "", "", 0, 0, 0, messages)
        views = _lognormal(rng, 10, 1.0, 1, 50_000)
        return (at_ms, "engagement", "instagram", "", 0, "", "", "", views, 0, 0, 0)

    def events(self) -> list[Row]:
        """Every event of the history, ordered by time."""
        rng = random.Random(f"{self.shape.seed}:events:{self.index}")
        revenue = round(self.size * REVENUE_SHARE)
        rows: list[Row] = []
        for _ in range(revenue):
            fan = self.fan(rng)
            at = self._moment(rng, self.fan_first[fan], self.fan_last[fan])
            rows.append(self.revenue(rng, at, fan))
        for _ in range(self.size - revenue):
            day = self._growth_day(rng)
            rows.append(self.engagement(rng, self._moment(rng, day, day + 1)))
        rows.sort()
        return rows

    def recent(self, rng: random.Random, days: float) -> Row:
        """One event of the last `days` days (new events for the ingestion runs)."""
        low = self.shape.days - days
        at = self._moment(rng, low, self.shape.days)
        if rng.random() < REVENUE_SHARE:
            return self.revenue(rng, at, self.fan(rng))
        return self.engagement(rng, at)


def _lognormal(rng: random.Random, median: float, sigma: float, low: int, high: int) -> int:
    return max(low, min(high, int(median * math.exp(rng.gauss(0.0, sigma)))))


def copy_lines(user_id: str, rows: Sequence[Row]) -> Iterator[str]:
    """COPY text lines (no value holds a tab, a newline or a backslash)."""
    for number, row in enumerate(rows):
        at, kind, platform, source, cents, fan, content, ctype, views, likes, comments, msgs = row
        yield (
            f"{user_id}\te{number:07d}\t{kind}\t{at}\t{platform}\t{source}\t{cents}\t{fan}\t"
            f"{content}\t{ctype}\t{views}\t{likes}\t{comments}\t{msgs}\n"
        )


def write_creator(job: tuple[Shape, int, int, str, str]) -> dict[str, Any]:
    """Writes one creator's events (a COPY text file); what was written. Runs in a pool."""
    shape, index, size, user_id, path = job
    creator = Creator(shape, index, size)
    rows = creator.events()
    with open(path, "w", buffering=1 << 20) as out:
        out.writelines(copy_lines(user_id, rows))
    revenue = [row for row in rows if row[1] == "revenue"]
    return {
        "index": index,
        "path": path,
        "events": len(rows),
        "revenue_events": len(revenue),
        "refunds": sum(1 for row in revenue if row[4] < 0),
        "net_cents": sum(row[4] for row in revenue),
        "fans": creator.fans,
        "fans_seen": len({row[5] for row in revenue if row[5]}),
        "content_items": len(creator.content),
        "events_with_content": sum(1 for row in rows if row[6]),
        "library": [
            (item.id, item.type, item.published_s)
            for item in creator.content
            if item.type in LIBRARY_TYPES
        ],
    }


def event_fields(row: Row) -> str:
    """The event's JSON members but its id, as POST /api/analytics/events takes them."""
    at, kind, platform, source, cents, fan, content, ctype, views, likes, comments, msgs = row
    occurred = datetime.fromtimestamp(at / 1000, UTC).isoformat(timespec="milliseconds")
    parts = [
        f'"type":"{kind}"',
        f'"occurredAt":"{occurred.replace("+00:00", "Z")}"',
        f'"platform":"{platform}"',
    ]
    if kind == "revenue":
        parts += [f'"source":"{source}"', f'"amount":{cents / 100}', '"currency":"USD"']
    if fan:
        parts.append(f'"fanId":"{fan}"')
    if content:
        parts += [f'"contentId":"{content}"', f'"contentType":"{ctype}"']
    for name, value in (("views", views), ("likes", likes), ("comments", comments)):
        if value:
            parts.append(f'"{name}":{value}')
    if msgs:
        parts.append(f'"messages":{msgs}')
    return ",".join(parts)


def ingest_pool(creator: Creator, count: int, days: float, seed: int) -> list[str]:
    """`count` recent events of `creator` (event_fields), for batches to cycle through, each
    time under new ids."""
    rng = random.Random(f"{seed}:ingest:{creator.index}")
    return [event_fields(creator.recent(rng, days)) for _ in range(count)]


def batch_body(pool: Sequence[str], prefix: str, start: int, size: int) -> bytes:
    """{"events": [...]} of `size` events of `pool` from `start` on (cycling), with the ids
    `<prefix><i>`: new events as long as the prefix is new."""
    count = len(pool)
    events = ",".join(f'{{"id":"{prefix}{i}",{pool[(start + i) % count]}}}' for i in range(size))
    return ('{"events":[' + events + "]}").encode()


def wall_now_s() -> int:
    return int(datetime.now(UTC).timestamp())

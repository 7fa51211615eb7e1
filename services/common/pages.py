"""Cursor pagination for every list (`?page.limit=&page.cursor=`): keyset on (created_at, id),
newest first, so pages neither skip nor repeat items while new ones are added.

The cursor is opaque to clients: the position it stands for and a digest of the list's filters,
so a cursor reused with other filters is refused instead of answering a wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from services.errors import FieldViolation, InvalidArgument

DEFAULT_LIMIT = 20
T = TypeVar("T")
CURSOR_FIELD = "page.cursor"


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last item's creation time and id."""

    created_at: datetime
    id: str


class Listed(Protocol):
    """What a paged list holds: records with a creation time and an id."""

    @property
    def created_at(self) -> datetime: ...

    @property
    def id(self) -> str: ...


L = TypeVar("L", bound=Listed)


def position_of(item: Listed) -> Position:
    return Position(item.created_at, item.id)


@dataclass(frozen=True)
class PageRequest:
    limit: int = 0  # 0: DEFAULT_LIMIT
    cursor: str = ""

    @property
    def size(self) -> int:
        return self.limit or DEFAULT_LIMIT


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str

    @property
    def has_more(self) -> bool:
        return bool(self.next_cursor)


def _digest(filters: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]


def encode_cursor(position: Position, filters: dict[str, str]) -> str:
    raw = json.dumps(
        {"t": position.created_at.isoformat(), "i": position.id, "f": _digest(filters)}
    ).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, filters: dict[str, str]) -> Position | None:
    """The position a cursor stands for (None for the first page); InvalidArgument for a cursor
    this list did not give, or gave for other filters."""
    if not cursor:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position = Position(datetime.fromisoformat(data["t"]), str(data["i"]))
        matches = data["f"] == _digest(filters) and position.created_at.tzinfo is not None
    except (ValueError, KeyError, TypeError):
        matches = False
    if not matches:
        raise InvalidArgument(
            "page.cursor is not a cursor of this list with these filters",
            [FieldViolation(CURSOR_FIELD, "not a cursor this list gave", "page.cursor_invalid")],
        )
    return position


def page_of(
    items: list[T],
    request: PageRequest,
    filters: dict[str, str],
    *,
    position: Callable[[T], Position] = position_of,  # type: ignore[assignment]
) -> Page[T]:
    """A page from up to `request.size + 1` items fetched after the cursor: the extra one only
    says another page exists. `position` is the list's key (a schedule is ordered by the
    posts' times, not their creation)."""
    shown = items[: request.size]
    more = len(items) > request.size
    return Page(shown, encode_cursor(position(shown[-1]), filters) if more else "")

"""Getting events in: a batch (the events API) or a whole statement (the CSV import), each all
or nothing: every event is checked before any is stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from services.analytics.model import (
    REVENUE,
    Event,
    Ingested,
    cents_of,
    check_moment,
    latest_ms,
    refuse,
)
from services.analytics.ports import AnalyticsUnitOfWork
from services.common.clock import Clock
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory
from services.errors import FieldViolation


class EventDraft(NamedTuple):
    """An event as received (the request rules already hold); `label` names it in errors
    ("events[3]", "line 12"), `position` orders those errors (the index, the line number).
    A NamedTuple for the reason services.analytics.model.Event is one."""

    label: str
    position: int
    id: str
    type: str
    occurred_ms: int  # epoch milliseconds
    platform: str = ""
    source: str = ""
    amount: float | None = None
    fan_id: str = ""
    content_id: str = ""
    content_type: str = ""
    views: int = 0
    likes: int = 0
    comments: int = 0
    messages: int = 0


class EventIntake:
    def __init__(
        self, uow_factory: UnitOfWorkFactory[AnalyticsUnitOfWork], *, clock: Clock
    ) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def ingest(
        self,
        caller: Principal,
        drafts: Sequence[EventDraft],
        rejected: Sequence[tuple[int, FieldViolation]] = (),
    ) -> Ingested:
        """Store the drafts' new events. A draft whose id came earlier in the same call is a
        duplicate too. Events naming an item of the caller's content library take its type.
        `rejected`: (position, violation) of inputs the edge could not even draft; they are
        reported with the drafts' own violations, in position order, and nothing is stored."""
        events = self.check(drafts, rejected)
        unique: dict[str, Event] = {}
        for event in events:
            unique.setdefault(event.id, event)
        async with self._uow() as uow:
            library = await uow.analytics.library(
                caller.user_id, [e.content_id for e in unique.values() if e.content_id]
            )
            linked = [
                _typed(event, library[event.content_id].type)
                if event.content_id in library
                else event
                for event in unique.values()
            ]
            accepted = await uow.analytics.add(caller.user_id, linked)
            await uow.commit()
        return Ingested(accepted=accepted, duplicates=len(events) - accepted)

    def check(
        self, drafts: Sequence[EventDraft], rejected: Sequence[tuple[int, FieldViolation]] = ()
    ) -> list[Event]:
        """The events, or InvalidArgument naming every bad field (`<label>.<field>`)."""
        latest = latest_ms(self._clock())
        violations: list[tuple[int, FieldViolation]] = list(rejected)
        events: list[Event] = []
        for draft in drafts:
            why = check_moment(draft.occurred_ms, latest)
            if why:
                violations.append(
                    (
                        draft.position,
                        FieldViolation(f"{draft.label}.occurred_at", why, "event.occurred_at"),
                    )
                )
            cents = 0
            if draft.type == REVENUE and draft.amount is not None:
                exact = cents_of(draft.amount)
                if exact is None:
                    violations.append(
                        (
                            draft.position,
                            FieldViolation(
                                f"{draft.label}.amount",
                                "more than 2 decimals",
                                "event.amount_cents",
                            ),
                        )
                    )
                cents = exact or 0
            events.append(
                Event(
                    id=draft.id,
                    type=draft.type,
                    occurred_ms=draft.occurred_ms,
                    platform=draft.platform,
                    source=draft.source,
                    amount_cents=cents,
                    fan_id=draft.fan_id,
                    content_id=draft.content_id,
                    content_type=draft.content_type,
                    views=draft.views,
                    likes=draft.likes,
                    comments=draft.comments,
                    messages=draft.messages,
                )
            )
        if violations:
            violations.sort(key=lambda found: found[0])
            raise refuse([violation for _, violation in violations], "invalid events")
        return events


def _typed(event: Event, content_type: str) -> Event:
    return event._replace(content_type=content_type)

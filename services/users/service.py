"""The signed-in user's own account: read, update the name and creator profile, delete."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from functools import cache
from typing import Any

from services.common.clock import Clock, utc_now
from services.common.security_events import SecurityEvents
from services.db.models import User
from services.db.uow import UnitOfWorkFactory, retry_read
from services.errors import FieldViolation, InvalidArgument, NotFound


@dataclass(frozen=True)
class Profile:
    """The creator profile; stored as one JSON object on the user row."""

    bio: str = ""
    niches: tuple[str, ...] = ()
    content_types: tuple[str, ...] = ()
    audience_preferences: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    timezone: str = ""
    restricted_words: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Profile:
        """Tolerant of missing and unknown keys: the column may predate a new field."""
        data = data or {}
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name in data:
                value = data[field.name]
                values[field.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


@dataclass(frozen=True)
class UserView:
    id: str
    email: str
    name: str
    subscription: str
    is_active: bool
    profile: Profile
    created_at: datetime
    updated_at: datetime


PROFILE_FIELDS = frozenset(field.name for field in fields(Profile))


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_timezone(timezone: str | None) -> None:
    """An IANA time zone name (scheduling depends on it) or empty (not set)."""
    if timezone and timezone not in _time_zones():
        raise InvalidArgument(
            f"unknown time zone {timezone!r}: use an IANA name such as Europe/Paris",
            [
                FieldViolation(
                    "profile.timezone",
                    "must be an IANA time zone name, e.g. Europe/Paris",
                    "timezone.iana",
                )
            ],
        )


def normalise_email(email: str) -> str:
    """The stored and compared form of an address: trimmed, lowercase."""
    return email.strip().lower()


def user_view(user: User) -> UserView:
    return UserView(
        id=user.id,
        email=user.email,
        name=user.name,
        subscription=user.subscription,
        is_active=user.is_active,
        profile=Profile.from_json(user.profile),
        created_at=user.created_at,
        updated_at=user.updated_at,
    )


class UserService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        clock: Clock = utc_now,
        events: SecurityEvents | None = None,
        account_changed: Callable[[str], None] = lambda user_id: None,
    ) -> None:
        """`account_changed(user_id)` is told when an account is deleted, so this process stops
        accepting its tokens at once (other workers follow within their status cache TTL)."""
        self._uow = uow_factory
        self._clock = clock
        self._events = events or SecurityEvents()
        self._account_changed = account_changed

    @retry_read
    async def get(self, user_id: str) -> UserView:
        async with self._uow(write=False) as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("user not found")
            return user_view(user)

    async def update(
        self,
        user_id: str,
        *,
        name: str | None = None,
        profile_changes: Mapping[str, Any] | None = None,
    ) -> UserView:
        """Set the name (when given) and the given profile fields (`Profile` field name ->
        value); every other field is kept. Everything else is server-owned."""
        changes = dict(profile_changes or {})
        unknown = set(changes) - PROFILE_FIELDS
        if unknown:
            raise ValueError(f"not profile fields: {sorted(unknown)}")
        _check_timezone(changes.get("timezone"))
        async with self._uow() as uow:
            user = await uow.users.get(user_id)
            if user is None:
                raise NotFound("user not found")
            if name is not None:
                user.name = name
            if changes:
                user.profile = replace(Profile.from_json(user.profile), **changes).to_json()
            user.updated_at = self._clock()
            await uow.commit()
            return user_view(user)

    async def delete(self, user_id: str, *, client_address: str) -> None:
        """Delete the account; content, subscriptions and refresh tokens go with it (the
        foreign keys cascade), so every session of the user ends too."""
        async with self._uow() as uow:
            if not await uow.users.delete(user_id):
                raise NotFound("user not found")
            await uow.commit()
        self._account_changed(user_id)
        self._events.record("account_deleted", user_id=user_id, client_address=client_address)

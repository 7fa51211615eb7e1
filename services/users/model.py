"""Accounts: what is stored (Account) and what is shown (UserView)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

PLANS = ("free", "pro", "enterprise")


@dataclass(frozen=True)
class Profile:
    """The creator profile; stored as one JSON object on the account."""

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
        """Tolerant of missing and unknown keys: the stored object may predate a new field."""
        data = data or {}
        values: dict[str, Any] = {}
        for field in fields(cls):
            if field.name in data:
                value = data[field.name]
                values[field.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)


PROFILE_FIELDS = frozenset(field.name for field in fields(Profile))


@dataclass(frozen=True)
class UserView:
    """An account as the account's owner (and the API) may see it: no password hash."""

    id: str
    email: str
    name: str
    subscription: str
    is_active: bool
    profile: Profile
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Account:
    id: str
    email: str  # normalised (normalise_email): the unique key
    name: str
    password_hash: str
    subscription: str
    is_active: bool
    profile: Profile
    created_at: datetime
    updated_at: datetime

    def view(self) -> UserView:
        return UserView(
            id=self.id,
            email=self.email,
            name=self.name,
            subscription=self.subscription,
            is_active=self.is_active,
            profile=self.profile,
            created_at=self.created_at,
            updated_at=self.updated_at,
        )


def normalise_email(email: str) -> str:
    """The stored and compared form of an address: trimmed, lowercase."""
    return email.strip().lower()

"""Sessions and sign-in throttling: the records and the lockout rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class RefreshToken:
    """One refresh token (only its SHA-256 is stored). A sign-in starts a family; each refresh
    marks the presented token used and adds its child to the same family."""

    id: str
    user_id: str
    family_id: str
    token_hash: str
    remember_me: bool
    created_at: datetime
    expires_at: datetime
    parent_id: str | None = None
    replaced_by_id: str | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Throttle:
    """Failed sign-ins of one (e-mail hash, client address) pair."""

    failures: int
    last_failed_at: datetime
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now


def after_failure(
    current: Throttle | None, *, now: datetime, max_failures: int, window: timedelta
) -> Throttle:
    """The throttle after one more failure: failures older than `window`, or from before an
    expired lock, no longer count; the `max_failures`-th within `window` locks the pair for
    `window` (and starts the count again)."""
    stale = (
        current is None
        or current.last_failed_at <= now - window
        or (current.locked_until is not None and current.locked_until <= now)
    )
    failures = 1 if stale or current is None else current.failures + 1
    if failures >= max_failures:
        return Throttle(failures=0, last_failed_at=now, locked_until=now + window)
    return Throttle(failures=failures, last_failed_at=now)

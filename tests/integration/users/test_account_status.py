"""The account status cache the auth interceptor asks on every call (SQLite and PostgreSQL)."""

from __future__ import annotations

from support.auth import build_services

from services.db import UnitOfWorkFactory
from services.users.admin import AccountAdmin
from services.users.status import AccountStatusCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_change_shows_within_the_ttl_or_at_once_when_told(
    uow_factory: UnitOfWorkFactory,
) -> None:
    services = build_services(uow_factory)
    user = await services.auth.sign_up(
        name="Ava", email="ava@example.com", password="correct horse 9", client_address="x"
    )
    clock = Clock()
    status = AccountStatusCache(uow_factory, ttl_seconds=5, clock=clock)
    assert await status(user.id)
    await AccountAdmin(uow_factory).set_active("ava@example.com", False)
    assert await status(user.id)  # cached: another worker's change shows within the TTL...
    clock.now += 5
    assert not await status(user.id)  # ...and then
    await AccountAdmin(uow_factory).set_active("ava@example.com", True)
    status.forget(user.id)  # what this worker's own change does
    assert await status(user.id)
    assert not await status("no-such-user")

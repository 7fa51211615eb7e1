"""The account use cases on the in-memory unit of work: the owner's own account, the status the
auth interceptor asks about, and the operator's commands."""

from __future__ import annotations

import logging

import pytest
from support.domain import ADDRESS, PASSWORD, Services, signed_up
from support.fakes import MemoryDatabase

from services.admin.accounts import AccountAdmin
from services.errors import InvalidArgument, NotFound
from services.users.model import Profile
from services.users.status import AccountStatusCache


async def test_get_and_update_profile(services: Services) -> None:
    user_id = await signed_up(services)
    before = await services.users.get(user_id)
    services.clock.advance(60)
    changes = {"bio": "Fitness creator", "niches": ("fitness", "yoga"), "timezone": "Europe/Paris"}
    updated = await services.users.update(user_id, name="Ada L.", profile_changes=changes)
    assert updated.name == "Ada L."
    assert updated.profile == Profile(**changes)
    assert updated.updated_at == services.clock()
    assert updated.created_at == before.created_at
    assert (updated.subscription, updated.email) == ("free", "ada@example.com")
    renamed = await services.users.update(user_id, name="Ada")
    assert renamed.profile == updated.profile  # untouched when not given
    assert await services.users.get(user_id) == renamed
    with pytest.raises(NotFound):
        await services.users.get("missing")
    with pytest.raises(NotFound):
        await services.users.update("missing", name="x")


async def test_a_partial_profile_is_merged_into_the_stored_one(services: Services) -> None:
    user_id = await signed_up(services)
    await services.users.update(
        user_id, profile_changes={"bio": "Yoga", "niches": ("yoga",), "goals": ("grow",)}
    )
    merged = await services.users.update(
        user_id, profile_changes={"timezone": "America/New_York", "goals": ()}
    )
    assert merged.profile == Profile(bio="Yoga", niches=("yoga",), timezone="America/New_York")


@pytest.mark.parametrize("timezone", ["Mars/Olympus", "Europe/paris", "../etc/passwd", "UTC+2"])
async def test_a_time_zone_must_be_an_iana_name(services: Services, timezone: str) -> None:
    user_id = await signed_up(services)
    with pytest.raises(InvalidArgument) as refused:
        await services.users.update(user_id, profile_changes={"timezone": timezone})
    assert [(v.field, v.reason) for v in refused.value.violations] == [
        ("profile.timezone", "timezone.iana")
    ]
    assert (await services.users.get(user_id)).profile.timezone == ""


async def test_delete_forgets_the_account_and_is_a_security_event(
    services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = await signed_up(services)
    with caplog.at_level(logging.INFO, logger="huntaze.security"):
        await services.users.delete(user_id, client_address=ADDRESS)
    assert [(r.event, r.user_id) for r in caplog.records] == [("account_deleted", user_id)]
    assert not await services.domain.accounts(user_id)  # this worker knows at once
    with pytest.raises(NotFound):
        await services.users.delete(user_id, client_address=ADDRESS)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_the_status_cache_sees_a_change_within_the_ttl_or_at_once_when_told(
    services: Services, database: MemoryDatabase
) -> None:
    user_id = await signed_up(services)
    clock = Clock()
    status = AccountStatusCache(database, ttl_seconds=5, clock=clock)
    assert await status(user_id)
    await AccountAdmin(database).set_active("ada@example.com", False)
    assert await status(user_id)  # cached: another worker's change shows within the TTL...
    clock.now += 5
    assert not await status(user_id)  # ...and then
    await AccountAdmin(database).set_active("ada@example.com", True)
    status.forget(user_id)  # what this worker's own change does
    assert await status(user_id)
    assert not await status("no-such-user")


async def test_the_operator_lists_upgrades_and_deactivates(
    services: Services, database: MemoryDatabase
) -> None:
    forgotten: list[str] = []
    admin = AccountAdmin(database, clock=services.clock, account_changed=forgotten.append)
    user_id = await signed_up(services)
    services.clock.advance(1)
    await signed_up(services, "bob@agency.example")
    assert (await admin.set_plan("ADA@example.com", "pro")).user.subscription == "pro"
    assert [u.email for u in await admin.list(email_contains="AGENCY")] == ["bob@agency.example"]
    assert [u.email for u in await admin.list()] == ["ada@example.com", "bob@agency.example"]
    await services.auth.sign_in(
        email="ada@example.com", password=PASSWORD, remember_me=True, client_address=ADDRESS
    )
    change = await admin.set_active("ada@example.com", False)
    assert (change.user.is_active, change.revoked_sessions) == (False, 1)
    assert forgotten == [user_id]
    with pytest.raises(InvalidArgument):
        await admin.set_plan("ada@example.com", "platinum")
    with pytest.raises(NotFound):
        await admin.set_plan("nobody@example.com", "pro")

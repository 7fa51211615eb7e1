"""One contract, three implementations: every behaviour the use cases rely on, checked against
the in-memory repositories the unit tests use (tests/support/fakes.py) and against SQLite and
PostgreSQL. A fake that drifts from the database fails here."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from support.fakes import an_account

from server.app import AppUnitOfWork
from services.ai.budget import Reservation, UsageRecord
from services.ai.model import Usage
from services.auth.model import RefreshToken, Throttle
from services.campaigns.model import Campaign
from services.common.ids import new_id
from services.common.pages import Position
from services.common.uow import UnitOfWorkFactory
from services.content.model import ContentFilter, ContentItem
from services.errors import Conflict, NotFound
from services.users.model import Account, Profile

NOW = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
Factory = UnitOfWorkFactory[AppUnitOfWork]


def account(email: str = "ada@example.com") -> Account:
    return an_account(email=email, created_at=NOW, updated_at=NOW)


def token(user_id: str, family_id: str, token_hash: str, **fields: object) -> RefreshToken:
    return replace(
        RefreshToken(
            id=new_id(),
            user_id=user_id,
            family_id=family_id,
            token_hash=token_hash,
            remember_me=False,
            created_at=NOW,
            expires_at=NOW + timedelta(days=1),
        ),
        **fields,  # type: ignore[arg-type]
    )


async def stored(uow: Factory, *accounts: Account) -> None:
    async with uow() as work:
        for one in accounts:
            await work.users.add(one)
        await work.commit()


async def test_accounts_round_trip_and_change(uow: Factory) -> None:
    ada = account()
    await stored(uow, ada)
    async with uow(write=False) as work:
        assert await work.users.get(ada.id) == ada
        assert await work.users.get_by_email("ada@example.com") == ada
        assert await work.users.get("missing") is None
    renamed = replace(ada, name="Ada L.", profile=Profile(timezone="Europe/Paris"))
    async with uow() as work:
        await work.users.save(renamed)
        await work.commit()
    async with uow(write=False) as work:
        assert await work.users.get(ada.id) == renamed


async def test_a_taken_email_is_a_conflict(uow: Factory) -> None:
    await stored(uow, account())
    async with uow() as work:
        with pytest.raises(Conflict):
            await work.users.add(account())


async def test_uncommitted_work_is_rolled_back(uow: Factory) -> None:
    async with uow() as work:
        await work.users.add(account())
    with pytest.raises(RuntimeError):
        async with uow() as work:
            await work.users.add(account("grace@example.com"))
            raise RuntimeError("use case failed")
    async with uow(write=False) as work:
        assert await work.users.list() == []


async def test_list_filters_and_orders_oldest_first(uow: Factory) -> None:
    old, new = account("old@agency.example"), replace(account("new@x.example"), created_at=NOW)
    old = replace(old, created_at=NOW - timedelta(days=1))
    await stored(uow, new, old)
    async with uow(write=False) as work:
        assert [a.email for a in await work.users.list()] == [old.email, new.email]
        assert [a.email for a in await work.users.list(email_contains="agency")] == [old.email]
        assert [a.email for a in await work.users.list(email_contains="_")] == []
        assert len(await work.users.list(limit=1)) == 1


async def test_content_of_a_user_that_does_not_exist_is_not_found(uow: Factory) -> None:
    owner = account()
    await stored(uow, owner)
    async with uow() as work:
        with pytest.raises(NotFound):
            await work.content.add_all([content(owner.id), content("no-such-user")])
    async with uow(write=False) as work:
        assert await work.content.list_for_user(owner.id) == []


async def test_deleting_an_account_deletes_what_it_owns(uow: Factory) -> None:
    owner, other = account(), account("grace@example.com")
    await stored(uow, owner, other)
    async with uow() as work:
        for one in (owner, other):
            await work.refresh_tokens.add(token(one.id, new_id(), f"hash-{one.id}"))
            await work.content.add_all([content(one.id)])
            await work.ai_spend.lock_month(one.id, "2026-03", now=NOW)
        await work.commit()
    async with uow() as work:
        assert await work.users.delete(owner.id)
        assert not await work.users.delete("missing")
        await work.commit()
    async with uow(write=False) as work:
        assert await work.refresh_tokens.get_by_hash(f"hash-{owner.id}") is None
        assert await work.refresh_tokens.get_by_hash(f"hash-{other.id}") is not None
        assert await work.content.list_for_user(owner.id) == []
        assert len(await work.content.list_for_user(other.id)) == 1


async def test_refresh_tokens_are_used_once_and_revoked(uow: Factory) -> None:
    owner = account()
    family = new_id()
    first = token(owner.id, family, "h1")
    await stored(uow, owner)
    async with uow() as work:
        await work.refresh_tokens.add(first)
        await work.refresh_tokens.add(token(owner.id, family, "h2", created_at=NOW))
        await work.refresh_tokens.add(token(owner.id, new_id(), "h3"))
        await work.commit()
    async with uow() as work:
        assert await work.refresh_tokens.mark_used(first.id, replaced_by_id="x", now=NOW)
        assert not await work.refresh_tokens.mark_used(first.id, replaced_by_id="y", now=NOW)
        used = await work.refresh_tokens.get_by_hash("h1", for_update=True)
        assert used is not None and (used.used_at, used.replaced_by_id) == (NOW, "x")
        # h2 is a never-used sibling created at NOW: "before NOW - 1 s" leaves it alone.
        assert (
            await work.refresh_tokens.revoke_unused(
                family, except_id=first.id, created_before=NOW - timedelta(seconds=1), now=NOW
            )
            == 0
        )
        assert (
            await work.refresh_tokens.revoke_unused(
                family, except_id=first.id, created_before=NOW, now=NOW
            )
            == 1
        )
        assert await work.refresh_tokens.revoke_family(family, now=NOW) == 1  # h1 still alive
        assert await work.refresh_tokens.revoke_all_of_user(owner.id, now=NOW) == 1  # h3
        await work.commit()
    async with uow(write=False) as work:
        for token_hash in ("h1", "h2", "h3"):
            found = await work.refresh_tokens.get_by_hash(token_hash)
            assert found is not None and found.revoked_at == NOW, token_hash


async def test_throttles_are_created_held_saved_and_cleared(uow: Factory) -> None:
    async with uow() as work:
        fresh = await work.signin_throttles.get_for_update("key", "10.0.0.1", now=NOW)
        assert fresh == Throttle(failures=0, last_failed_at=NOW)
        locked = Throttle(failures=0, last_failed_at=NOW, locked_until=NOW + timedelta(hours=1))
        await work.signin_throttles.save("key", "10.0.0.1", locked)
        await work.signin_throttles.get_for_update("key", "10.0.0.2", now=NOW)
        await work.commit()
    async with uow() as work:
        assert await work.signin_throttles.get("key", "10.0.0.1") == locked
        assert await work.signin_throttles.get_for_update("key", "10.0.0.1", now=NOW) == locked
        await work.signin_throttles.clear("key", "10.0.0.1")
        await work.commit()
    async with uow(write=False) as work:
        assert await work.signin_throttles.get("key", "10.0.0.1") is None
        assert await work.signin_throttles.get("key", "10.0.0.2") is not None


def content(user_id: str, title: str = "t", at: datetime = NOW) -> ContentItem:
    return ContentItem(
        id=new_id(),
        user_id=user_id,
        title=title,
        body="b",
        type="photo",
        status="draft",
        ai_generated=True,
        created_at=at,
        updated_at=at,
    )


async def test_content_lists_newest_first(uow: Factory) -> None:
    owner = account()
    await stored(uow, owner)
    async with uow() as work:
        await work.content.add_all(
            [content(owner.id, "old", NOW), content(owner.id, "new", NOW + timedelta(hours=1))]
        )
        await work.commit()
    async with uow(write=False) as work:
        assert [item.title for item in await work.content.list_for_user(owner.id)] == [
            "new",
            "old",
        ]


async def test_content_pages_filter_and_continue_after_a_position(uow: Factory) -> None:
    owner, other = account(), account("bob@example.com")
    await stored(uow, owner, other)
    same_time = [content(owner.id, f"tie{i}", NOW) for i in range(3)]
    later = replace(content(owner.id, "video", NOW + timedelta(hours=1)), type="video")
    ready = replace(content(owner.id, "ready", NOW - timedelta(hours=1)), status="ready")
    async with uow() as work:
        await work.content.add_all([*same_time, later, ready, content(other.id, "bob's")])
        await work.commit()
    everything, ties = ContentFilter(), sorted(same_time, key=lambda i: i.id, reverse=True)
    async with uow(write=False) as work:
        first = await work.content.list_page(owner.id, everything, after=None, limit=2)
        assert first == [later, ties[0]]
        position = Position(first[-1].created_at, first[-1].id)
        rest = await work.content.list_page(owner.id, everything, after=position, limit=10)
        assert rest == [*ties[1:], ready]
        videos = await work.content.list_page(
            owner.id, ContentFilter(type="video"), after=None, limit=10
        )
        assert videos == [later]
        drafts = await work.content.list_page(
            owner.id, ContentFilter(status="ready"), after=None, limit=10
        )
        assert drafts == [ready]


async def test_content_is_read_changed_and_deleted_by_its_owner_only(uow: Factory) -> None:
    owner, other = account(), account("bob@example.com")
    await stored(uow, owner, other)
    item = content(owner.id)
    async with uow() as work:
        await work.content.add_all([item])
        await work.content.save(replace(item, user_id=other.id, title="hijacked"))
        assert not await work.content.delete(other.id, item.id)
        await work.commit()
    async with uow() as work:
        assert await work.content.get(other.id, item.id) is None
        assert await work.content.get(owner.id, item.id) == item
        changed = replace(item, title="new", status="ready", updated_at=NOW + timedelta(1))
        await work.content.save(changed)
        assert await work.content.get(owner.id, item.id) == changed
        assert await work.content.delete(owner.id, item.id)
        await work.commit()
    async with uow(write=False) as work:
        assert await work.content.get(owner.id, item.id) is None


def campaign(user_id: str, title: str = "c", at: datetime = NOW) -> Campaign:
    return Campaign(
        id=new_id(),
        user_id=user_id,
        title=title,
        description="d",
        status="draft",
        platforms=("onlyfans", "tiktok"),
        budget_cents=1999,
        starts_at=at,
        ends_at=None,
        created_at=at,
        updated_at=at,
    )


async def test_campaigns_round_trip_page_and_belong_to_their_owner(uow: Factory) -> None:
    owner, other = account(), account("bob@example.com")
    await stored(uow, owner, other)
    ties = [campaign(owner.id, f"t{i}") for i in range(3)]
    newest = campaign(owner.id, "new", NOW + timedelta(hours=1))
    async with uow() as work:
        for one in [*ties, newest, campaign(other.id)]:
            await work.campaigns.add(one)
        await work.commit()
    ordered = [newest, *sorted(ties, key=lambda c: c.id, reverse=True)]
    async with uow() as work:
        first = await work.campaigns.list_page(owner.id, after=None, limit=2)
        assert first == ordered[:2]
        after = Position(first[-1].created_at, first[-1].id)
        assert await work.campaigns.list_page(owner.id, after=after, limit=9) == ordered[2:]
        assert await work.campaigns.get(other.id, newest.id) is None
        changed = replace(newest, status="active", platforms=("instagram",), ends_at=NOW)
        await work.campaigns.save(changed)
        await work.campaigns.save(replace(ties[0], user_id=other.id, title="hijacked"))
        assert not await work.campaigns.delete(other.id, newest.id)
        await work.commit()
    async with uow() as work:
        assert await work.campaigns.get(owner.id, newest.id) == changed
        assert (await work.campaigns.get(owner.id, ties[0].id)) == ties[0]
        assert await work.campaigns.delete(owner.id, newest.id)
        await work.commit()


async def test_the_ai_ledger_reserves_settles_and_expires(uow: Factory) -> None:
    owner = account()
    await stored(uow, owner)
    held = Reservation(owner.id, "2026-03", 500, new_id())
    stale = Reservation(owner.id, "2026-03", 700, new_id())
    async with uow() as work:
        assert await work.ai_spend.lock_month(owner.id, "2026-03", now=NOW) == 0
        await work.ai_spend.add_reservation(
            held, created_at=NOW, expires_at=NOW + timedelta(minutes=15)
        )
        await work.ai_spend.add_reservation(
            stale, created_at=NOW - timedelta(hours=1), expires_at=NOW - timedelta(seconds=1)
        )
        await work.commit()
    async with uow() as work:
        assert await work.ai_spend.reserved_micros(owner.id, "2026-03", now=NOW) == 500
        assert held.id is not None
        await work.ai_spend.settle(
            held.id, user_id=owner.id, month="2026-03", cost_micros=120, now=NOW
        )
        record = UsageRecord("text", "openai", "gpt-4o-mini", Usage(10, 20), 120)
        await work.ai_spend.add_usage(owner.id, record, now=NOW)
        await work.commit()
    async with uow() as work:
        assert await work.ai_spend.reserved_micros(owner.id, "2026-03", now=NOW) == 0
        assert await work.ai_spend.lock_month(owner.id, "2026-03", now=NOW) == 120
        assert await work.ai_spend.spent_micros(owner.id, "2026-03") == 120
        assert await work.ai_spend.spent_micros(owner.id, "2026-04") == 0

"""The content library's use cases on the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from support.clock import FakeClock
from support.fakes import MemoryDatabase, an_account

from services.common.ids import new_id
from services.common.pages import PageRequest
from services.common.principal import Principal
from services.content.model import ContentChanges, ContentFilter, ContentItem
from services.content.service import ContentLibrary
from services.errors import FailedPrecondition, InvalidArgument, NotFound

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
EVERYTHING = ContentFilter()


@pytest.fixture
def uow() -> MemoryDatabase:
    return MemoryDatabase()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def library(uow: MemoryDatabase, clock: FakeClock) -> ContentLibrary:
    return ContentLibrary(uow, clock=clock, ids=new_id)


async def a_creator(uow: MemoryDatabase) -> Principal:
    account = an_account(email=f"{new_id()}@example.com")
    async with uow() as unit:
        await unit.users.add(account)
        await unit.commit()
    return Principal(account.id, "free")


async def test_created_items_are_drafts_unless_said_otherwise(
    uow: MemoryDatabase, library: ContentLibrary
) -> None:
    me = await a_creator(uow)
    draft = await library.create(me, title="Beach", body="", type="photo", status="")
    ready = await library.create(me, title="Gym", body="set", type="video", status="ready")
    assert (draft.status, ready.status) == ("draft", "ready")
    assert not draft.ai_generated
    assert await library.get(me, draft.id) == draft


async def test_pages_cover_every_item_once_newest_first_even_with_equal_times(
    uow: MemoryDatabase, library: ContentLibrary, clock: FakeClock
) -> None:
    me = await a_creator(uow)
    created: list[ContentItem] = []
    for index in range(7):
        if index % 2:
            clock.advance(1)  # pairs share a creation time
        created.append(
            await library.create(me, title=f"#{index}", body="", type="photo", status="")
        )
    seen: list[ContentItem] = []
    cursor = ""
    while True:
        page = await library.list(me, EVERYTHING, PageRequest(limit=3, cursor=cursor))
        seen += page.items
        if not page.has_more:
            break
        cursor = page.next_cursor
    expected = sorted(created, key=lambda item: (item.created_at, item.id), reverse=True)
    assert seen == expected


async def test_filters_and_their_cursors_go_together(
    uow: MemoryDatabase, library: ContentLibrary
) -> None:
    me = await a_creator(uow)
    for kind in ("photo", "video", "photo", "photo"):
        await library.create(me, title=kind, body="", type=kind, status="")
    photos = ContentFilter(type="photo")
    first = await library.list(me, photos, PageRequest(limit=2))
    assert [item.type for item in first.items] == ["photo", "photo"]
    assert first.has_more
    with pytest.raises(InvalidArgument) as refused:
        await library.list(me, ContentFilter(type="video"), PageRequest(cursor=first.next_cursor))
    assert refused.value.violations[0].field == "page.cursor"
    for bogus in ("nope", "e30", "!!!"):
        with pytest.raises(InvalidArgument):
            await library.list(me, photos, PageRequest(cursor=bogus))


async def test_changes_replace_only_the_fields_given(
    uow: MemoryDatabase, library: ContentLibrary, clock: FakeClock
) -> None:
    me = await a_creator(uow)
    item = await library.create(me, title="Old", body="keep", type="photo", status="")
    clock.advance(60)
    changed = await library.update(me, item.id, ContentChanges(title="New", status="ready"))
    assert (changed.title, changed.body, changed.status) == ("New", "keep", "ready")
    assert changed.updated_at == NOW + timedelta(minutes=1)
    assert await library.get(me, item.id) == changed


async def test_someone_elses_item_does_not_exist(
    uow: MemoryDatabase, library: ContentLibrary
) -> None:
    me, stranger = await a_creator(uow), await a_creator(uow)
    item = await library.create(me, title="Mine", body="", type="photo", status="")
    with pytest.raises(NotFound):
        await library.get(stranger, item.id)
    with pytest.raises(NotFound):
        await library.update(stranger, item.id, ContentChanges(title="Theirs"))
    with pytest.raises(NotFound):
        await library.delete(stranger, item.id)
    assert (await library.list(stranger, EVERYTHING, PageRequest())).items == []


@pytest.mark.parametrize("status", ["scheduled", "published"])
async def test_items_the_schedule_owns_are_not_edited(
    uow: MemoryDatabase, library: ContentLibrary, status: str
) -> None:
    me = await a_creator(uow)
    item = await library.create(me, title="Post", body="", type="photo", status="")
    async with uow() as unit:
        stored = await unit.content.get(me.user_id, item.id)
        assert stored is not None
        await unit.content.save(replace(stored, status=status))  # what the schedule does
        await unit.commit()
    with pytest.raises(FailedPrecondition):
        await library.update(me, item.id, ContentChanges(title="Edited"))
    if status == "scheduled":
        with pytest.raises(FailedPrecondition):
            await library.delete(me, item.id)
    else:
        await library.delete(me, item.id)
        with pytest.raises(NotFound):
            await library.get(me, item.id)

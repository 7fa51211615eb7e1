"""The content-ideas use case on the in-memory unit of work, with a fake AI (the saved rows on
SQLite and PostgreSQL are the e2e tests' business)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pytest
from support.clock import FakeClock
from support.fakes import MemoryDatabase, an_account

from services.ai.errors import MalformedOutput
from services.ai.model import AIRequest
from services.common.principal import Principal
from services.content_ideas.effort import EffortModel
from services.content_ideas.estimates import EstimationModel
from services.content_ideas.model import IdeaOptions, IdeasProfile
from services.content_ideas.offline import compose_ideas
from services.content_ideas.prompt import build_request
from services.content_ideas.service import ContentIdeasService
from services.errors import NotFound, Unavailable

CALLER = Principal(user_id="user-1", plan="pro")


@dataclass(frozen=True)
class FakeParsed:
    value: Any


@dataclass
class FakeAI:
    """Answers with the offline composer (or `answer`), through the parse it is given, and
    records what it was asked. `during` runs while the "upstream call" is in flight."""

    answer: Callable[[AIRequest], str] = compose_ideas
    during: Callable[[], Awaitable[None]] | None = None
    failure: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    async def complete_parsed(
        self,
        request: AIRequest,
        parse: Callable[[str], Any],
        *,
        caller: Principal,
        cache: bool = False,
    ) -> FakeParsed:
        self.calls.append({"request": request, "parse": parse, "caller": caller, "cache": cache})
        if self.during is not None:
            await self.during()
        if self.failure is not None:
            raise self.failure
        return FakeParsed(parse(self.answer(request)))


class TrackingUow:
    """A unit-of-work factory counting how many units of work are open."""

    def __init__(self, factory: MemoryDatabase, events: list[str]) -> None:
        self._factory = factory
        self.events = events
        self.open = 0

    def __call__(self, **kwargs: Any) -> TrackingUow._Unit:
        return TrackingUow._Unit(self, self._factory(**kwargs))

    class _Unit:
        def __init__(self, tracker: TrackingUow, inner: Any) -> None:
            self._tracker = tracker
            self._inner = inner

        async def __aenter__(self) -> Any:
            self._tracker.open += 1
            self._tracker.events.append("uow open")
            return await self._inner.__aenter__()

        async def __aexit__(
            self,
            exc_type: type[BaseException] | None,
            exc: BaseException | None,
            traceback: TracebackType | None,
        ) -> None:
            await self._inner.__aexit__(exc_type, exc, traceback)
            self._tracker.open -= 1
            self._tracker.events.append("uow closed")


@dataclass
class Harness:
    service: ContentIdeasService
    ai: FakeAI
    uow: TrackingUow
    clock: FakeClock
    events: list[str]

    async def saved(self) -> list[Any]:
        async with self.uow(write=False) as uow:
            return await uow.content.list_for_user(CALLER.user_id)


@pytest.fixture
async def harness() -> Harness:
    clock = FakeClock()
    database = MemoryDatabase()
    async with database() as uow:
        await uow.users.add(an_account(id=CALLER.user_id, email="ava@example.com", name="Ava"))
        await uow.commit()
    events: list[str] = []
    tracker = TrackingUow(database, events)
    ai = FakeAI()
    ids = (f"idea-{n}" for n in itertools.count(1))
    service = ContentIdeasService(ai, tracker, clock=clock, new_id=lambda: next(ids))
    return Harness(service, ai, tracker, clock, events)


async def test_ideas_are_returned_and_saved_as_draft_content(
    harness: Harness, profile: IdeasProfile
) -> None:
    options = IdeaOptions(count=3, creativity="balanced")
    result = await harness.service.generate(CALLER, profile, options)

    assert (result.profile_id, result.options, result.generated_at) == (
        profile.id,
        options,
        harness.clock(),
    )
    assert [idea.id for idea in result.ideas] == ["idea-1", "idea-2", "idea-3"]
    saved = {row.id: row for row in await harness.saved()}
    assert set(saved) == {"idea-1", "idea-2", "idea-3"}
    for idea in result.ideas:
        row = saved[idea.id]
        assert (row.user_id, row.title, row.body, row.type) == (
            CALLER.user_id,
            idea.title,
            idea.description,
            idea.content_type,
        )
        assert (row.status, row.ai_generated) == ("draft", True)
        assert row.created_at == row.updated_at == idea.generated_at == harness.clock()


async def test_numbers_and_effort_come_from_the_documented_models(
    harness: Harness, profile: IdeasProfile
) -> None:
    options = IdeaOptions(count=4, creativity="creative")
    result = await harness.service.generate(CALLER, profile, options)
    model = EstimationModel(profile.performance_history, profile.content_types)
    efforts = EffortModel(profile.constraints)
    drafts = harness.ai.calls[0]["parse"](compose_ideas(build_request(profile, options)))
    for idea, draft in zip(result.ideas, drafts, strict=True):
        expected = model.estimate(draft, "creative")
        assert (idea.estimated_engagement, idea.estimated_revenue) == (
            expected.engagement,
            expected.revenue,
        )
        effort = efforts.effort(idea.content_type, "creative")
        assert (idea.difficulty, idea.time_required) == (effort.difficulty, effort.time_required)
        assert effort.minutes <= 120  # the profile has 2h/day


async def test_caption_and_hashtags_only_when_asked(
    harness: Harness, profile: IdeasProfile
) -> None:
    plain = await harness.service.generate(CALLER, profile, IdeaOptions(count=2))
    assert all(idea.caption is None and idea.hashtags is None for idea in plain.ideas)
    rich = await harness.service.generate(
        CALLER, profile, IdeaOptions(count=2, include_captions=True, include_hashtags=True)
    )
    assert all(idea.caption and idea.hashtags for idea in rich.ideas)


async def test_no_unit_of_work_is_open_while_the_model_answers(
    harness: Harness, profile: IdeasProfile
) -> None:
    async def upstream_call() -> None:
        assert harness.uow.open == 0
        harness.events.append("model call")

    harness.ai.during = upstream_call
    await harness.service.generate(CALLER, profile, IdeaOptions(count=2))
    assert harness.events == ["model call", "uow open", "uow closed"]


async def test_the_ai_is_asked_with_the_parser_and_the_cache(
    harness: Harness, profile: IdeasProfile
) -> None:
    options = IdeaOptions(count=2, creativity="conservative", include_hashtags=True)
    await harness.service.generate(CALLER, profile, options)
    [call] = harness.ai.calls
    assert call["request"] == build_request(profile, options)
    assert (call["caller"], call["cache"]) == (CALLER, True)
    # The parse handed to the AI service rejects what must be retried or fall back.
    parse = call["parse"]
    with pytest.raises(MalformedOutput):
        parse("Sure! Here are some ideas: ...")
    with pytest.raises(MalformedOutput):  # one idea too few
        parse(json.dumps({"ideas": json.loads(compose_ideas(call["request"]))["ideas"][:1]}))
    assert len(parse(compose_ideas(call["request"]))) == 2


async def test_nothing_is_saved_when_the_ai_fails(harness: Harness, profile: IdeasProfile) -> None:
    for failure in (Unavailable("every deployment is down"), MalformedOutput("gave up")):
        harness.ai.failure = failure
        with pytest.raises(type(failure)):
            await harness.service.generate(CALLER, profile, IdeaOptions(count=2))
    assert harness.events == []  # no unit of work was even opened
    assert await harness.saved() == []


async def test_a_deleted_account_gets_not_found_and_nothing_is_saved(
    harness: Harness, profile: IdeasProfile
) -> None:
    ghost = Principal(user_id="gone", plan="free")
    with pytest.raises(NotFound):
        await harness.service.generate(ghost, profile, IdeaOptions(count=1))
    async with harness.uow(write=False) as uow:
        assert await uow.content.list_for_user("gone") == []

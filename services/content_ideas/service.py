"""The content-ideas use case: ask the model for ideas, price and size them with the documented
models, save them as the user's draft content. A request without a performance history takes the
creator's measured one (`measured_history`: services.analytics.history)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from datetime import datetime

from services.ai.ports import StructuredAI
from services.common.principal import Principal
from services.common.uow import UnitOfWorkFactory
from services.content.model import ContentItem
from services.content.ports import ContentUnitOfWork
from services.content_ideas.effort import EffortModel
from services.content_ideas.estimates import EstimationModel
from services.content_ideas.model import (
    DraftIdea,
    Idea,
    IdeaOptions,
    IdeasProfile,
    IdeasResult,
    PerformanceHistory,
)
from services.content_ideas.prompt import build_request, ideas_parser

HistorySource = Callable[[Principal], Awaitable[PerformanceHistory | None]]


class ContentIdeasService:
    def __init__(
        self,
        ai: StructuredAI,
        uow_factory: UnitOfWorkFactory[ContentUnitOfWork],
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
        measured_history: HistorySource | None = None,
    ) -> None:
        self._ai = ai
        self._uow = uow_factory
        self._clock = clock
        self._new_id = new_id
        self._measured_history = measured_history

    async def generate(
        self, caller: Principal, profile: IdeasProfile, options: IdeaOptions
    ) -> IdeasResult:
        """`options.count` ideas for `profile`, saved as the caller's draft content.

        The model call runs with no database transaction open; the ideas are written
        afterwards in one short unit of work. The request's rules (content types, count,
        creativity, platforms) are the contract's: protovalidate checks them at the edge.
        """
        profile = await self._with_history(caller, profile)
        parsed = await self._ai.complete_parsed(
            build_request(profile, options),
            ideas_parser(profile, options),
            caller=caller,
            cache=True,
        )
        now = self._clock()
        estimates = EstimationModel(profile.performance_history, profile.content_types)
        efforts = EffortModel(profile.constraints)
        ideas = tuple(self._idea(draft, options, estimates, efforts, now) for draft in parsed.value)
        async with self._uow() as uow:
            # NotFound when the account was deleted meanwhile (the foreign key refuses it).
            await uow.content.add_all([_content(caller, idea) for idea in ideas])
            await uow.commit()
        return IdeasResult(ideas=ideas, generated_at=now, profile_id=profile.id, options=options)

    async def _with_history(self, caller: Principal, profile: IdeasProfile) -> IdeasProfile:
        """The profile, its empty history replaced by the measured one when there is one (read
        in its own short transaction, before the model call)."""
        history = profile.performance_history
        given = (
            history.top_performing_content
            or history.engagement_patterns
            or history.revenue_by_category
        )
        if given or self._measured_history is None:
            return profile
        measured = await self._measured_history(caller)
        if measured is None:
            return profile
        return dataclasses.replace(profile, performance_history=measured)

    def _idea(
        self,
        draft: DraftIdea,
        options: IdeaOptions,
        estimates: EstimationModel,
        efforts: EffortModel,
        now: datetime,
    ) -> Idea:
        estimate = estimates.estimate(draft, options.creativity)
        effort = efforts.effort(draft.content_type, options.creativity)
        return Idea(
            id=self._new_id(),
            title=draft.title,
            description=draft.description,
            content_type=draft.content_type,
            estimated_engagement=estimate.engagement,
            estimated_revenue=estimate.revenue,
            difficulty=effort.difficulty,
            time_required=effort.time_required,
            caption=draft.caption,  # the parser keeps these only when they were asked for
            hashtags=draft.hashtags,
            tips=draft.tips,
            generated_at=now,
        )


def _content(caller: Principal, idea: Idea) -> ContentItem:
    return ContentItem(
        id=idea.id,
        user_id=caller.user_id,
        title=idea.title,
        body=idea.description,
        type=idea.content_type,
        status="draft",
        ai_generated=True,
        created_at=idea.generated_at,
        updated_at=idea.generated_at,
    )

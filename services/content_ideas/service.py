"""The content-ideas use case: ask the model for ideas, price and size them with the documented
models, save them as the user's draft content."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from services.ai.ports import StructuredAI
from services.common.principal import Principal
from services.content_ideas.effort import EffortModel
from services.content_ideas.estimates import EstimationModel
from services.content_ideas.model import (
    CONTENT_TYPES,
    CREATIVITY_LEVELS,
    MAX_IDEAS,
    PLATFORMS,
    DraftIdea,
    Idea,
    IdeaOptions,
    IdeasProfile,
    IdeasResult,
)
from services.content_ideas.prompt import build_request, ideas_parser
from services.db.models import Content
from services.db.uow import UnitOfWorkFactory
from services.errors import FieldViolation, InvalidArgument, NotFound

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class ContentIdeasService:
    def __init__(
        self,
        ai: StructuredAI,
        uow_factory: UnitOfWorkFactory,
        *,
        clock: Callable[[], datetime],
        new_id: Callable[[], str],
    ) -> None:
        self._ai = ai
        self._uow = uow_factory
        self._clock = clock
        self._new_id = new_id

    async def generate(
        self, caller: Principal, profile: IdeasProfile, options: IdeaOptions
    ) -> IdeasResult:
        """`options.count` ideas for `profile`, saved as the caller's draft content.

        The model call runs with no database transaction open; the ideas are written
        afterwards in one short unit of work.
        """
        _validate(profile, options)
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
            if await uow.users.get(caller.user_id) is None:
                raise NotFound("user not found")
            await uow.content.add_all([_content(caller, idea) for idea in ideas])
            await uow.commit()
        return IdeasResult(ideas=ideas, generated_at=now, profile_id=profile.id, options=options)

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


def _content(caller: Principal, idea: Idea) -> Content:
    return Content(
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


def _validate(profile: IdeasProfile, options: IdeaOptions) -> None:
    """The contract's rules the models depend on, for callers that skipped protovalidate."""
    violations = []
    if not profile.content_types:
        violations.append(
            FieldViolation(
                "creatorProfile.contentTypes",
                "must name at least one content type",
                "repeated.min_items",
            )
        )
    violations += [
        FieldViolation(
            f"creatorProfile.contentTypes[{index}]",
            f"must be one of {', '.join(CONTENT_TYPES)}",
            "string.in",
        )
        for index, kind in enumerate(profile.content_types)
        if kind not in CONTENT_TYPES
    ]
    if not 1 <= options.count <= MAX_IDEAS:
        violations.append(
            FieldViolation("options.count", f"must be between 1 and {MAX_IDEAS}", "int32.gte_lte")
        )
    if options.creativity not in CREATIVITY_LEVELS:
        violations.append(
            FieldViolation(
                "options.creativity",
                f"must be one of {', '.join(CREATIVITY_LEVELS)}",
                "string.in",
            )
        )
    violations += [
        FieldViolation(
            f"options.targetPlatforms[{index}]",
            f"must be one of {', '.join(PLATFORMS)}",
            "string.in",
        )
        for index, platform in enumerate(options.target_platforms)
        if platform not in PLATFORMS
    ]
    if violations:
        raise InvalidArgument("invalid content ideas request", violations)

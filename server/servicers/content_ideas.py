"""huntaze.v1.ContentIdeasService (POST /api/content-ideas/generate), and the conversions the
assistant's content-ideas tool shares with it: same engine, same shapes."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
from google.protobuf import json_format
from huntaze.v1 import content_ideas_pb2, content_ideas_pb2_grpc

from interceptors.context import current_principal, current_request
from server.servicers.convert import timestamp
from services.content_ideas.model import (
    CreatorConstraints,
    Idea,
    IdeaOptions,
    IdeasProfile,
    IdeasResult,
    PerformanceHistory,
)
from services.content_ideas.service import ContentIdeasService


class ContentIdeasServicer(content_ideas_pb2_grpc.ContentIdeasServiceServicer):
    def __init__(self, ideas: ContentIdeasService) -> None:
        self._ideas = ideas

    async def GenerateContentIdeas(
        self,
        request: content_ideas_pb2.GenerateContentIdeasRequest,
        context: grpc.aio.ServicerContext,
    ) -> content_ideas_pb2.GenerateContentIdeasResponse:
        data, meta = await generate_ideas(self._ideas, request.creator_profile, request.options)
        return content_ideas_pb2.GenerateContentIdeasResponse(success=True, data=data, meta=meta)


async def generate_ideas(
    ideas: ContentIdeasService,
    profile: content_ideas_pb2.ContentIdeasProfile,
    options: content_ideas_pb2.ContentIdeasOptions,
) -> tuple[content_ideas_pb2.ContentIdeasData, content_ideas_pb2.ResponseMeta]:
    """Run the use case and build the response envelope's `data` and `meta`."""
    result = await ideas.generate(current_principal(), profile_of(profile), options_of(options))
    request = current_request()
    meta = content_ideas_pb2.ResponseMeta(
        request_id=request.request_id,
        timestamp=timestamp(datetime.now(UTC)),
        duration=round(request.elapsed_ms(), 3),
    )
    return ideas_data(result), meta


def profile_of(message: content_ideas_pb2.ContentIdeasProfile) -> IdeasProfile:
    history = message.performance_history
    constraints = message.constraints
    return IdeasProfile(
        id=message.id,
        niche=tuple(message.niche),
        content_types=tuple(message.content_types),
        audience_preferences=tuple(message.audience_preferences),
        performance_history=PerformanceHistory(
            top_performing_content=[
                json_format.MessageToDict(item) for item in history.top_performing_content
            ],
            engagement_patterns=json_format.MessageToDict(history.engagement_patterns),
            revenue_by_category=dict(history.revenue_by_category),
        ),
        current_goals=tuple(message.current_goals),
        constraints=CreatorConstraints(
            equipment=tuple(constraints.equipment),
            location=tuple(constraints.location),
            time_availability=constraints.time_availability,
        ),
    )


def options_of(message: content_ideas_pb2.ContentIdeasOptions) -> IdeaOptions:
    """The options with the spec's defaults for every absent field."""
    given = {
        name: getattr(message, name)
        for name in ("count", "creativity", "include_hashtags", "include_captions")
        if message.HasField(name)
    }
    return IdeaOptions(**given, target_platforms=tuple(message.target_platforms))


def ideas_data(result: IdeasResult) -> content_ideas_pb2.ContentIdeasData:
    options = result.options
    return content_ideas_pb2.ContentIdeasData(
        ideas=[idea_message(idea) for idea in result.ideas],
        metadata=content_ideas_pb2.ContentIdeasMetadata(
            generated_at=timestamp(result.generated_at),
            count=len(result.ideas),
            profile=result.profile_id,
            options=content_ideas_pb2.ContentIdeasOptions(
                count=options.count,
                creativity=options.creativity,
                include_hashtags=options.include_hashtags,
                include_captions=options.include_captions,
                target_platforms=options.target_platforms,
            ),
        ),
    )


def idea_message(idea: Idea) -> content_ideas_pb2.ContentIdea:
    message = content_ideas_pb2.ContentIdea(
        id=idea.id,
        title=idea.title,
        description=idea.description,
        content_type=idea.content_type,
        estimated_engagement=idea.estimated_engagement,
        estimated_revenue=idea.estimated_revenue,
        difficulty=idea.difficulty,
        time_required=idea.time_required,
        tips=idea.tips,
        generated_at=timestamp(idea.generated_at),
    )
    if idea.caption is not None:
        message.caption = idea.caption
    if idea.hashtags is not None:
        message.hashtags.SetInParent()  # present even when empty: it was asked for
        message.hashtags.extend(list(idea.hashtags))
    return message

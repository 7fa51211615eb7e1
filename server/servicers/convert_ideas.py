"""Content ideas, protobuf <-> domain. POST /api/content-ideas/generate and the assistant's
content-ideas tool share all of it: the same use case call, the same shapes."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from google.protobuf import json_format
from huntaze.v1 import ai_assistant_pb2, content_ideas_pb2

from interceptors.context import RequestContext
from server.servicers.convert import timestamp
from services.content_ideas.model import (
    CreatorConstraints,
    Idea,
    IdeaOptions,
    IdeasProfile,
    IdeasResult,
    PerformanceHistory,
)

IdeasResponse = TypeVar(
    "IdeasResponse",
    content_ideas_pb2.GenerateContentIdeasResponse,
    ai_assistant_pb2.GenerateContentIdeasToolResponse,
)


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


def ideas_response(
    kind: type[IdeasResponse], result: IdeasResult, request: RequestContext, now: datetime
) -> IdeasResponse:
    """The spec's envelope `{success, data: {ideas, metadata}, meta}` of either RPC."""
    return kind(success=True, data=ideas_data(result), meta=response_meta(request, now))


def response_meta(request: RequestContext, now: datetime) -> content_ideas_pb2.ResponseMeta:
    return content_ideas_pb2.ResponseMeta(
        request_id=request.request_id,
        timestamp=timestamp(now),
        duration=round(request.elapsed_ms(), 3),
    )


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

"""Scheduled posts <-> huntaze.v1 schedule messages."""

from __future__ import annotations

from huntaze.v1 import content_creation_pb2 as pb

from server.servicers.convert import moment, optional, timestamp
from server.servicers.convert_content import asset_ids_change
from services.scheduling.model import Post, PostChanges, PostDraft, PostFilter


def post_message(post: Post) -> pb.ScheduledPost:
    message = pb.ScheduledPost(
        id=post.id,
        title=post.title,
        description=post.description,
        content_type=post.content_type,
        platforms=list(post.platforms),
        asset_ids=list(post.asset_ids),
        campaign_id=post.campaign_id or "",
        content_id=post.content_id or "",
        scheduled_at=timestamp(post.scheduled_at),
        status=post.status,
        created_at=timestamp(post.created_at),
        updated_at=timestamp(post.updated_at),
        attempts=post.attempts,
        failure_reason=post.failure_reason,
        deliveries=[
            pb.PostDelivery(
                platform=state.platform,
                status=state.status,
                attempts=state.attempts,
                last_error=state.last_error,
                sent_at=timestamp(state.sent_at) if state.sent_at else None,
            )
            for state in post.deliveries
        ],
    )
    if post.published_at is not None:
        message.published_at.CopyFrom(timestamp(post.published_at))
    return message


def draft_of(request: pb.SchedulePostRequest) -> PostDraft:
    scheduled_at = moment(request, "scheduled_at")
    assert scheduled_at is not None  # required by the request rules
    return PostDraft(
        title=request.title,
        description=request.description,
        content_type=request.content_type,
        platforms=tuple(request.platforms),
        asset_ids=tuple(request.asset_ids),
        campaign_id=request.campaign_id or None,
        content_id=request.content_id or None,
        scheduled_at=scheduled_at,
    )


def post_changes_of(request: pb.UpdateScheduledPostRequest) -> PostChanges:
    return PostChanges(
        title=optional(request, "title"),
        description=optional(request, "description"),
        platforms=tuple(request.platforms) or None,
        asset_ids=asset_ids_change(request.asset_ids, request.clear_assets),
        campaign_id=optional(request, "campaign_id"),
        scheduled_at=moment(request, "scheduled_at"),
    )


def post_filter_of(request: pb.ListScheduledPostsRequest) -> PostFilter:
    return PostFilter(
        start=moment(request, "from"),
        end=moment(request, "to"),
        status=request.status,
        campaign_id=request.campaign_id,
    )

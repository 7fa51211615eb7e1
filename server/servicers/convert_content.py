"""Content library and campaign records <-> huntaze.v1 content-creation messages, and pages."""

from __future__ import annotations

from collections.abc import Sequence

from huntaze.v1 import common_pb2, content_creation_pb2

from server.servicers.convert import moment, optional, timestamp
from services.campaigns.model import Campaign, CampaignChanges, cents
from services.captions.model import (
    DEFAULT_HASHTAGS,
    DEFAULT_VARIANTS,
    MAX_HASHTAGS,
    CaptionRequest,
    Captions,
)
from services.common.pages import Page, PageRequest
from services.content.model import ContentChanges, ContentItem


def page_request_of(message: common_pb2.PageRequest) -> PageRequest:
    return PageRequest(limit=message.limit, cursor=message.cursor)


def page_info(page: Page[object]) -> common_pb2.PageInfo:
    return common_pb2.PageInfo(next_cursor=page.next_cursor, has_more=page.has_more)


def content_message(item: ContentItem) -> content_creation_pb2.ContentItem:
    return content_creation_pb2.ContentItem(
        id=item.id,
        title=item.title,
        body=item.body,
        type=item.type,
        status=item.status,
        ai_generated=item.ai_generated,
        created_at=timestamp(item.created_at),
        updated_at=timestamp(item.updated_at),
        asset_ids=list(item.asset_ids),
    )


def asset_ids_change(asset_ids: Sequence[str], clear: bool) -> tuple[str, ...] | None:
    """A PATCH's asset list: () to unlink all (`clear`), the new list, or None (unchanged)."""
    if clear:
        return ()
    return tuple(asset_ids) or None


def content_changes_of(request: content_creation_pb2.UpdateContentRequest) -> ContentChanges:
    return ContentChanges(
        title=optional(request, "title"),
        body=optional(request, "body"),
        type=optional(request, "type"),
        status=optional(request, "status"),
        asset_ids=asset_ids_change(request.asset_ids, request.clear_assets),
    )


def campaign_message(campaign: Campaign) -> content_creation_pb2.Campaign:
    message = content_creation_pb2.Campaign(
        id=campaign.id,
        title=campaign.title,
        description=campaign.description,
        status=campaign.status,
        platforms=list(campaign.platforms),
        budget=campaign.budget_cents / 100,
        created_at=timestamp(campaign.created_at),
        updated_at=timestamp(campaign.updated_at),
        post_counts=content_creation_pb2.CampaignPostCounts(
            scheduled=campaign.posts.scheduled,
            published=campaign.posts.published,
            failed=campaign.posts.failed,
            cancelled=campaign.posts.cancelled,
        ),
    )
    if campaign.starts_at is not None:
        message.starts_at.CopyFrom(timestamp(campaign.starts_at))
    if campaign.ends_at is not None:
        message.ends_at.CopyFrom(timestamp(campaign.ends_at))
    return message


def campaign_changes_of(request: content_creation_pb2.UpdateCampaignRequest) -> CampaignChanges:
    budget = optional(request, "budget")
    return CampaignChanges(
        title=optional(request, "title"),
        description=optional(request, "description"),
        status=optional(request, "status"),
        budget_cents=None if budget is None else cents(budget),
        starts_at=moment(request, "starts_at"),
        ends_at=moment(request, "ends_at"),
    )


def caption_request_of(request: content_creation_pb2.SuggestCaptionsRequest) -> CaptionRequest:
    limit = MAX_HASHTAGS[request.platform]
    wanted = optional(request, "max_hashtags")
    return CaptionRequest(
        platform=request.platform,
        content_id=request.content_id,
        caption=request.caption,
        variants=request.variants or DEFAULT_VARIANTS,
        max_hashtags=min(limit, DEFAULT_HASHTAGS if wanted is None else wanted),
    )


def captions_response(captions: Captions) -> content_creation_pb2.SuggestCaptionsResponse:
    return content_creation_pb2.SuggestCaptionsResponse(
        captions=[
            content_creation_pb2.SuggestedCaption(text=c.text, hashtags=list(c.hashtags))
            for c in captions.captions
        ],
        model=captions.model,
    )

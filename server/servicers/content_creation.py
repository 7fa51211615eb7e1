"""huntaze.v1.ContentCreationService: the content library, captions, campaigns, the media
vault (uploads, assets, signed downloads) and the schedule."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import grpc
from google.api import httpbody_pb2
from huntaze.v1 import content_creation_pb2 as pb
from huntaze.v1 import content_creation_pb2_grpc

from interceptors.context import current_principal, current_request
from interceptors.errors import HTTP_STATUS_HEADER
from server.servicers.convert import moment
from server.servicers.convert_content import (
    campaign_changes_of,
    campaign_message,
    caption_request_of,
    captions_response,
    content_changes_of,
    content_message,
    page_info,
    page_request_of,
)
from server.servicers.convert_schedule import (
    draft_of,
    post_changes_of,
    post_filter_of,
    post_message,
)
from server.servicers.convert_vault import asset_message
from services.campaigns.model import cents
from services.campaigns.service import CampaignService
from services.captions.service import CaptionAssistant
from services.content.model import ContentFilter
from services.content.service import ContentLibrary
from services.scheduling.service import Schedule
from services.storage.ports import content_disposition
from services.vault.model import AssetFilter
from services.vault.service import Vault

# Envoy's transcoder keeps the REST path (and its query) here; an HttpBody request has no
# other place for query parameters.
ORIGINAL_PATH_HEADER = "x-envoy-original-path"
FILENAME_HEADER = "x-filename"


class ContentCreationServicer(content_creation_pb2_grpc.ContentCreationServiceServicer):
    def __init__(
        self,
        library: ContentLibrary,
        campaigns: CampaignService,
        captions: CaptionAssistant,
        vault: Vault,
        schedule: Schedule,
    ) -> None:
        self._library = library
        self._campaigns = campaigns
        self._captions = captions
        self._vault = vault
        self._schedule = schedule

    async def ListScheduledPosts(
        self, request: pb.ListScheduledPostsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListScheduledPostsResponse:
        page = await self._schedule.list(
            current_principal(), post_filter_of(request), page_request_of(request.page)
        )
        return pb.ListScheduledPostsResponse(
            posts=[post_message(post) for post in page.items], page=page_info(page)
        )

    async def SchedulePost(
        self, request: pb.SchedulePostRequest, context: grpc.aio.ServicerContext
    ) -> pb.SchedulePostResponse:
        post = await self._schedule.schedule(current_principal(), draft_of(request))
        return pb.SchedulePostResponse(post=post_message(post))

    async def UpdateScheduledPost(
        self, request: pb.UpdateScheduledPostRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateScheduledPostResponse:
        post = await self._schedule.update(
            current_principal(), request.id, post_changes_of(request)
        )
        return pb.UpdateScheduledPostResponse(post=post_message(post))

    async def CancelScheduledPost(
        self, request: pb.CancelScheduledPostRequest, context: grpc.aio.ServicerContext
    ) -> pb.CancelScheduledPostResponse:
        post = await self._schedule.cancel(current_principal(), request.id)
        return pb.CancelScheduledPostResponse(post=post_message(post))

    async def UploadAsset(
        self,
        request_iterator: AsyncIterator[httpbody_pb2.HttpBody],
        context: grpc.aio.ServicerContext,
    ) -> pb.UploadAssetResponse:
        linked = await self._vault.upload(
            current_principal(), _upload_filename(), _bodies(request_iterator)
        )
        return pb.UploadAssetResponse(asset=asset_message(linked), duplicate=linked.duplicate)

    async def ListAssets(
        self, request: pb.ListAssetsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAssetsResponse:
        page = await self._vault.list(
            current_principal(),
            AssetFilter(type=request.type, tag=request.tag.strip().lower(), usage=request.usage),
            page_request_of(request.page),
        )
        return pb.ListAssetsResponse(
            assets=[asset_message(linked) for linked in page.items], page=page_info(page)
        )

    async def GetAsset(
        self, request: pb.GetAssetRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetAssetResponse:
        linked = await self._vault.get(current_principal(), request.id)
        return pb.GetAssetResponse(asset=asset_message(linked))

    async def UpdateAsset(
        self, request: pb.UpdateAssetRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateAssetResponse:
        linked = await self._vault.set_tags(current_principal(), request.id, list(request.tags))
        return pb.UpdateAssetResponse(asset=asset_message(linked))

    async def DeleteAsset(
        self, request: pb.DeleteAssetRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteAssetResponse:
        await self._vault.delete(current_principal(), request.id)
        return pb.DeleteAssetResponse(message="asset deleted")

    async def DownloadAsset(
        self, request: pb.DownloadAssetRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[httpbody_pb2.HttpBody]:
        ranges = current_request().header_values("range")
        download = await self._vault.open_download(
            request.id,
            request.variant,
            expires=int(request.expires),
            signature=request.signature,
            range_header=ranges[0] if len(ranges) == 1 else "",
        )
        headers = [
            ("accept-ranges", "bytes"),
            ("content-disposition", content_disposition(download.filename, inline=True)),
            ("cache-control", "private, max-age=300"),
            ("x-content-type-options", "nosniff"),
        ]
        if download.partial:
            headers += [
                (HTTP_STATUS_HEADER, "206"),
                ("content-range", f"bytes {download.start}-{download.end}/{download.size}"),
            ]
        current_request().response_headers.extend(headers)  # sent with the first chunk
        chunks = self._vault.read(download)
        try:
            async for chunk in chunks:
                yield httpbody_pb2.HttpBody(content_type=download.mime, data=chunk)
        finally:
            await chunks.aclose()  # type: ignore[attr-defined]

    async def SuggestCaptions(
        self, request: pb.SuggestCaptionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.SuggestCaptionsResponse:
        captions = await self._captions.suggest(current_principal(), caption_request_of(request))
        return captions_response(captions)

    async def ListContent(
        self, request: pb.ListContentRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListContentResponse:
        page = await self._library.list(
            current_principal(),
            ContentFilter(status=request.status, type=request.type),
            page_request_of(request.page),
        )
        return pb.ListContentResponse(
            items=[content_message(item) for item in page.items], page=page_info(page)
        )

    async def CreateContent(
        self, request: pb.CreateContentRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateContentResponse:
        item = await self._library.create(
            current_principal(),
            title=request.title,
            body=request.body,
            type=request.type,
            status=request.status,
            asset_ids=tuple(request.asset_ids),
        )
        return pb.CreateContentResponse(item=content_message(item))

    async def GetContent(
        self, request: pb.GetContentRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetContentResponse:
        item = await self._library.get(current_principal(), request.id)
        return pb.GetContentResponse(item=content_message(item))

    async def UpdateContent(
        self, request: pb.UpdateContentRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateContentResponse:
        item = await self._library.update(
            current_principal(), request.id, content_changes_of(request)
        )
        return pb.UpdateContentResponse(item=content_message(item))

    async def DeleteContent(
        self, request: pb.DeleteContentRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteContentResponse:
        await self._library.delete(current_principal(), request.id)
        return pb.DeleteContentResponse(message="content item deleted")

    async def ListCampaigns(
        self, request: pb.ListCampaignsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListCampaignsResponse:
        page = await self._campaigns.list(current_principal(), page_request_of(request.page))
        return pb.ListCampaignsResponse(
            campaigns=[campaign_message(c) for c in page.items], page=page_info(page)
        )

    async def GetCampaign(
        self, request: pb.GetCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCampaignResponse:
        campaign = await self._campaigns.get(current_principal(), request.id)
        return pb.GetCampaignResponse(campaign=campaign_message(campaign))

    async def CreateCampaign(
        self, request: pb.CreateCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateCampaignResponse:
        campaign = await self._campaigns.create(
            current_principal(),
            title=request.title,
            description=request.description,
            platforms=tuple(request.platforms),
            budget_cents=cents(request.budget),
            starts_at=moment(request, "starts_at"),
            ends_at=moment(request, "ends_at"),
        )
        return pb.CreateCampaignResponse(campaign=campaign_message(campaign))

    async def UpdateCampaign(
        self, request: pb.UpdateCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateCampaignResponse:
        campaign = await self._campaigns.update(
            current_principal(), request.id, campaign_changes_of(request)
        )
        return pb.UpdateCampaignResponse(campaign=campaign_message(campaign))

    async def DeleteCampaign(
        self, request: pb.DeleteCampaignRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteCampaignResponse:
        await self._campaigns.delete(current_principal(), request.id)
        return pb.DeleteCampaignResponse(message="campaign deleted")


async def _bodies(messages: AsyncIterator[httpbody_pb2.HttpBody]) -> AsyncIterator[bytes]:
    async for message in messages:
        yield message.data


def _upload_filename() -> str:
    """`?filename=` of the REST path, else the X-Filename header (native gRPC callers)."""
    request = current_request()
    for path in request.header_values(ORIGINAL_PATH_HEADER)[:1]:
        names = parse_qs(urlsplit(path).query).get("filename")
        if names:
            return names[0]
    names = request.header_values(FILENAME_HEADER)
    return names[0] if names else ""

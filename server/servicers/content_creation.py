"""huntaze.v1.ContentCreationService: the content library, captions and campaigns. Assets,
uploads and the schedule are still the generated base class's (UNIMPLEMENTED, HTTP 501)."""

from __future__ import annotations

import grpc
from huntaze.v1 import content_creation_pb2 as pb
from huntaze.v1 import content_creation_pb2_grpc

from interceptors.context import current_principal
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
from services.campaigns.model import cents
from services.campaigns.service import CampaignService
from services.captions.service import CaptionAssistant
from services.content.model import ContentFilter
from services.content.service import ContentLibrary


class ContentCreationServicer(content_creation_pb2_grpc.ContentCreationServiceServicer):
    def __init__(
        self, library: ContentLibrary, campaigns: CampaignService, captions: CaptionAssistant
    ) -> None:
        self._library = library
        self._campaigns = campaigns
        self._captions = captions

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

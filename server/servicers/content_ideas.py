"""huntaze.v1.ContentIdeasService (POST /api/content-ideas/generate)."""

from __future__ import annotations

import grpc
from huntaze.v1 import content_ideas_pb2, content_ideas_pb2_grpc

from interceptors.context import current_principal, current_request
from server.servicers.convert_ideas import ideas_response, options_of, profile_of
from services.common.clock import utc_now
from services.content_ideas.service import ContentIdeasService


class ContentIdeasServicer(content_ideas_pb2_grpc.ContentIdeasServiceServicer):
    def __init__(self, ideas: ContentIdeasService) -> None:
        self._ideas = ideas

    async def GenerateContentIdeas(
        self,
        request: content_ideas_pb2.GenerateContentIdeasRequest,
        context: grpc.aio.ServicerContext,
    ) -> content_ideas_pb2.GenerateContentIdeasResponse:
        result = await self._ideas.generate(
            current_principal(), profile_of(request.creator_profile), options_of(request.options)
        )
        return ideas_response(
            content_ideas_pb2.GenerateContentIdeasResponse, result, current_request(), utc_now()
        )

"""huntaze.v1.AIAssistantService: streamed free-form text and the three assistant tools."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc
from huntaze.v1 import ai_assistant_pb2, ai_assistant_pb2_grpc

from interceptors.context import current_principal, current_request
from server.servicers.convert import optional
from server.servicers.convert_assistant import (
    message_request_of,
    messages_response,
    pricing_request_of,
    pricing_response,
    stream_event,
)
from server.servicers.convert_ideas import ideas_response, options_of, profile_of
from services.assistant.messages.service import MessageGenerator
from services.assistant.price_optimizer import PriceOptimizer
from services.assistant.text import TextAssistant
from services.common.clock import utc_now
from services.content_ideas.service import ContentIdeasService


class AIAssistantServicer(ai_assistant_pb2_grpc.AIAssistantServiceServicer):
    def __init__(
        self,
        text: TextAssistant,
        ideas: ContentIdeasService,
        messages: MessageGenerator,
        pricing: PriceOptimizer,
    ) -> None:
        self._text = text
        self._ideas = ideas
        self._messages = messages
        self._pricing = pricing

    async def GenerateText(
        self, request: ai_assistant_pb2.GenerateTextRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ai_assistant_pb2.GenerateTextResponse]:
        stream = self._text.stream(
            current_principal(),
            request.prompt,
            system=optional(request, "system"),
            max_tokens=optional(request, "max_tokens"),
            temperature=optional(request, "temperature"),
        )
        # aclosing: when the client leaves, the stream (and the upstream request) closes now,
        # not whenever the generator is garbage-collected.
        async with contextlib.aclosing(stream) as chunks:
            async for chunk in chunks:
                yield stream_event(chunk)

    async def GenerateContentIdeasTool(
        self,
        request: ai_assistant_pb2.GenerateContentIdeasToolRequest,
        context: grpc.aio.ServicerContext,
    ) -> ai_assistant_pb2.GenerateContentIdeasToolResponse:
        result = await self._ideas.generate(
            current_principal(), profile_of(request.creator_profile), options_of(request.options)
        )
        return ideas_response(
            ai_assistant_pb2.GenerateContentIdeasToolResponse, result, current_request(), utc_now()
        )

    async def GenerateMessages(
        self, request: ai_assistant_pb2.GenerateMessagesRequest, context: grpc.aio.ServicerContext
    ) -> ai_assistant_pb2.GenerateMessagesResponse:
        generated = await self._messages.generate(current_principal(), message_request_of(request))
        return messages_response(generated)

    async def OptimizePricing(
        self, request: ai_assistant_pb2.OptimizePricingRequest, context: grpc.aio.ServicerContext
    ) -> ai_assistant_pb2.OptimizePricingResponse:
        return pricing_response(await self._pricing.recommend(pricing_request_of(request)))

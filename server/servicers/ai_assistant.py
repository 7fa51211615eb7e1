"""huntaze.v1.AIAssistantService: streamed free-form text and the three assistant tools."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import grpc
from huntaze.v1 import ai_assistant_pb2, ai_assistant_pb2_grpc

from interceptors.context import current_principal
from services.ai.service import AIService
from services.ai.types import AIChunk
from services.assistant.text import text_request


class AIAssistantServicer(ai_assistant_pb2_grpc.AIAssistantServiceServicer):
    def __init__(self, ai: AIService) -> None:
        self._ai = ai

    async def GenerateText(
        self, request: ai_assistant_pb2.GenerateTextRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[ai_assistant_pb2.GenerateTextResponse]:
        ai_request = text_request(
            request.prompt,
            system=request.system if request.HasField("system") else None,
            max_tokens=request.max_tokens if request.HasField("max_tokens") else None,
            temperature=request.temperature if request.HasField("temperature") else None,
        )
        # aclosing: when the client leaves, the stream (and the upstream request) closes now,
        # not whenever the generator is garbage-collected.
        stream = self._ai.stream(ai_request, caller=current_principal())
        async with contextlib.aclosing(stream) as chunks:
            async for chunk in chunks:
                yield stream_event(chunk)


def stream_event(chunk: AIChunk) -> ai_assistant_pb2.GenerateTextResponse:
    event = ai_assistant_pb2.GenerateTextResponse(delta=chunk.delta)
    if not chunk.done:
        return event
    event.done = True
    if chunk.usage is not None:
        event.usage.CopyFrom(
            ai_assistant_pb2.TokenUsage(
                prompt_tokens=chunk.usage.prompt_tokens,
                completion_tokens=chunk.usage.completion_tokens,
                total_tokens=chunk.usage.total_tokens,
                cost=chunk.cost_usd,
                model=chunk.deployment,
            )
        )
    if chunk.error is not None:
        event.error.CopyFrom(
            ai_assistant_pb2.StreamError(code=chunk.error.code, message=chunk.error.message)
        )
    return event

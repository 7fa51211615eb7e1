"""One generic way to wrap a grpc.aio RpcMethodHandler, so each interceptor writes its logic once.

A grpc.aio server interceptor only gets `intercept_service(continuation, details)`; to see the
request messages, the responses or the exception it must wrap the handler's behaviour, and there
are four kinds of behaviour (unary/stream request x unary/stream response). `CallHooks` is the
per-RPC logic; `HookInterceptor.hooks()` makes one per call (grpc.aio calls intercept_service
once per RPC) and `wrap_handler` applies it to whichever kind the method is.

Order of hook calls for one RPC, all in the RPC's own task:
    start -> received (each request message, before the handler sees it)
          -> sending (each response message, before it goes out; unary: after the handler returns)
          -> failed (only on an exception; may raise a replacement) -> finished (always)

Limits: a handler that uses `context.read()` / `context.write()` instead of the request iterator /
returned messages bypasses `received` / `sending` (our servicers do not).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import grpc.aio

Context = grpc.aio.ServicerContext


class CallHooks:
    """Per-RPC hooks; the defaults do nothing. Subclass and override what you need."""

    async def start(self, context: Context) -> None:
        """Before the handler runs; raising here fails the RPC (the handler never runs)."""

    async def received(self, message: Any) -> None:
        """Each request message before the handler gets it; raising fails the RPC."""

    async def sending(self, message: Any, context: Context) -> None:
        """Each response message just before it is sent."""

    async def failed(self, error: Exception, context: Context) -> None:
        """The RPC raised `error`. Return to let it propagate, or raise a replacement."""

    async def finished(self, context: Context, error: BaseException | None) -> None:
        """Always called last; `error` is what the RPC ended with (None on success)."""


class HookInterceptor(grpc.aio.ServerInterceptor):
    """Base class: wraps every handler with the hooks `hooks()` returns (None: leave it alone)."""

    def hooks(self, method: str, handler: grpc.RpcMethodHandler) -> CallHooks | None:
        """Hooks for one call of `method` (full name, "/pkg.Service/Method"); None: no wrapping."""
        raise NotImplementedError

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(handler_call_details)
        if handler is None:  # unknown method: grpc answers UNIMPLEMENTED itself
            return None
        hooks = self.hooks(handler_call_details.method, handler)
        return handler if hooks is None else wrap_handler(handler, hooks)


def rpc_type(handler: grpc.RpcMethodHandler) -> str:
    """The go-grpc-prometheus name of the handler's kind."""
    if handler.request_streaming and handler.response_streaming:
        return "bidi_stream"
    if handler.request_streaming:
        return "client_stream"
    if handler.response_streaming:
        return "server_stream"
    return "unary"


def wrap_handler(
    handler: grpc.RpcMethodHandler,
    hooks: CallHooks,
    *,
    deserializer: Callable[[bytes], Any] | None = None,
) -> grpc.RpcMethodHandler:
    """A handler of the same kind whose behaviour runs inside `hooks` (for one call);
    `deserializer` replaces the handler's request deserializer when given."""
    deserializer = deserializer or handler.request_deserializer
    serializer = handler.response_serializer

    if not handler.request_streaming and not handler.response_streaming:
        inner_uu = handler.unary_unary

        async def unary_unary(request: Any, context: Context) -> Any:
            async with _Run(hooks, context):
                await hooks.received(request)
                response = await _call_unary(inner_uu, request, context)
                await hooks.sending(response, context)
                return response

        return grpc.unary_unary_rpc_method_handler(unary_unary, deserializer, serializer)

    if not handler.request_streaming:
        inner_us = handler.unary_stream

        async def unary_stream(request: Any, context: Context) -> AsyncIterator[Any]:
            async with _Run(hooks, context):
                await hooks.received(request)
                async for response in _iterate(inner_us(request, context)):
                    await hooks.sending(response, context)
                    yield response

        return grpc.unary_stream_rpc_method_handler(unary_stream, deserializer, serializer)

    if not handler.response_streaming:
        inner_su = handler.stream_unary

        async def stream_unary(requests: AsyncIterator[Any], context: Context) -> Any:
            async with _Run(hooks, context):
                response = await _call_unary(inner_su, _observed(requests, hooks), context)
                await hooks.sending(response, context)
                return response

        return grpc.stream_unary_rpc_method_handler(stream_unary, deserializer, serializer)

    inner_ss = handler.stream_stream

    async def stream_stream(requests: AsyncIterator[Any], context: Context) -> AsyncIterator[Any]:
        async with _Run(hooks, context):
            async for response in _iterate(inner_ss(_observed(requests, hooks), context)):
                await hooks.sending(response, context)
                yield response

    return grpc.stream_stream_rpc_method_handler(stream_stream, deserializer, serializer)


class _Run:
    """Runs start / failed / finished around one call (an async context manager)."""

    __slots__ = ("context", "hooks")

    def __init__(self, hooks: CallHooks, context: Context) -> None:
        self.hooks = hooks
        self.context = context

    async def __aenter__(self) -> None:
        try:
            await self.hooks.start(self.context)
        except BaseException as error:
            # start failed: the handler never runs, but failed/finished still see the error.
            await self.__aexit__(type(error), error, error.__traceback__)
            raise

    async def __aexit__(self, exc_type: object, error: BaseException | None, tb: object) -> bool:
        ended: BaseException | None = error
        try:
            if isinstance(error, Exception):
                try:
                    await self.hooks.failed(error, self.context)
                except BaseException as replacement:
                    ended = replacement
                    raise
        finally:
            await self.hooks.finished(self.context, ended)
        return False


async def _call_unary(behaviour: Callable[..., Any], request: Any, context: Context) -> Any:
    result = behaviour(request, context)
    if inspect.isawaitable(result):
        result = await result
    return result


async def _iterate(result: Any) -> AsyncIterator[Any]:
    """Responses of a streaming behaviour: an async generator, a plain iterator, or a coroutine
    that wrote its messages itself with context.write()."""
    if inspect.isawaitable(result):
        await result
    elif hasattr(result, "__aiter__"):
        async for message in result:
            yield message
    else:
        for message in result:
            yield message


async def _observed(requests: Any, hooks: CallHooks) -> AsyncIterator[Any]:
    async for message in _iterate(requests):
        await hooks.received(message)
        yield message


def outcome(context: Context, error: BaseException | None) -> grpc.StatusCode:
    """The status an RPC ended with, as the outer (logging, metrics) layers see it."""
    if isinstance(error, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    chosen = context.code()
    if isinstance(chosen, grpc.StatusCode):
        return chosen
    if error is None:
        return grpc.StatusCode.OK
    return grpc.StatusCode.UNKNOWN  # escaped the errors interceptor (not in the chain?)

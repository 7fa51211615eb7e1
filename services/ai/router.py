"""Routing: try a task's deployments in order, retrying and falling back, behind breakers.

Policy per failed attempt (the one layer that retries; SDKs run with max_retries=0):

    kind              breaker   same deployment again        then
    RATE_LIMITED      failure   after Retry-After / backoff  next deployment
    SERVER_ERROR      failure   after backoff                next deployment
    TIMEOUT           failure   no (it would triple latency) next deployment
    MISCONFIGURED     failure   no                           next deployment
    CONTENT_FILTER    -         no (it would refuse again)   next deployment
    BAD_REQUEST       -         no                           next deployment
    MALFORMED_OUTPUT  -         once                         next deployment

At most `RetryPolicy.max_attempts` attempts per deployment. A deployment whose breaker is open
is skipped without a call; when every breaker is open the call fails at once with UNAVAILABLE
and the time until the first probe. Streams may fall back until their first token; after it a
failure raises StreamInterrupted (the service turns it into a final error event).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from services.ai.breaker import CircuitBreaker, Permit
from services.ai.errors import ContentRefused, MalformedOutput, StreamInterrupted
from services.ai.metrics import AIMetrics
from services.ai.model import AIRequest, Completion, StreamDelta
from services.ai.providers.base import Deployment, FailureKind, Provider, ProviderError
from services.ai.retry import RetryPolicy
from services.errors import Unavailable

T = TypeVar("T")
logger = logging.getLogger("huntaze.ai")

DEFAULT_ROUTE = "default"
_BREAKER_FAILURES = frozenset(
    {
        FailureKind.RATE_LIMITED,
        FailureKind.SERVER_ERROR,
        FailureKind.TIMEOUT,
        FailureKind.MISCONFIGURED,
    }
)
_RETRIED = frozenset({FailureKind.RATE_LIMITED, FailureKind.SERVER_ERROR})
_MALFORMED_ATTEMPTS = 2


@dataclass(frozen=True)
class Routed(Generic[T]):
    deployment: Deployment
    completion: Completion
    value: T


@dataclass(frozen=True)
class RoutedDelta:
    deployment: Deployment
    delta: StreamDelta


class Router:
    def __init__(
        self,
        providers: Mapping[str, Provider],
        routes: Mapping[str, Sequence[str]],
        breakers: Mapping[str, CircuitBreaker],
        *,
        retry: RetryPolicy,
        metrics: AIMetrics,
        rng: random.Random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if DEFAULT_ROUTE not in routes:
            raise ValueError(f"routes need a {DEFAULT_ROUTE!r} entry")
        empty = sorted(task for task, route in routes.items() if not route)
        if empty:
            raise ValueError(f"routes without any deployment: {empty}")
        unknown = {name for route in routes.values() for name in route} - set(providers)
        if unknown:
            raise ValueError(f"routes name unknown deployments: {sorted(unknown)}")
        self._providers = dict(providers)
        self._routes = {task: tuple(route) for task, route in routes.items()}
        self._breakers = dict(breakers)
        self._retry = retry
        self._metrics = metrics
        self._rng = rng
        self._sleep = sleep
        self._clock = clock

    def deployments(self, task: str) -> list[Deployment]:
        route = self._routes.get(task, self._routes[DEFAULT_ROUTE])
        return [self._providers[name].deployment for name in route]

    async def complete(self, request: AIRequest, parse: Callable[[str], T]) -> Routed[T]:
        """The first good answer along the route, parsed by `parse` (which raises
        MalformedOutput for output that must not reach the caller)."""
        failures = _Failures()
        for deployment in self.deployments(request.task):
            attempt = 0
            while (permit := self._breakers[deployment.name].admit()) is not None:
                attempt += 1
                started = self._clock()
                with permit:
                    try:
                        async with asyncio.timeout(deployment.timeout_seconds):
                            completion = await self._providers[deployment.name].complete(request)
                        value = parse(completion.text)
                    except (ProviderError, MalformedOutput, TimeoutError) as error:
                        delay = self._failed(permit, deployment, request.task, error, attempt)
                        failures.add(error)
                    else:
                        permit.success()
                        self._observe_latency(deployment, request.task, started)
                        return Routed(deployment, completion, value)
                if delay is None:
                    break
                await self._sleep(delay)
        raise self._exhausted(request.task, failures)

    async def stream(self, request: AIRequest) -> AsyncIterator[RoutedDelta]:
        """Deltas of the first deployment that produced a first token."""
        failures = _Failures()
        started = self._clock()
        for deployment in self.deployments(request.task):
            attempt = 0
            while (permit := self._breakers[deployment.name].admit()) is not None:
                attempt += 1
                upstream = self._providers[deployment.name].stream(request)
                with permit:
                    try:
                        async with asyncio.timeout(deployment.timeout_seconds):
                            first = await _first_delta(upstream)
                    except (ProviderError, TimeoutError) as error:
                        await upstream.aclose()
                        delay = self._failed(permit, deployment, request.task, error, attempt)
                        failures.add(error)
                    else:
                        labels = (request.task, deployment.name, deployment.provider)
                        self._metrics.time_to_first_token.labels(*labels).observe(
                            self._clock() - started
                        )
                        rest = self._rest_of_stream(
                            permit, deployment, request.task, first, upstream
                        )
                        async with contextlib.aclosing(rest):
                            async for routed in rest:
                                yield routed
                        self._observe_latency(deployment, request.task, started)
                        return
                if delay is None:
                    break
                await self._sleep(delay)
        raise self._exhausted(request.task, failures)

    async def _rest_of_stream(
        self,
        permit: Permit,
        deployment: Deployment,
        task: str,
        first: StreamDelta,
        upstream: AsyncGenerator[StreamDelta, None],
    ) -> AsyncIterator[RoutedDelta]:
        """Past the first token: no fallback. Closing this generator (the client left) closes
        the upstream stream, which cancels the upstream request."""
        try:
            yield RoutedDelta(deployment, first)
            async for delta in upstream:
                yield RoutedDelta(deployment, delta)
        except ProviderError as error:
            self._failed(permit, deployment, task, error, attempt=self._retry.max_attempts)
            raise StreamInterrupted(str(error)) from error
        finally:
            await upstream.aclose()
        permit.success()

    def _failed(
        self,
        permit: Permit,
        deployment: Deployment,
        task: str,
        error: BaseException,
        attempt: int,
    ) -> float | None:
        """Give the breaker its verdict, count the failure, and say how long to wait before
        trying this deployment again (None: move on to the next one)."""
        kind = _kind_of(error)
        self._metrics.attempt_errors.labels(
            task, deployment.name, deployment.provider, kind.value
        ).inc()
        logger.warning(
            "ai attempt failed",
            extra={
                "task": task,
                "deployment": deployment.name,
                "kind": kind.value,
                "attempt": attempt,
                "error": str(error),
            },
        )
        if kind in _BREAKER_FAILURES:
            permit.failure()
        else:
            permit.release()
        if kind is FailureKind.MALFORMED_OUTPUT:
            return 0.0 if attempt < _MALFORMED_ATTEMPTS else None
        if kind in _RETRIED:
            retry_after = error.retry_after if isinstance(error, ProviderError) else None
            return self._retry.delay(attempt, retry_after, self._rng)
        return None

    def _exhausted(self, task: str, failures: _Failures) -> Exception:
        if not failures.kinds:
            wait = min(
                (self._breakers[d.name].retry_after() for d in self.deployments(task)),
                default=0.0,
            )
            self._metrics.failures.labels(task, "all_breakers_open").inc()
            return Unavailable(
                "AI generation is temporarily unavailable, please retry shortly",
                retry_after=max(wait, 1.0),
            )
        if failures.kinds == {FailureKind.CONTENT_FILTER}:
            self._metrics.failures.labels(task, "content_filter").inc()
            return ContentRefused("The AI provider's content filter refused this request")
        self._metrics.failures.labels(task, "all_deployments_failed").inc()
        return Unavailable("AI generation failed on every provider, please retry shortly")

    def _observe_latency(self, deployment: Deployment, task: str, started: float) -> None:
        self._metrics.latency.labels(task, deployment.name, deployment.provider).observe(
            self._clock() - started
        )


class _Failures:
    def __init__(self) -> None:
        self.kinds: set[FailureKind] = set()

    def add(self, error: BaseException) -> None:
        self.kinds.add(_kind_of(error))


def _kind_of(error: BaseException) -> FailureKind:
    if isinstance(error, ProviderError):
        return error.kind
    if isinstance(error, MalformedOutput):
        return FailureKind.MALFORMED_OUTPUT
    return FailureKind.TIMEOUT


async def _first_delta(upstream: AsyncIterator[StreamDelta]) -> StreamDelta:
    """The first delta carrying text or usage; an upstream that ends with neither failed."""
    async for delta in upstream:
        if delta.text or delta.usage is not None:
            return delta
    raise ProviderError("the stream ended before any token", kind=FailureKind.SERVER_ERROR)

"""The AI service (the spec's AIService): generate text or a stream, with cache, budget and cost.

One call:
1. cache lookup (opt-in per call; namespaced per user) - a hit costs nothing;
2. budget reservation of the worst case in its own short transaction (429 when it does not fit);
3. the router's attempts (no transaction open meanwhile);
4. settlement of the real cost from the API's usage, in a second short transaction, even when
   the call failed or the client went away (a stream cut short is charged for what it produced).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from services.ai.breaker import BreakerState, CircuitBreaker
from services.ai.budget import AiBudget, Reservation, UsageRecord
from services.ai.cache import CachedAnswer, PromptCache, cache_key
from services.ai.errors import MalformedOutput, StreamInterrupted
from services.ai.metrics import AIMetrics
from services.ai.model import (
    AIChunk,
    AIRequest,
    AIResponse,
    Parsed,
    StreamDelta,
    StreamFailure,
    Usage,
)
from services.ai.providers.base import Deployment, Provider
from services.ai.router import Router
from services.ai.token_prices import MICROS_PER_USD, PriceTable, estimate_prompt_tokens
from services.common.principal import Principal
from services.errors import QuotaExceeded

T = TypeVar("T")


@dataclass(frozen=True)
class DeploymentStatus:
    name: str
    provider: str
    model: str
    state: BreakerState
    retry_after: float


class AIService:
    def __init__(
        self,
        router: Router,
        *,
        providers: Sequence[Provider],
        breakers: Mapping[str, CircuitBreaker],
        cache: PromptCache,
        prices: PriceTable,
        budget: AiBudget,
        metrics: AIMetrics,
    ) -> None:
        self._router = router
        self._providers = tuple(providers)
        self._breakers = dict(breakers)
        self._cache = cache
        self._prices = prices
        self._budget = budget
        self._metrics = metrics

    async def complete(
        self, request: AIRequest, *, caller: Principal, cache: bool = False
    ) -> AIResponse:
        parsed = await self.complete_parsed(request, _as_is, caller=caller, cache=cache)
        return parsed.response

    async def complete_parsed(
        self,
        request: AIRequest,
        parse: Callable[[str], T],
        *,
        caller: Principal,
        cache: bool = False,
    ) -> Parsed[T]:
        """The answer parsed by `parse`; output that raises MalformedOutput is retried or falls
        back, and is never returned or cached."""
        if cache and (hit := await self._cached(request, parse, caller)) is not None:
            return hit
        reservation = await self._reserve(request, caller)
        record: UsageRecord | None = None
        try:
            routed = await self._router.complete(request, parse)
            completion = routed.completion
            record = self._account(
                request.task, routed.deployment, completion.usage, completion.model
            )
        finally:
            await _shielded(self._budget.settle(reservation, record))
        if cache and routed.deployment.provider != "offline":
            key = cache_key(
                user_id=caller.user_id,
                task=request.task,
                deployment=routed.deployment.name,
                request=request,
            )
            await self._cache.put(
                key,
                CachedAnswer(
                    completion.text,
                    completion.model,
                    completion.usage.prompt_tokens,
                    completion.usage.completion_tokens,
                ),
            )
        return Parsed(
            routed.value,
            AIResponse(
                text=completion.text,
                usage=completion.usage,
                cost_usd=record.cost_micros / MICROS_PER_USD,
                deployment=routed.deployment.name,
                model=completion.model,
            ),
        )

    async def stream(
        self, request: AIRequest, *, caller: Principal
    ) -> AsyncGenerator[AIChunk, None]:
        """Text as it is produced, then one final chunk (`done`) with the usage and cost, or
        with `error` when the upstream failed after the first token. Streams are never cached.
        Failures before the first token raise (fallback already happened)."""
        reservation = await self._reserve(request, caller)
        tally = _StreamTally(request)
        try:
            async with contextlib.aclosing(self._router.stream(request)) as deltas:
                async for routed in deltas:
                    tally.observe(routed.deployment, routed.delta)
                    if routed.delta.text:
                        yield AIChunk(delta=routed.delta.text)
        except StreamInterrupted:
            tally.failure = StreamFailure(
                "UNAVAILABLE", "The AI provider failed in the middle of the answer"
            )
        finally:
            record = None
            if tally.deployment is not None:
                record = self._account(
                    request.task, tally.deployment, tally.usage_so_far(), tally.model
                )
            await _shielded(self._budget.settle(reservation, record))
        yield tally.final_chunk(record)

    def statuses(self) -> list[DeploymentStatus]:
        """Each deployment's breaker state, without calling anyone (for /api/health)."""
        return [
            DeploymentStatus(
                name=provider.deployment.name,
                provider=provider.deployment.provider,
                model=provider.deployment.model,
                state=self._breakers[provider.deployment.name].state,
                retry_after=self._breakers[provider.deployment.name].retry_after(),
            )
            for provider in self._providers
        ]

    async def aclose(self) -> None:
        for provider in self._providers:
            await provider.aclose()
        await self._cache.aclose()

    async def _cached(
        self, request: AIRequest, parse: Callable[[str], T], caller: Principal
    ) -> Parsed[T] | None:
        for deployment in self._router.deployments(request.task):
            if deployment.provider == "offline":
                continue  # free, deterministic and composed from inputs outside the key
            key = cache_key(
                user_id=caller.user_id,
                task=request.task,
                deployment=deployment.name,
                request=request,
            )
            answer = await self._cache.get(key)
            if answer is None:
                continue
            try:
                value = parse(answer.text)
            except MalformedOutput:
                continue  # parse rules changed since it was stored: ignore the entry
            self._metrics.cache.labels(request.task, "hit").inc()
            self._metrics.requests.labels(
                request.task, deployment.name, deployment.provider, "true"
            ).inc()
            usage = Usage(answer.prompt_tokens, answer.completion_tokens)
            return Parsed(
                value,
                AIResponse(answer.text, usage, 0.0, deployment.name, answer.model, cached=True),
            )
        self._metrics.cache.labels(request.task, "miss").inc()
        return None

    async def _reserve(self, request: AIRequest, caller: Principal) -> Reservation:
        deployments = self._router.deployments(request.task)
        worst_case = self._prices.worst_case(
            [deployment.pricing_key for deployment in deployments],
            prompt_tokens=estimate_prompt_tokens([m.content for m in request.messages]),
            max_tokens=request.max_tokens,
        )
        try:
            return await self._budget.reserve(caller, worst_case)
        except QuotaExceeded:
            self._metrics.budget_refusals.labels(caller.plan).inc()
            raise

    def _account(self, task: str, deployment: Deployment, usage: Usage, model: str) -> UsageRecord:
        """Price the call and count it in the metrics."""
        cost = self._prices.cost(deployment.pricing_key, usage)
        labels = (task, deployment.name, deployment.provider)
        metrics = self._metrics
        metrics.requests.labels(*labels, "false").inc()
        metrics.tokens.labels(*labels, "prompt").inc(usage.prompt_tokens)
        metrics.tokens.labels(*labels, "completion").inc(usage.completion_tokens)
        metrics.cost.labels(*labels).inc(cost.usd)
        if not cost.priced:
            metrics.unpriced.labels(deployment.name, deployment.pricing_key).inc()
        return UsageRecord(task, deployment.name, model or deployment.model, usage, cost.micros)


class _StreamTally:
    """What a stream produced so far: enough to bill it however it ends."""

    def __init__(self, request: AIRequest) -> None:
        self.request = request
        self.deployment: Deployment | None = None
        self.pieces = 0
        self.usage: Usage | None = None
        self.model = ""
        self.failure: StreamFailure | None = None

    def observe(self, deployment: Deployment, delta: StreamDelta) -> None:
        self.deployment = deployment
        if delta.text:
            self.pieces += 1
        if delta.usage is not None:
            self.usage = delta.usage
        if delta.model:
            self.model = delta.model

    def usage_so_far(self) -> Usage:
        """The API's usage when it arrived; otherwise (cut short) an estimate of what was used:
        the prompt estimate and one token per delta received."""
        return self.usage or Usage(
            estimate_prompt_tokens([m.content for m in self.request.messages]), self.pieces
        )

    def final_chunk(self, record: UsageRecord | None) -> AIChunk:
        return AIChunk(
            done=True,
            usage=record.usage if record else None,
            cost_usd=record.cost_micros / MICROS_PER_USD if record else 0.0,
            deployment=record.deployment if record else "",
            model=record.model if record else "",
            error=self.failure,
        )


def _as_is(text: str) -> str:
    return text


async def _shielded(operation: Coroutine[Any, Any, None]) -> None:
    """Run `operation` to the end even if the caller is cancelled meanwhile (a client that
    disconnects must still be billed and its reservation released)."""
    task = asyncio.ensure_future(operation)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await task
        raise

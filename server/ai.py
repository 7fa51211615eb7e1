"""Part of the composition root: the AI service built from settings.

Deployments come from AI_DEPLOYMENTS, or else from the OPENAI_* / AZURE_OPENAI_* shortcuts
(Azure first); the offline provider closes every route unless AI_OFFLINE_FALLBACK=false, and is
the only deployment when no key is configured.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime

from server.config import DEFAULT_AI_PRICES, AIDeploymentSettings, Settings
from services.ai.breaker import CircuitBreaker
from services.ai.budget import AiBudget, BudgetUnitOfWork
from services.ai.cache import MemoryPromptCache, NoPromptCache, PromptCache, RedisPromptCache
from services.ai.metrics import AIMetrics
from services.ai.providers.base import Deployment, Provider
from services.ai.providers.offline import OFFLINE_MODEL, Composer, OfflineProvider
from services.ai.providers.openai import OpenAIProvider
from services.ai.retry import RetryPolicy
from services.ai.router import DEFAULT_ROUTE, Router
from services.ai.service import AIService
from services.ai.token_prices import Price, PriceTable
from services.common.uow import UnitOfWorkFactory
from services.redis_circuit import SharedRedis

OFFLINE_DEPLOYMENT = "offline"


def configured_deployments(settings: Settings) -> list[Deployment]:
    entries = list(settings.ai_deployments) or _shortcut_deployments(settings)
    deployments = [_deployment(entry, settings) for entry in entries]
    has_offline = any(d.provider == "offline" for d in deployments)
    if not has_offline and (settings.ai_offline_fallback or not deployments):
        deployments.append(_deployment(_offline_entry(), settings))
    names = [deployment.name for deployment in deployments]
    if len(set(names)) != len(names):
        raise ValueError(f"AI deployment names must be unique: {names}")
    return deployments


def configured_routes(settings: Settings, deployments: list[Deployment]) -> dict[str, list[str]]:
    """AI_ROUTES, with "default" (every deployment in order) filled in, and the offline fallback
    appended to each route that lacks it."""
    routes = {task: list(names) for task, names in settings.ai_routes.items()}
    routes.setdefault(DEFAULT_ROUTE, [deployment.name for deployment in deployments])
    offline = [d.name for d in deployments if d.provider == "offline"]
    if settings.ai_offline_fallback and offline:
        for names in routes.values():
            if not set(offline) & set(names):
                names.append(offline[0])
    return routes


def build_ai_service(
    settings: Settings,
    uow_factory: UnitOfWorkFactory[BudgetUnitOfWork],
    *,
    composers: Mapping[str, Composer],
    metrics: AIMetrics,
    clock: Callable[[], datetime],
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: random.Random | None = None,
    redis: SharedRedis | None = None,
) -> AIService:
    """`clock` dates budgets; `monotonic`, `sleep` and `rng` drive breakers and retries (tests
    pass fakes); `redis` is the worker's shared Redis (needed for AI_CACHE_BACKEND=redis)."""
    deployments = configured_deployments(settings)
    providers = [_provider(deployment, settings, composers) for deployment in deployments]
    breakers = {
        deployment.name: CircuitBreaker(
            deployment.name,
            failure_threshold=settings.ai_breaker_failure_threshold,
            reset_timeout=settings.ai_breaker_reset_seconds,
            half_open_max_probes=settings.ai_breaker_half_open_probes,
            on_state_change=metrics.breaker_changed,
            clock=monotonic,
        )
        for deployment in deployments
    }
    for name, breaker in breakers.items():
        metrics.breaker_changed(name, breaker.state)
    router = Router(
        {provider.deployment.name: provider for provider in providers},
        configured_routes(settings, deployments),
        breakers,
        retry=RetryPolicy(
            max_attempts=settings.ai_max_attempts,
            max_retry_after=settings.ai_max_retry_after_seconds,
        ),
        metrics=metrics,
        rng=rng or random.Random(),
        sleep=sleep,
    )
    prices = {**DEFAULT_AI_PRICES, **settings.ai_prices}
    return AIService(
        router,
        providers=providers,
        breakers=breakers,
        cache=_prompt_cache(settings, redis),
        prices=PriceTable(
            {
                OFFLINE_MODEL: Price(0.0, 0.0),
                **{name: Price(p.input, p.output) for name, p in prices.items()},
            }
        ),
        budget=AiBudget(
            uow_factory,
            monthly_budget_usd={
                "free": settings.ai_budget_free_usd,
                "pro": settings.ai_budget_pro_usd,
                "enterprise": settings.ai_budget_enterprise_usd,
            },
            reservation_ttl_seconds=settings.ai_reservation_ttl_seconds,
            clock=clock,
        ),
        metrics=metrics,
    )


def _shortcut_deployments(settings: Settings) -> list[AIDeploymentSettings]:
    entries = []
    if settings.azure_openai_endpoint and settings.azure_openai_api_key:
        entries.append(
            AIDeploymentSettings(
                name="azure",
                provider="azure",
                model=settings.azure_openai_deployment or settings.azure_openai_model,
                price_model=settings.azure_openai_model,
                base_url=settings.azure_openai_endpoint,
                api_key=settings.azure_openai_api_key,
                api_version=settings.azure_openai_api_version,
            )
        )
    if settings.openai_api_key:
        entries.append(
            AIDeploymentSettings(
                name="openai",
                provider="openai",
                model=settings.openai_model,
                base_url=settings.openai_base_url,
                api_key=settings.openai_api_key,
            )
        )
    return entries


def _offline_entry() -> AIDeploymentSettings:
    return AIDeploymentSettings(name=OFFLINE_DEPLOYMENT, provider="offline")


def _deployment(entry: AIDeploymentSettings, settings: Settings) -> Deployment:
    if entry.provider != "offline" and not entry.model:
        raise ValueError(f"AI deployment {entry.name!r} needs a model")
    return Deployment(
        name=entry.name,
        provider=entry.provider,
        model=entry.model or OFFLINE_MODEL,
        price_model=entry.price_model,
        base_url=entry.base_url,
        api_key=entry.api_key,
        api_version=entry.api_version,
        timeout_seconds=entry.timeout_seconds or settings.ai_timeout_seconds,
    )


def _provider(
    deployment: Deployment, settings: Settings, composers: Mapping[str, Composer]
) -> Provider:
    if deployment.provider == "offline":
        return OfflineProvider(
            deployment,
            composers,
            token_delay_seconds=settings.ai_offline_token_delay_ms / 1000,
        )
    return OpenAIProvider(deployment)


def _prompt_cache(settings: Settings, redis: SharedRedis | None) -> PromptCache:
    if settings.ai_cache_backend == "off":
        return NoPromptCache()
    if settings.ai_cache_backend == "redis":
        if redis is None:
            raise ValueError("AI_CACHE_BACKEND=redis needs the shared Redis connection")
        return RedisPromptCache(
            redis.client,
            redis.circuit,
            prefix=settings.ai_cache_redis_prefix,
            ttl_seconds=settings.ai_cache_ttl_seconds,
        )
    return MemoryPromptCache(
        max_entries=settings.ai_cache_max_entries, ttl_seconds=settings.ai_cache_ttl_seconds
    )

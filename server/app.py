"""The composition root: the only module that knows the concrete classes and wires them together.

`build_app` turns settings into a ready (not yet started) gRPC server with its services, health,
reflection, interceptors and ports; `App.stop` is the graceful shutdown every worker runs on
SIGTERM/SIGINT: health NOT_SERVING first, a drain period for Envoy to notice, then the gRPC grace
period for in-flight calls, then the database pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import grpc
import protovalidate
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from huntaze.v1 import (
    ai_assistant_pb2,
    ai_assistant_pb2_grpc,
    analytics_pb2,
    analytics_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    billing_pb2,
    billing_pb2_grpc,
    content_creation_pb2,
    content_creation_pb2_grpc,
    content_ideas_pb2,
    content_ideas_pb2_grpc,
    users_pb2,
    users_pb2_grpc,
)
from huntaze.v1 import (
    health_pb2 as report_pb2,
)
from huntaze.v1 import (
    health_pb2_grpc as report_pb2_grpc,
)
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncEngine

from interceptors.chain import ChainConfig, build_interceptors
from interceptors.metrics import RpcMetrics
from interceptors.rate_limit import (
    FallbackRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    SharedMemoryRateLimiter,
)
from server.ai import build_ai_service
from server.billing import RETRY_INTERVAL_SECONDS, BillingParts, build_billing, retry_failed_events
from server.config import Settings
from server.password_pool import start_password_pool
from server.runtime import RuntimeDir
from server.scheduling import (
    SchedulingParts,
    SchedulingUnitOfWork,
    build_scheduling,
    run_scheduling,
    scheduler_check,
)
from server.servicers.ai_assistant import AIAssistantServicer
from server.servicers.analytics import AnalyticsServicer
from server.servicers.auth import AuthServicer
from server.servicers.billing import BillingServicer
from server.servicers.content_creation import ContentCreationServicer
from server.servicers.content_ideas import ContentIdeasServicer
from server.servicers.health import (
    CheckFailed,
    DependencyCheck,
    HealthReportServicer,
    NotConfigured,
)
from server.servicers.http import session_of
from server.servicers.users import UsersServicer
from server.stalls import StallMetrics, StallMonitor
from server.vault import build_storage, build_vault
from services.ai.breaker import BreakerState
from services.ai.budget import BudgetUnitOfWork
from services.ai.metrics import AIMetrics
from services.ai.providers.offline import Composer
from services.ai.service import AIService
from services.analytics.history import MeasuredHistory
from services.analytics.ingest import EventIntake
from services.analytics.reports import AnalyticsReports, ReportsUnitOfWork
from services.assistant.messages.offline import compose_messages
from services.assistant.messages.prompt import TASK as MESSAGES_TASK
from services.assistant.messages.service import MessageGenerator
from services.assistant.price_optimizer import PriceOptimizer
from services.assistant.text import TextAssistant
from services.auth.passwords import PasswordHasher
from services.auth.ports import AuthUnitOfWork
from services.auth.service import AuthPolicy, AuthService
from services.auth.tokens import AccessTokens
from services.billing.metrics import BillingMetrics
from services.billing.not_configured import NOT_CONFIGURED
from services.billing.ports import BillingUnitOfWork
from services.campaigns.ports import CampaignsUnitOfWork
from services.campaigns.service import CampaignService
from services.captions.offline import compose_captions
from services.captions.prompt import TASK as CAPTIONS_TASK
from services.captions.service import CaptionAssistant
from services.common.clock import Clock, utc_now
from services.common.ids import IdGenerator, new_id
from services.common.security_events import SecurityEvents
from services.common.uow import UnitOfWorkFactory
from services.content.ports import ContentUnitOfWork
from services.content.service import ContentLibrary
from services.content_ideas.offline import compose_ideas
from services.content_ideas.prompt import TASK as IDEAS_TASK
from services.content_ideas.service import ContentIdeasService
from services.db import create_engine, create_uow_factory, ping
from services.db.key_reads import KeyReads
from services.redis_circuit import RedisUnavailable, SharedRedis
from services.storage.ports import ObjectStorage
from services.users.ports import AccountReader
from services.users.service import UserService
from services.users.status import AccountStatusCache
from services.vault.ports import VaultUnitOfWork

logger = logging.getLogger("huntaze.server")

# Every huntaze.v1 service.
HUNTAZE_SERVICES = (
    auth_pb2.DESCRIPTOR.services_by_name["AuthService"],
    users_pb2.DESCRIPTOR.services_by_name["UserService"],
    report_pb2.DESCRIPTOR.services_by_name["HealthService"],
    content_ideas_pb2.DESCRIPTOR.services_by_name["ContentIdeasService"],
    ai_assistant_pb2.DESCRIPTOR.services_by_name["AIAssistantService"],
    content_creation_pb2.DESCRIPTOR.services_by_name["ContentCreationService"],
    analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"],
    billing_pb2.DESCRIPTOR.services_by_name["BillingService"],
)
SERVICE_NAMES = tuple(service.full_name for service in HUNTAZE_SERVICES)

# The offline provider's composer per AI task (tasks without one get free text).
OFFLINE_COMPOSERS: dict[str, Composer] = {
    IDEAS_TASK: compose_ideas,
    MESSAGES_TASK: compose_messages,
    CAPTIONS_TASK: compose_captions,
}


# A worker accepts request headers up to this size. Envoy refuses larger header blocks itself
# (HTTP 431 above max_request_headers_kb = 60 KiB); gRPC counts 32 bytes more per header than
# Envoy does, so the workers' limit leaves room for a block of many small headers.
MAX_METADATA_BYTES = 128 * 1024

# How often a worker's loop-lag timer runs (server/stalls.py): ten callbacks a second cost a
# few microseconds each and still catch every stall worth seeing.
LOOP_LAG_INTERVAL_SECONDS = 0.1


@dataclass(frozen=True)
class Domain:
    tokens: AccessTokens
    auth: AuthService
    users: UserService
    accounts: AccountStatusCache
    ai: AIService
    ideas: ContentIdeasService
    messages: MessageGenerator
    text: TextAssistant
    pricing: PriceOptimizer
    billing: BillingParts
    library: ContentLibrary
    campaigns: CampaignService
    captions: CaptionAssistant
    intake: EventIntake
    reports: AnalyticsReports


def auth_policy(settings: Settings) -> AuthPolicy:
    return AuthPolicy(
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
        refresh_remember_ttl_seconds=settings.refresh_token_remember_ttl_seconds,
        signin_max_failures=settings.signin_max_failures,
        signin_lockout_seconds=settings.signin_lockout_seconds,
        refresh_reuse_interval_seconds=settings.refresh_reuse_interval_seconds,
    )


def access_tokens(settings: Settings, *, clock: Clock = utc_now) -> AccessTokens:
    """The access tokens these settings describe (the bench's baselines check them too)."""
    return AccessTokens(
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=settings.access_token_ttl_seconds,
        leeway_seconds=settings.jwt_leeway_seconds,
        clock=clock,
    )


class AppUnitOfWork(
    AuthUnitOfWork,
    ContentUnitOfWork,
    BudgetUnitOfWork,
    BillingUnitOfWork,
    CampaignsUnitOfWork,
    VaultUnitOfWork,
    SchedulingUnitOfWork,
    ReportsUnitOfWork,
    Protocol,
):
    """Every repository some use case needs: what the unit-of-work factory must provide."""


def build_domain(
    settings: Settings,
    uow_factory: UnitOfWorkFactory[AppUnitOfWork],
    registry: CollectorRegistry,
    *,
    redis: SharedRedis | None = None,
    clock: Clock = utc_now,
    hasher: PasswordHasher | None = None,
    ids: IdGenerator = new_id,
    account_reader: AccountReader | None = None,
) -> Domain:
    """The use cases over one unit-of-work factory (SQL in the server, in memory in unit
    tests); metrics go to `registry`. `clock`, `hasher` and `ids` replace the real ones (tests
    pass a clock they move by hand, a fast argon2, predictable ids); `account_reader` reads
    an account by key outside a unit of work (services.db.key_reads)."""
    ai = build_ai_service(
        settings,
        uow_factory,
        composers=OFFLINE_COMPOSERS,
        metrics=AIMetrics(registry),
        clock=clock,
        redis=redis,
    )
    tokens = access_tokens(settings, clock=clock)
    events = SecurityEvents()
    accounts = AccountStatusCache(
        uow_factory, ttl_seconds=settings.account_status_ttl_seconds, accounts=account_reader
    )
    billing = build_billing(settings, uow_factory, BillingMetrics(registry), clock=clock, ids=ids)
    reports = AnalyticsReports(uow_factory, clock=clock)
    auth = AuthService(
        uow_factory=uow_factory,
        hasher=hasher or PasswordHasher(),
        tokens=tokens,
        policy=auth_policy(settings),
        clock=clock,
        events=events,
        ids=ids,
    )
    return Domain(
        tokens=tokens,
        auth=auth,
        users=UserService(
            uow_factory,
            clock=clock,
            events=events,
            account_changed=accounts.forget,
            accounts=account_reader,
        ),
        accounts=accounts,
        ai=ai,
        ideas=ContentIdeasService(
            ai, uow_factory, clock=clock, new_id=ids, measured_history=MeasuredHistory(reports)
        ),
        messages=MessageGenerator(ai, uow_factory, billing.meter, clock=clock),
        text=TextAssistant(ai),
        pricing=PriceOptimizer(),
        billing=billing,
        library=ContentLibrary(uow_factory, clock=clock, ids=ids),
        campaigns=CampaignService(uow_factory, clock=clock, ids=ids),
        captions=CaptionAssistant(ai, uow_factory),
        intake=EventIntake(uow_factory, clock=clock),
        reports=reports,
    )


@dataclass
class App:
    settings: Settings
    server: grpc.aio.Server
    health: health.HealthServicer
    engine: AsyncEngine
    key_reads: KeyReads
    password_pool: ProcessPoolExecutor
    limiter: RateLimiter
    redis: SharedRedis | None
    ai: AIService
    billing: BillingParts
    storage: ObjectStorage
    scheduling: SchedulingParts
    addresses: tuple[str, ...]
    stalls: StallMonitor
    background: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        self.stalls.start()
        await self.server.start()
        if self.billing.configured:
            self.background.append(
                asyncio.create_task(
                    retry_failed_events(self.billing.webhooks, interval=RETRY_INTERVAL_SECONDS)
                )
            )
        if self.settings.scheduler_enabled:
            self.background.append(
                asyncio.create_task(
                    run_scheduling(
                        self.settings,
                        self.scheduling,
                        single_claimer_lock=self._single_claimer_lock(),
                    )
                )
            )
        for name in ("", *SERVICE_NAMES):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        logger.info("serving", extra={"addresses": list(self.addresses)})

    def _single_claimer_lock(self) -> Path | None:
        """SQLite has no row locks: one worker of the host claims (the lock's holder). A server
        outside a supervisor (no runtime directory) is alone anyway."""
        if self.engine.dialect.name != "sqlite" or not self.settings.runtime_dir:
            return None
        return RuntimeDir(Path(self.settings.runtime_dir)).scheduler_lock

    async def stop(self, *, drain_seconds: float | None = None) -> None:
        """Graceful stop: NOT_SERVING, drain, stop with grace, close Redis and the database pool."""
        drain = self.settings.shutdown_drain_seconds if drain_seconds is None else drain_seconds
        await self.health.enter_graceful_shutdown()
        logger.info("draining", extra={"drain_seconds": drain})
        if drain > 0:
            await asyncio.sleep(drain)  # time for Envoy's health check to see NOT_SERVING
        await self.server.stop(grace=self.settings.shutdown_grace_seconds)
        for task in self.background:
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.billing.aclose()
        await self.scheduling.aclose()
        await self.storage.aclose()
        await self.limiter.aclose()
        await self.ai.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        await self.key_reads.aclose()
        await asyncio.to_thread(self.password_pool.shutdown, True, cancel_futures=True)
        await self.engine.dispose()
        self.stalls.stop()
        logger.info("stopped")


def build_limiter(settings: Settings, redis: SharedRedis | None) -> RateLimiter:
    """This host's shared table (the supervisor created it), behind Redis when configured."""
    local = SharedMemoryRateLimiter(RuntimeDir(Path(settings.runtime_dir)).bucket_table)
    if settings.rate_limit_backend != "redis":
        return local
    if redis is None:
        raise ValueError("RATE_LIMIT_BACKEND=redis needs the shared Redis connection")
    shared = RedisRateLimiter(redis.client, redis.circuit, prefix=settings.rate_limit_redis_prefix)
    return FallbackRateLimiter(shared, local)


def uses_redis(settings: Settings) -> bool:
    return settings.rate_limit_backend == "redis" or settings.ai_cache_backend == "redis"


async def build_app(settings: Settings, *, slot: int | None = None, worker: int = 0) -> App:
    """Build one worker's server. It binds the shared GRPC_PORT with SO_REUSEPORT (direct gRPC
    clients; every worker binds it) and, given a `slot`, its private Unix socket in the runtime
    directory (Envoy's endpoint for this worker). `worker` (the supervisor's index, stable
    across restarts, unlike the slot) labels its loop-lag and GC metrics."""
    engine = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    registry = CollectorRegistry()
    redis = (
        SharedRedis.connect(
            settings.redis_url,
            timeout=settings.redis_timeout_seconds,
            retry_seconds=settings.redis_retry_seconds,
        )
        if uses_redis(settings)
        else None
    )
    uow_factory = create_uow_factory(engine)
    key_reads = KeyReads(engine, postgres_connections=settings.database_pool_size)
    password_pool = await start_password_pool()
    domain = build_domain(
        settings,
        uow_factory,
        registry,
        redis=redis,
        hasher=PasswordHasher(executor=password_pool),
        account_reader=key_reads,
    )
    storage = build_storage(settings)
    vault = build_vault(settings, uow_factory, storage)
    scheduling = build_scheduling(settings, uow_factory, storage, registry)
    limiter = build_limiter(settings, redis)
    metrics = RpcMetrics(registry)
    server = grpc.aio.server(
        interceptors=build_interceptors(
            config=ChainConfig(
                allowed_origins=[*settings.cors_origins, *settings.public_origins()],
                rate_limit_rules=settings.rate_limit_rules(),
            ),
            tokens=domain.tokens,
            accounts=domain.accounts,
            limiter=limiter,
            session_of=session_of,
            metrics=metrics,
        ),
        options=[
            ("grpc.so_reuseport", 1),
            # Envoy and the workers share a host: BDP probing only grows the receive window
            # (measured: a 1 GiB upload then grew a worker by 20-40 MiB of buffered frames,
            # about 9 MiB without). A 4 MiB window per stream made uploads faster (136 -> 178
            # MiB/s) but grew a worker by ~15 MiB: the default (64 KiB) keeps memory flat.
            ("grpc.http2.bdp_probe", 0),
            ("grpc.max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.absolute_max_metadata_size", MAX_METADATA_BYTES),
        ],
    )

    auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(domain.auth), server)
    users_pb2_grpc.add_UserServiceServicer_to_server(UsersServicer(domain.users), server)
    checks = [
        DependencyCheck("database", lambda: ping(engine)),
        *ai_checks(domain.ai),
        stripe_check(domain.billing),
        scheduler_check(settings, uow_factory),
    ]
    if redis is not None:
        checks.append(redis_check(redis))
    report_pb2_grpc.add_HealthServiceServicer_to_server(
        HealthReportServicer(checks, version=settings.version), server
    )
    content_ideas_pb2_grpc.add_ContentIdeasServiceServicer_to_server(
        ContentIdeasServicer(domain.ideas), server
    )
    ai_assistant_pb2_grpc.add_AIAssistantServiceServicer_to_server(
        AIAssistantServicer(domain.text, domain.ideas, domain.messages, domain.pricing), server
    )
    content_creation_pb2_grpc.add_ContentCreationServiceServicer_to_server(
        ContentCreationServicer(
            domain.library, domain.campaigns, domain.captions, vault, scheduling.schedule
        ),
        server,
    )
    analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(
        AnalyticsServicer(domain.intake, domain.reports, protovalidate.Validator()), server
    )
    billing_pb2_grpc.add_BillingServiceServicer_to_server(
        BillingServicer(domain.billing.billing, domain.billing.webhooks), server
    )

    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.NOT_SERVING)
    reflection.enable_server_reflection(
        (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )

    # add_insecure_port raises when the address cannot be bound: the worker then fails at
    # startup and the supervisor exits non-zero.
    addresses = [f"{settings.grpc_host}:{settings.grpc_port}"]
    if slot is not None:
        addresses.append(f"unix:{RuntimeDir(Path(settings.runtime_dir)).worker_socket(slot)}")
    for address in addresses:
        server.add_insecure_port(address)
    return App(
        settings,
        server,
        health_servicer,
        engine,
        key_reads,
        password_pool,
        limiter,
        redis,
        domain.ai,
        domain.billing,
        storage,
        scheduling,
        tuple(addresses),
        stalls=StallMonitor(
            StallMetrics(registry), worker=str(worker), interval=LOOP_LAG_INTERVAL_SECONDS
        ),
    )


def redis_check(redis: SharedRedis) -> DependencyCheck:
    """Not required: while Redis fails, limits fall back to this host and the cache misses."""

    async def probe() -> None:
        try:
            await redis.ping()
        except RedisUnavailable as error:
            retry_in = redis.circuit.retry_in()
            suffix = f"; next try in {retry_in:.0f} s" if retry_in is not None else ""
            raise CheckFailed(f"not answering, limits are per host meanwhile{suffix}") from error

    return DependencyCheck("redis", probe, required=False)


def stripe_check(billing: BillingParts) -> DependencyCheck:
    """Not required (only billing needs Stripe). Not configured is reported as such, not as
    down; configured, the check is the webhook backlog (no call to Stripe per health check)."""

    async def probe() -> None:
        if not billing.configured:
            raise NotConfigured(NOT_CONFIGURED)
        stuck = await billing.webhooks.failing_events()
        if stuck:
            raise CheckFailed(f"{stuck} Stripe event(s) failed processing and wait for a retry")

    return DependencyCheck("stripe", probe, required=False)


def ai_checks(ai: AIService) -> list[DependencyCheck]:
    """One /api/health entry per AI deployment, read from its breaker (no upstream call).
    Not required: a route falls back to the next deployment while one is down."""

    def probe(name: str) -> Callable[[], Awaitable[None]]:
        async def check() -> None:
            status = next(s for s in ai.statuses() if s.name == name)
            if status.state is BreakerState.OPEN:
                raise CheckFailed(f"circuit open, next probe in {status.retry_after:.0f} s")
            if status.state is BreakerState.HALF_OPEN:
                raise CheckFailed("circuit half-open, probing")

        return check

    return [
        DependencyCheck(f"ai.{status.name}", probe(status.name), required=False)
        for status in ai.statuses()
    ]

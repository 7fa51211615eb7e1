"""Typed settings read from the environment (see the README's configuration table).

Defaults run locally with nothing else installed: SQLite under ./var, rate limits in this host's
shared memory, offline AI, a JWT secret generated on first run (server/local_secret.py).
`ENVIRONMENT=production` refuses to start with placeholder or missing secrets.
"""

from __future__ import annotations

import json
import os
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from interceptors.rate_limit import DEFAULT_BUCKETS, RULE_NAMES, RateLimitRule
from server.cpu_slice import MAX_SLICE_US, MIN_SLICE_US

_PLACEHOLDER_MARKERS = ("change-me", "changeme", "placeholder", "your-", "xxx")


class AIDeploymentSettings(BaseModel):
    """One entry of AI_DEPLOYMENTS (JSON). `provider`: offline | openai | azure; `model` is the
    model (OpenAI) or deployment name (Azure); `price_model` the AI_PRICES key when it differs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    provider: Literal["offline", "openai", "azure"]
    model: str = ""
    price_model: str = ""
    base_url: str = ""
    api_key: str = ""
    api_version: str = ""
    timeout_seconds: float | None = Field(default=None, gt=0)


class AIPriceSettings(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    input: float = Field(ge=0)
    output: float = Field(ge=0)


# Public list prices (USD per million tokens), 2026; AI_PRICES entries override or add.
DEFAULT_AI_PRICES = {
    "gpt-4o": AIPriceSettings(input=2.50, output=10.00),
    "gpt-4o-mini": AIPriceSettings(input=0.15, output=0.60),
    "gpt-4.1": AIPriceSettings(input=2.00, output=8.00),
    "gpt-4.1-mini": AIPriceSettings(input=0.40, output=1.60),
    "gpt-4.1-nano": AIPriceSettings(input=0.10, output=0.40),
}


class MessagePackSettings(BaseModel):
    """One entry of MESSAGE_PACKS (JSON): the credits a pack grants and its Stripe price id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    credits: int = Field(gt=0)
    price: str = Field(min_length=1)


DEFAULT_MESSAGE_PACKS = {
    "small": MessagePackSettings(credits=100, price="price_messages_small"),
    "medium": MessagePackSettings(credits=500, price="price_messages_medium"),
    "large": MessagePackSettings(credits=2000, price="price_messages_large"),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    environment: Literal["development", "test", "production"] = "development"
    version: str = "0.1.0"
    log_level: str = "INFO"

    # Network
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    # The CPU slice each worker asks the kernel for, in µs (Linux >= 6.12; 0: the kernel's
    # default): a worker woken by a request preempts the hashing process within it
    # (server/cpu_slice.py).
    worker_cpu_slice_us: int = Field(default=100, ge=0, le=MAX_SLICE_US)
    shutdown_grace_seconds: float = 10.0
    # After health flips to NOT_SERVING, keep serving this long so Envoy's active health check
    # (1 s interval) takes the worker out of rotation before the server stops accepting calls;
    # a new worker of a rolling restart is given as long before the old one starts draining.
    shutdown_drain_seconds: float = Field(default=2.0, ge=0)
    # The workers' private Unix sockets (Envoy's upstream endpoints), Envoy's admin socket, the
    # metrics socket and the shared rate-limit table live here, in a directory only this user
    # can open. Empty: a new private directory per start (under /dev/shm when it exists).
    runtime_dir: str = ""
    # The frontends' origins: CORS, and the browsers allowed to use the session cookie.
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]
    # The API's own origin as browsers see it (a frontend served by the API itself); empty:
    # http://HTTP_HOST:HTTP_PORT, plus http://localhost:HTTP_PORT for a loopback host.
    public_origin: str = ""

    # Storage
    database_url: str = "sqlite+aiosqlite:///./var/huntaze.db"
    database_pool_size: int = 10
    redis_url: str = ""
    # A Redis call that takes longer fails; a failed Redis is skipped this long (rate limits
    # fall back to this host's table, the prompt cache misses) before it is tried again.
    redis_timeout_seconds: float = Field(default=0.1, gt=0)
    redis_retry_seconds: float = Field(default=5.0, gt=0)

    # Auth. Empty JWT_SECRET outside production: a random secret kept in var/jwt-secret.
    jwt_secret: str = ""
    jwt_issuer: str = "huntaze"
    jwt_audience: str = "huntaze-api"
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=60)
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 24 * 3600
    refresh_token_remember_ttl_seconds: int = 30 * 24 * 3600
    signin_max_failures: int = 5
    signin_lockout_seconds: int = 15 * 60
    # How long a worker trusts its last look at an account: the bound on how long a deleted or
    # deactivated account's access token keeps working.
    account_status_ttl_seconds: float = Field(default=5.0, ge=0, le=60)
    # A rotated refresh token presented again within this many seconds (a second tab, React
    # StrictMode) still refreshes instead of revoking the session.
    refresh_reuse_interval_seconds: float = Field(default=10.0, ge=0, le=60)

    # Rate limits (CAPACITY/SECONDS). "memory": one table in this host's shared memory, exact
    # across its workers; "redis": shared by every host, with the table as fallback.
    rate_limit_backend: Literal["memory", "redis"] = "memory"
    rate_limit_standard: str = "120/60"
    # Sign-in and sign-up per client address: an office of agency chatters shares one.
    rate_limit_auth: str = "120/60"
    # Refresh and logout per browser session.
    rate_limit_session: str = "30/60"
    rate_limit_ai: str = "30/60"
    rate_limit_webhook: str = "600/60"
    # Buckets the shared table holds at once (more live callers make limits lenient, not wrong).
    rate_limit_memory_buckets: int = Field(default=DEFAULT_BUCKETS, ge=8)
    # Namespace of the buckets in Redis: deployments sharing one Redis keep separate limits.
    rate_limit_redis_prefix: str = "huntaze:ratelimit:"

    # Metrics
    metrics_token: str = ""

    # AI. With no key configured everything runs on the offline provider. OPENAI_API_KEY /
    # AZURE_OPENAI_* add one deployment each (Azure first); AI_DEPLOYMENTS (JSON list) replaces
    # both. AI_ROUTES (JSON {task: [deployment names]}, task "default" for the rest) orders them.
    openai_api_key: str = ""
    openai_base_url: str = ""
    openai_model: str = "gpt-4o-mini"
    azure_openai_endpoint: str = ""
    azure_openai_api_key: str = ""
    azure_openai_deployment: str = ""
    azure_openai_model: str = "gpt-4o-mini"
    azure_openai_api_version: str = "2024-10-21"
    ai_deployments: list[AIDeploymentSettings] = []
    ai_routes: dict[str, list[str]] = {}
    ai_prices: dict[str, AIPriceSettings] = {}
    # Append the offline provider to every route as the last resort.
    ai_offline_fallback: bool = True
    # The offline provider's pause per word when streaming (0: as fast as possible).
    ai_offline_token_delay_ms: float = Field(default=15.0, ge=0)
    ai_timeout_seconds: float = Field(default=30.0, gt=0)
    ai_max_attempts: int = Field(default=3, ge=1, le=3)
    ai_max_retry_after_seconds: float = Field(default=5.0, ge=0)
    ai_breaker_failure_threshold: int = Field(default=5, ge=1)
    ai_breaker_reset_seconds: float = Field(default=30.0, gt=0)
    ai_breaker_half_open_probes: int = Field(default=1, ge=1)
    ai_cache_backend: Literal["memory", "redis", "off"] = "memory"
    ai_cache_ttl_seconds: float = Field(default=300.0, gt=0)
    ai_cache_max_entries: int = Field(default=1024, ge=1)
    ai_cache_redis_prefix: str = "huntaze:ai-cache:"
    # Monthly AI spend allowed per plan, USD.
    ai_budget_free_usd: float = Field(default=1.0, ge=0)
    ai_budget_pro_usd: float = Field(default=20.0, ge=0)
    ai_budget_enterprise_usd: float = Field(default=200.0, ge=0)
    # A reservation of a call that never settled (a crashed worker) stops counting after this.
    ai_reservation_ttl_seconds: float = Field(default=900.0, gt=0)

    # Billing (Stripe). Without STRIPE_SECRET_KEY the billing routes answer 503 naming it.
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""
    # Stripe's API base URL; empty: Stripe's own (tests point it at a local server).
    stripe_api_base: str = ""
    stripe_price_pro: str = "price_pro"
    stripe_price_enterprise: str = "price_enterprise"
    stripe_timeout_seconds: float = Field(default=10.0, gt=0)
    stripe_max_network_retries: int = Field(default=2, ge=0, le=5)
    message_packs: dict[str, MessagePackSettings] = DEFAULT_MESSAGE_PACKS
    # Generated messages included per calendar month (UTC), before purchased credits.
    message_allowance_free: int = Field(default=20, ge=0)
    message_allowance_pro: int = Field(default=500, ge=0)
    message_allowance_enterprise: int = Field(default=5000, ge=0)
    # Where Checkout and the Customer Portal send the buyer back to, by default.
    frontend_url: str = "http://localhost:3000"

    # Media vault. "local": files under STORAGE_LOCAL_DIR; "s3": an S3-compatible bucket
    # (credentials from the standard AWS_* variables or the instance's role).
    storage_backend: Literal["local", "s3"] = "local"
    storage_local_dir: str = "./var/storage"
    storage_s3_bucket: str = ""
    storage_s3_endpoint_url: str = ""
    storage_s3_region: str = ""
    storage_s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # The largest upload and the vault's total, per plan, in MiB (uploads stay below 4 GiB).
    upload_max_mib_free: int = Field(default=200, ge=1, le=4000)
    upload_max_mib_pro: int = Field(default=2048, ge=1, le=4000)
    upload_max_mib_enterprise: int = Field(default=4000, ge=1, le=4000)
    storage_quota_mib_free: int = Field(default=2048, ge=1)
    storage_quota_mib_pro: int = Field(default=100 * 1024, ge=1)
    storage_quota_mib_enterprise: int = Field(default=1024 * 1024, ge=1)
    # How long an asset's signed link works.
    asset_link_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)

    # Scheduling. Every worker runs the scheduler on PostgreSQL (claims are row locks with
    # SKIP LOCKED); on SQLite only the first worker does (one claimer).
    scheduler_enabled: bool = True
    scheduler_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    scheduler_batch_size: int = Field(default=50, ge=1, le=1000)
    # A claim not finished within this long is taken over by another scheduler.
    scheduler_lease_seconds: float = Field(default=120.0, ge=5)
    # How far ahead a post may be scheduled.
    schedule_horizon_days: int = Field(default=365, ge=1)
    # Attempts per post before it fails, and the backoff between them (exponential, jittered).
    publish_max_attempts: int = Field(default=5, ge=1, le=20)
    publish_retry_base_seconds: float = Field(default=5.0, gt=0)
    publish_retry_max_seconds: float = Field(default=300.0, gt=0)
    # A post found due later than this after its time (everything was down) fails as missed.
    publish_lateness_seconds: float = Field(default=3600.0, gt=0)
    # Empty: publishing is recorded (posts become "published"). Set: one signed POST per
    # (post, platform) to this URL.
    publish_webhook_url: str = ""
    publish_webhook_secret: str = ""
    publish_webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    # Purges (expired sessions, old throttles, AI reservations, orphaned files) this often.
    maintenance_interval_seconds: float = Field(default=300.0, gt=0)

    @field_validator("worker_cpu_slice_us")
    @classmethod
    def _slice_the_kernel_grants(cls, value: int) -> int:
        if 0 < value < MIN_SLICE_US:
            raise ValueError(f"0 (the kernel's default) or {MIN_SLICE_US}-{MAX_SLICE_US} µs")
        return value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("ai_deployments", "ai_routes", "ai_prices", "message_packs", mode="before")
    @classmethod
    def _json_text(cls, value: object) -> object:
        """JSON given as text (the environment does this itself; init arguments do not)."""
        return json.loads(value) if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        """Accept plain postgresql:// URLs and use psycopg 3 for them."""
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @field_validator(*(f"rate_limit_{name}" for name in RULE_NAMES))
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        RateLimitRule.parse(value)
        return value

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.environment == "production":
            if len(self.jwt_secret) < 32 or _looks_like_placeholder(self.jwt_secret):
                raise ValueError("production needs JWT_SECRET: at least 32 random characters")
            if not self.metrics_token:
                raise ValueError("production needs METRICS_TOKEN (it guards /api/metrics)")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs DATABASE_URL pointing at PostgreSQL")
            for key in self._ai_keys():
                if _looks_like_placeholder(key):
                    raise ValueError("production refuses a placeholder AI API key")
            self._production_stripe()
            if self.publish_webhook_url and _looks_like_placeholder(self.publish_webhook_secret):
                raise ValueError("production refuses a placeholder PUBLISH_WEBHOOK_SECRET")
        if self.storage_backend == "s3" and not self.storage_s3_bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs STORAGE_S3_BUCKET")
        if self.publish_webhook_url and not self.publish_webhook_secret:
            raise ValueError("PUBLISH_WEBHOOK_URL needs PUBLISH_WEBHOOK_SECRET")
        if self.rate_limit_backend == "redis" and not self.redis_url:
            raise ValueError("RATE_LIMIT_BACKEND=redis needs REDIS_URL")
        if self.ai_cache_backend == "redis" and not self.redis_url:
            raise ValueError("AI_CACHE_BACKEND=redis needs REDIS_URL")
        return self

    def _production_stripe(self) -> None:
        """Billing may be off in production (no key), but a key that is set must be real."""
        if not self.stripe_secret_key:
            return
        for name in ("stripe_secret_key", "stripe_webhook_secret"):
            value = getattr(self, name)
            if not value or _looks_like_placeholder(value):
                raise ValueError(f"production refuses a missing or placeholder {name.upper()}")
        if self.stripe_secret_key.startswith("sk_test_"):
            raise ValueError("production refuses a Stripe test key (sk_test_...)")

    def _ai_keys(self) -> list[str]:
        keys = [self.openai_api_key, self.azure_openai_api_key]
        keys += [deployment.api_key for deployment in self.ai_deployments]
        return [key for key in keys if key]

    def rate_limit_rules(self) -> dict[str, RateLimitRule]:
        """One rule per rate-limit family."""
        return {
            name: RateLimitRule.parse(getattr(self, f"rate_limit_{name}")) for name in RULE_NAMES
        }

    def public_origins(self) -> list[str]:
        """The API's own origin(s) as browsers see it (see PUBLIC_ORIGIN)."""
        if self.public_origin:
            return [self.public_origin.rstrip("/")]
        origins = [f"http://{self.http_host}:{self.http_port}"]
        if self.http_host in ("127.0.0.1", "::1", "localhost"):
            origins.append(f"http://localhost:{self.http_port}")
        return list(dict.fromkeys(origins))


def _looks_like_placeholder(secret: str) -> bool:
    return any(marker in secret.lower() for marker in _PLACEHOLDER_MARKERS)

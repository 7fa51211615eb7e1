"""Typed settings read from the environment (see the README's configuration table).

Defaults run locally with nothing else installed: SQLite under ./var, in-memory rate limits,
offline AI. `ENVIRONMENT=production` refuses to start with placeholder secrets.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"
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


@dataclass(frozen=True)
class RateLimitRule:
    """A token bucket: `capacity` requests, refilled evenly over `per_seconds`."""

    capacity: int
    per_seconds: float

    @property
    def refill_per_second(self) -> float:
        return self.capacity / self.per_seconds

    @classmethod
    def parse(cls, text: str) -> RateLimitRule:
        """'60/60' means 60 requests per 60 seconds."""
        capacity, _, seconds = text.partition("/")
        rule = cls(int(capacity), float(seconds or 60))
        if rule.capacity < 1 or rule.per_seconds <= 0:
            raise ValueError(f"bad rate limit {text!r}: want CAPACITY/SECONDS, both positive")
        return rule


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
    metrics_port: int = 9464
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    shutdown_grace_seconds: float = 10.0
    # After health flips to NOT_SERVING, keep serving this long so Envoy's active health check
    # (1 s interval) takes the worker out of rotation before the server stops accepting calls.
    shutdown_drain_seconds: float = Field(default=2.0, ge=0)
    # Each worker's private port, listed as its own endpoint in Envoy; empty means
    # GRPC_PORT+1, GRPC_PORT+2, ... (one per worker).
    grpc_worker_ports: Annotated[list[int], NoDecode] = []
    # Envoy's admin interface (127.0.0.1 only); 0 turns it off.
    envoy_admin_port: int = 9901
    # Peers whose forwarded client address we believe (Envoy's address); everything else is
    # keyed by its own socket address.
    trusted_proxies: Annotated[list[str], NoDecode] = ["127.0.0.1", "::1"]
    cors_origins: Annotated[list[str], NoDecode] = ["http://localhost:3000"]

    # Storage
    database_url: str = "sqlite+aiosqlite:///./var/huntaze.db"
    database_pool_size: int = 10
    redis_url: str = ""

    # Auth
    jwt_secret: str = PLACEHOLDER_JWT_SECRET
    jwt_issuer: str = "huntaze"
    jwt_audience: str = "huntaze-api"
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=60)
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 24 * 3600
    refresh_token_remember_ttl_seconds: int = 30 * 24 * 3600
    signin_max_failures: int = 5
    signin_lockout_seconds: int = 15 * 60

    # Rate limits (CAPACITY/SECONDS); "memory" keeps buckets per process, "redis" shares them.
    rate_limit_backend: Literal["memory", "redis"] = "memory"
    rate_limit_standard: str = "120/60"
    rate_limit_auth: str = "10/60"
    rate_limit_ai: str = "30/60"
    rate_limit_webhook: str = "600/60"
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

    @field_validator("trusted_proxies", "cors_origins", "grpc_worker_ports", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("ai_deployments", "ai_routes", "ai_prices", mode="before")
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

    @field_validator(
        "rate_limit_standard", "rate_limit_auth", "rate_limit_ai", "rate_limit_webhook"
    )
    @classmethod
    def _rate_limit_parses(cls, value: str) -> str:
        RateLimitRule.parse(value)
        return value

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        if self.environment == "production":
            if self.jwt_secret == PLACEHOLDER_JWT_SECRET or len(self.jwt_secret) < 32:
                raise ValueError("production needs JWT_SECRET: at least 32 random characters")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs DATABASE_URL pointing at PostgreSQL")
            for key in self._ai_keys():
                if any(marker in key.lower() for marker in _PLACEHOLDER_MARKERS):
                    raise ValueError("production refuses a placeholder AI API key")
        if self.rate_limit_backend == "redis" and not self.redis_url:
            raise ValueError("RATE_LIMIT_BACKEND=redis needs REDIS_URL")
        if self.ai_cache_backend == "redis" and not self.redis_url:
            raise ValueError("AI_CACHE_BACKEND=redis needs REDIS_URL")
        return self

    def _ai_keys(self) -> list[str]:
        keys = [self.openai_api_key, self.azure_openai_api_key]
        keys += [deployment.api_key for deployment in self.ai_deployments]
        return [key for key in keys if key]

    def worker_ports(self, workers: int) -> list[int]:
        """The private port of each of `workers` worker processes."""
        if self.grpc_worker_ports:
            if len(self.grpc_worker_ports) < workers:
                raise ValueError(f"GRPC_WORKER_PORTS lists fewer than {workers} ports")
            return list(self.grpc_worker_ports[:workers])
        return [self.grpc_port + 1 + index for index in range(workers)]

    def rate_limit_rule(self, name: str) -> RateLimitRule:
        return RateLimitRule.parse(getattr(self, f"rate_limit_{name}"))

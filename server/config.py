"""Typed settings read from the environment (see the README's configuration table).

Defaults run locally with nothing else installed: SQLite under ./var, in-memory rate limits,
offline AI. `ENVIRONMENT=production` refuses to start with placeholder secrets.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PLACEHOLDER_JWT_SECRET = "dev-only-insecure-jwt-secret-change-me"


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

    @field_validator("trusted_proxies", "cors_origins", "grpc_worker_ports", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

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
        if self.rate_limit_backend == "redis" and not self.redis_url:
            raise ValueError("RATE_LIMIT_BACKEND=redis needs REDIS_URL")
        return self

    def worker_ports(self, workers: int) -> list[int]:
        """The private port of each of `workers` worker processes."""
        if self.grpc_worker_ports:
            if len(self.grpc_worker_ports) < workers:
                raise ValueError(f"GRPC_WORKER_PORTS lists fewer than {workers} ports")
            return list(self.grpc_worker_ports[:workers])
        return [self.grpc_port + 1 + index for index in range(workers)]

    def rate_limit_rule(self, name: str) -> RateLimitRule:
        return RateLimitRule.parse(getattr(self, f"rate_limit_{name}"))

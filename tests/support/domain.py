"""Building the auth and user services over a database for tests (fast argon2, fake clock)."""

from __future__ import annotations

from dataclasses import dataclass

from services.auth.passwords import PasswordHasher
from services.auth.service import AuthPolicy, AuthService
from services.auth.tokens import AccessTokens
from services.common.security_events import SecurityEvents
from services.db import UnitOfWorkFactory
from services.users.service import UserService
from support.clock import FakeClock

SECRET = "test-secret-that-is-long-enough-for-hs256-and-for-hs512-as-well-0123"
ISSUER = "huntaze"
AUDIENCE = "huntaze-api"
POLICY = AuthPolicy(
    refresh_ttl_seconds=24 * 3600,
    refresh_remember_ttl_seconds=30 * 24 * 3600,
    signin_max_failures=3,
    signin_lockout_seconds=900,
    refresh_reuse_interval_seconds=10,
)


def fast_hasher() -> PasswordHasher:
    """Real argon2id with tiny parameters: same code paths, milliseconds per hash."""
    return PasswordHasher(time_cost=1, memory_cost_kib=64, parallelism=1)


def access_tokens(clock: FakeClock) -> AccessTokens:
    return AccessTokens(
        secret=SECRET,
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl_seconds=900,
        leeway_seconds=30,
        clock=clock,
    )


@dataclass
class Services:
    auth: AuthService
    users: UserService
    tokens: AccessTokens
    clock: FakeClock
    hasher: PasswordHasher


def build_services(
    uow_factory: UnitOfWorkFactory,
    *,
    clock: FakeClock | None = None,
    hasher: PasswordHasher | None = None,
) -> Services:
    clock = clock or FakeClock()
    hasher = hasher or fast_hasher()
    tokens = access_tokens(clock)
    events = SecurityEvents()
    return Services(
        auth=AuthService(
            uow_factory=uow_factory,
            hasher=hasher,
            tokens=tokens,
            policy=POLICY,
            clock=clock,
            events=events,
        ),
        users=UserService(uow_factory, clock=clock, events=events),
        tokens=tokens,
        clock=clock,
        hasher=hasher,
    )

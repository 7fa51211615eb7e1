"""The use cases as the composition root builds them (server.app.build_domain), over a unit of
work the test chooses (in memory for unit tests, SQLite or PostgreSQL for integration tests),
with a clock moved by hand and a fast argon2."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from server.app import AppUnitOfWork, Domain, auth_policy, build_domain
from server.config import Settings
from services.auth.passwords import PasswordHasher
from services.auth.service import AuthPolicy, AuthService
from services.auth.tokens import AccessTokens
from services.common.uow import UnitOfWorkFactory
from services.users.service import UserService
from support.clock import FakeClock

SECRET = "test-secret-that-is-long-enough-for-hs256-and-for-hs512-as-well-0123"
SETTINGS = Settings(
    environment="test",
    jwt_secret=SECRET,
    signin_max_failures=3,
    signin_lockout_seconds=900,
    refresh_reuse_interval_seconds=10,
)
POLICY: AuthPolicy = auth_policy(SETTINGS)
ISSUER, AUDIENCE = SETTINGS.jwt_issuer, SETTINGS.jwt_audience


def access_tokens(clock: FakeClock) -> AccessTokens:
    return AccessTokens(
        secret=SECRET,
        issuer=ISSUER,
        audience=AUDIENCE,
        ttl_seconds=900,
        leeway_seconds=30,
        clock=clock,
    )


def fast_hasher() -> PasswordHasher:
    """Real argon2id with tiny parameters: same code paths, milliseconds per hash."""
    return PasswordHasher(time_cost=1, memory_cost_kib=64)


@dataclass
class Services:
    """The built use cases and what the test controls of them."""

    domain: Domain
    uow: UnitOfWorkFactory[AppUnitOfWork]
    clock: FakeClock
    hasher: PasswordHasher

    @property
    def auth(self) -> AuthService:
        return self.domain.auth

    @property
    def users(self) -> UserService:
        return self.domain.users

    @property
    def tokens(self) -> AccessTokens:
        return self.domain.tokens


def build_services(
    uow_factory: UnitOfWorkFactory[AppUnitOfWork],
    *,
    clock: FakeClock | None = None,
    hasher: PasswordHasher | None = None,
    settings: Settings = SETTINGS,
) -> Services:
    clock = clock or FakeClock()
    hasher = hasher or fast_hasher()
    domain = build_domain(settings, uow_factory, CollectorRegistry(), clock=clock, hasher=hasher)
    return Services(domain, uow_factory, clock, hasher)


ADDRESS = "203.0.113.7"
PASSWORD = "correct horse battery staple"


async def signed_up(services: Services, email: str = "ada@example.com") -> str:
    """A new account (Ada, PASSWORD, from ADDRESS); its id."""
    user = await services.auth.sign_up(
        name="Ada", email=email, password=PASSWORD, client_address=ADDRESS
    )
    return user.id

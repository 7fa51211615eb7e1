"""The AI service built from settings (server.ai.build_ai_service) over the real openai SDK,
talking HTTP to the local fake OpenAI/Azure server.

Two deployments point at the one fake server: "azure" (Azure's deployment path) and "openai"
(the OpenAI path). Each one's model (Azure: its deployment name) equals its name, which is also
its key on the fake server: `upstream.script("azure", ...)`. Every route ends with the offline
provider unless a test turns that off. Breakers read a fake monotonic clock, retries sleep
through a recording fake, jitter comes from a seeded rng, and each service has its own metrics
registry.
"""

from __future__ import annotations

import asyncio
import random
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import func, select
from support.clock import FakeClock
from support.databases import sqlite_url
from support.fake_openai import FakeOpenAI

from server.ai import build_ai_service
from server.config import AIDeploymentSettings, AIPriceSettings, Settings
from services.ai.budget import month_of
from services.ai.metrics import AIMetrics
from services.ai.service import AIService
from services.ai.token_prices import Price
from services.common.ids import new_id
from services.common.principal import Principal
from services.db import SqlUnitOfWorkFactory
from services.db.models import AiReservationRow, AiSpendRow, AiUsageRow
from services.users.model import Account, Profile

# USD per million tokens, i.e. micro-dollars per token: costs are exact integer sums.
PRICES = {
    "azure": Price(input_per_million=2.0, output_per_million=8.0),
    "openai": Price(input_per_million=1.0, output_per_million=4.0),
}


class FakeMonotonic:
    """The breakers' clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class RecordingSleep:
    """The router's sleep: records each wait instead of waiting (it still yields once)."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@dataclass
class Harness:
    service: AIService
    settings: Settings
    registry: CollectorRegistry
    sleep: RecordingSleep
    monotonic: FakeMonotonic
    clock: FakeClock
    uow_factory: SqlUnitOfWorkFactory
    prices: dict[str, Price]  # by deployment name

    def micros(self, deployment: str, prompt_tokens: int, completion_tokens: int) -> int:
        """What the usage costs at the deployment's (integer) prices, in micro-dollars."""
        price = self.prices[deployment]
        return int(
            prompt_tokens * price.input_per_million + completion_tokens * price.output_per_million
        )

    def metric(self, name: str, **labels: str) -> float:
        """A sample's value; 0.0 for a label set never observed."""
        return self.registry.get_sample_value(name, labels) or 0.0

    async def spent_micros(self, user_id: str) -> int:
        async with self.uow_factory(write=False) as uow:
            return await uow.ai_spend.spent_micros(user_id, month_of(self.clock()))

    async def reservations(self) -> int:
        return await self._count(AiReservationRow)

    async def spend_rows(self) -> int:
        return await self._count(AiSpendRow)

    async def usage_rows(self) -> list[AiUsageRow]:
        async with self.uow_factory(write=False) as uow:
            return list(
                await uow.session.scalars(select(AiUsageRow).order_by(AiUsageRow.created_at))
            )

    async def _count(self, model: type[Any]) -> int:
        async with self.uow_factory(write=False) as uow:
            return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


ServiceFactory = Callable[..., Awaitable[Harness]]
UserFactory = Callable[..., Awaitable[Principal]]


@pytest.fixture(scope="session")
def fake_openai_server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def upstream(fake_openai_server: FakeOpenAI) -> FakeOpenAI:
    """The shared fake server with no scripts and no recorded requests."""
    fake_openai_server.reset()
    return fake_openai_server


def _deployments(
    upstream: FakeOpenAI, *, timeout: float, openai_model: str
) -> list[AIDeploymentSettings]:
    return [
        AIDeploymentSettings(
            name="azure",
            provider="azure",
            model="azure",
            price_model="azure-price",
            base_url=upstream.azure_endpoint,
            api_key="azure-test-key",
            api_version="2024-10-21",
            timeout_seconds=timeout,
        ),
        AIDeploymentSettings(
            name="openai",
            provider="openai",
            model=openai_model,
            base_url=upstream.base_url,
            api_key="sk-test-key",
            timeout_seconds=timeout,
        ),
    ]


@pytest.fixture
async def make_service(
    upstream: FakeOpenAI, uow_factory: SqlUnitOfWorkFactory
) -> AsyncIterator[ServiceFactory]:
    """`await make_service(deployment_timeout=5.0, openai_model="openai", **settings)`.

    `deployment_timeout` is both deployments' timeout; `openai_model` renames the OpenAI
    deployment's model (a name missing from the price table makes it unpriced). Services are
    closed after the test.
    """
    built: list[AIService] = []

    async def make(
        *, deployment_timeout: float = 5.0, openai_model: str = "openai", **overrides: Any
    ) -> Harness:
        values: dict[str, Any] = {
            "ai_deployments": _deployments(
                upstream, timeout=deployment_timeout, openai_model=openai_model
            ),
            "ai_prices": {
                "azure-price": _price_setting(PRICES["azure"]),
                "openai": _price_setting(PRICES["openai"]),
            },
            "ai_offline_token_delay_ms": 0.0,
            "ai_budget_pro_usd": 100.0,
            **overrides,
        }
        settings = Settings(**values)
        registry = CollectorRegistry()
        sleep = RecordingSleep()
        monotonic = FakeMonotonic()
        clock = FakeClock()
        service = build_ai_service(
            settings,
            uow_factory,
            composers={},
            metrics=AIMetrics(registry),
            clock=clock,
            monotonic=monotonic,
            sleep=sleep,
            rng=random.Random(20260115),
        )
        built.append(service)
        return Harness(
            service, settings, registry, sleep, monotonic, clock, uow_factory, dict(PRICES)
        )

    yield make
    for service in built:
        await service.aclose()


def _price_setting(price: Price) -> AIPriceSettings:
    return AIPriceSettings(input=price.input_per_million, output=price.output_per_million)


@pytest.fixture
def make_user(uow_factory: SqlUnitOfWorkFactory) -> UserFactory:
    """`await make_user(plan="pro")`: a user row (AI spend rows reference users) and the
    principal calling as that user."""

    async def make(*, plan: str = "pro") -> Principal:
        now = FakeClock()()
        user = Account(
            id=new_id(),
            email=f"{new_id()}@example.com",
            name="Ada",
            password_hash="$argon2id$fake",
            subscription=plan,
            is_active=True,
            profile=Profile(),
            created_at=now,
            updated_at=now,
        )
        async with uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        return Principal(user.id, plan)

    return make


@pytest.fixture
async def caller(make_user: UserFactory) -> Principal:
    return await make_user()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file per session, copied by tests that need no PostgreSQL."""
    directory = tmp_path_factory.mktemp("ai-template")
    sqlite_url(directory)
    return directory / "huntaze.db"


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite database (a copy of the template: faster than migrating)."""
    copy = tmp_path / "huntaze.db"
    shutil.copyfile(sqlite_template, copy)
    return f"sqlite+aiosqlite:///{copy}"

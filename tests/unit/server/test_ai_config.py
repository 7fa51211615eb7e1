"""AI settings: which deployments and routes the environment configures, and what it refuses."""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry
from pydantic import ValidationError
from support.clock import FakeClock
from support.fakes import MemoryUnitOfWork

from server.ai import build_ai_service, configured_deployments, configured_routes
from server.config import Settings
from services.ai.metrics import AIMetrics
from services.ai.providers.offline import OFFLINE_MODEL

PRODUCTION = {
    "ENVIRONMENT": "production",
    "JWT_SECRET": "k" * 40,
    "DATABASE_URL": "postgresql://huntaze@db:5432/huntaze",
    "METRICS_TOKEN": "m" * 32,
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: no setting leaks in from the machine's environment."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def settings_from(monkeypatch: pytest.MonkeyPatch, **environment: str) -> Settings:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Settings()


def names_and_routes(settings: Settings) -> tuple[list[str], dict[str, list[str]]]:
    deployments = configured_deployments(settings)
    return [d.name for d in deployments], configured_routes(settings, deployments)


def test_no_key_means_the_offline_provider_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(monkeypatch)

    [offline] = configured_deployments(settings)

    assert (offline.name, offline.provider, offline.model) == ("offline", "offline", OFFLINE_MODEL)
    assert configured_routes(settings, [offline]) == {"default": ["offline"]}


def test_an_openai_key_adds_openai_before_the_offline_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_from(
        monkeypatch, OPENAI_API_KEY="sk-real-0123", OPENAI_BASE_URL="http://models.local/v1"
    )

    openai, offline = configured_deployments(settings)

    assert (openai.name, openai.provider, openai.model) == ("openai", "openai", "gpt-4o-mini")
    assert (openai.api_key, openai.base_url) == ("sk-real-0123", "http://models.local/v1")
    assert openai.timeout_seconds == settings.ai_timeout_seconds
    assert offline.provider == "offline"
    assert names_and_routes(settings)[1] == {"default": ["openai", "offline"]}


def test_azure_comes_first_then_openai_then_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(
        monkeypatch,
        OPENAI_API_KEY="sk-real-0123",
        AZURE_OPENAI_ENDPOINT="https://eu.openai.azure.com",
        AZURE_OPENAI_API_KEY="azure-real-0123",
        AZURE_OPENAI_DEPLOYMENT="chat-prod",
        AZURE_OPENAI_MODEL="gpt-4o",
    )

    azure, _, _ = configured_deployments(settings)

    assert names_and_routes(settings) == (
        ["azure", "openai", "offline"],
        {"default": ["azure", "openai", "offline"]},
    )
    assert (azure.provider, azure.model, azure.pricing_key) == ("azure", "chat-prod", "gpt-4o")
    assert azure.base_url == "https://eu.openai.azure.com"
    assert azure.api_version == settings.azure_openai_api_version


def test_azure_needs_both_an_endpoint_and_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(monkeypatch, AZURE_OPENAI_ENDPOINT="https://eu.openai.azure.com")

    assert names_and_routes(settings)[0] == ["offline"]


def test_ai_deployments_replace_the_key_shortcuts(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [
        {"name": "local", "provider": "openai", "model": "llama-3", "base_url": "http://gpu:8000"},
        {"name": "cloud", "provider": "openai", "model": "gpt-4.1", "timeout_seconds": 12},
    ]
    settings = settings_from(
        monkeypatch, OPENAI_API_KEY="sk-real-0123", AI_DEPLOYMENTS=json.dumps(entries)
    )

    local, cloud, _ = configured_deployments(settings)

    assert names_and_routes(settings)[0] == ["local", "cloud", "offline"]
    assert (local.model, local.base_url) == ("llama-3", "http://gpu:8000")
    assert local.timeout_seconds == settings.ai_timeout_seconds
    assert cloud.timeout_seconds == 12


@pytest.mark.parametrize(
    "entries",
    [
        [
            {"name": "gpt", "provider": "openai", "model": "gpt-4o"},
            {"name": "gpt", "provider": "openai", "model": "gpt-4o-mini"},
        ],
        # clashes with the offline fallback appended under its own name
        [{"name": "offline", "provider": "openai", "model": "gpt-4o"}],
    ],
    ids=["two-entries", "the-offline-fallback"],
)
def test_duplicate_deployment_names_are_refused(
    monkeypatch: pytest.MonkeyPatch, entries: list[dict[str, str]]
) -> None:
    settings = settings_from(monkeypatch, AI_DEPLOYMENTS=json.dumps(entries))

    with pytest.raises(ValueError, match="unique"):
        configured_deployments(settings)


def test_an_llm_deployment_without_a_model_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(
        monkeypatch, AI_DEPLOYMENTS=json.dumps([{"name": "gpt", "provider": "openai"}])
    )

    with pytest.raises(ValueError, match="model"):
        configured_deployments(settings)


def test_an_explicit_offline_entry_is_not_added_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    entries = [
        {"name": "demo", "provider": "offline"},
        {"name": "gpt", "provider": "openai", "model": "gpt-4o"},
    ]
    settings = settings_from(monkeypatch, AI_DEPLOYMENTS=json.dumps(entries))

    assert names_and_routes(settings) == (["demo", "gpt"], {"default": ["demo", "gpt"]})


def test_the_offline_fallback_closes_every_route_that_lacks_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_from(
        monkeypatch,
        OPENAI_API_KEY="sk-real-0123",
        AZURE_OPENAI_ENDPOINT="https://eu.openai.azure.com",
        AZURE_OPENAI_API_KEY="azure-real-0123",
        AI_ROUTES=json.dumps({"content_ideas": ["openai", "azure"], "messages": ["offline"]}),
    )

    _, routes = names_and_routes(settings)

    assert routes == {
        "content_ideas": ["openai", "azure", "offline"],
        "messages": ["offline"],
        "default": ["azure", "openai", "offline"],
    }


def test_without_the_offline_fallback_routes_end_with_the_configured_deployments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_from(
        monkeypatch,
        OPENAI_API_KEY="sk-real-0123",
        AI_OFFLINE_FALLBACK="false",
        AI_ROUTES=json.dumps({"content_ideas": ["openai"]}),
    )

    assert names_and_routes(settings) == (
        ["openai"],
        {"content_ideas": ["openai"], "default": ["openai"]},
    )


def test_without_keys_the_offline_provider_stays_even_with_the_fallback_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_from(monkeypatch, AI_OFFLINE_FALLBACK="false")

    assert names_and_routes(settings)[0] == ["offline"]


@pytest.mark.parametrize(
    "environment",
    [
        {"OPENAI_API_KEY": "sk-your-key-here"},
        {"AZURE_OPENAI_API_KEY": "changeme", "AZURE_OPENAI_ENDPOINT": "https://x.azure.com"},
        {
            "AI_DEPLOYMENTS": json.dumps(
                [{"name": "gpt", "provider": "openai", "model": "gpt-4o", "api_key": "PLACEHOLDER"}]
            )
        },
    ],
    ids=["openai", "azure", "ai-deployments"],
)
def test_production_refuses_placeholder_ai_keys(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    with pytest.raises(ValidationError, match="placeholder AI API key"):
        settings_from(monkeypatch, **PRODUCTION, **environment)


def test_production_accepts_real_ai_keys_and_development_accepts_placeholders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = settings_from(monkeypatch, **PRODUCTION, OPENAI_API_KEY="sk-proj-Zq81xYt0")
    assert real.openai_api_key == "sk-proj-Zq81xYt0"

    monkeypatch.setenv("ENVIRONMENT", "development")
    assert Settings(openai_api_key="sk-your-key-here").openai_api_key == "sk-your-key-here"


def test_a_redis_prompt_cache_needs_redis_url(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="AI_CACHE_BACKEND=redis needs REDIS_URL"):
        settings_from(monkeypatch, AI_CACHE_BACKEND="redis")

    settings = settings_from(
        monkeypatch, AI_CACHE_BACKEND="redis", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert settings.ai_cache_backend == "redis"


def test_a_route_naming_an_unknown_deployment_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_from(
        monkeypatch, OPENAI_API_KEY="sk-real-0123", AI_ROUTES=json.dumps({"messages": ["azure"]})
    )

    with pytest.raises(ValueError, match="unknown deployments"):
        build_ai_service(
            settings,
            _no_database,
            composers={},
            metrics=AIMetrics(CollectorRegistry()),
            clock=FakeClock(),
        )


def test_an_empty_route_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(
        monkeypatch,
        OPENAI_API_KEY="sk-real-0123",
        AI_OFFLINE_FALLBACK="false",
        AI_ROUTES=json.dumps({"messages": []}),
    )

    with pytest.raises(ValueError, match="without any deployment"):
        build_ai_service(
            settings,
            _no_database,
            composers={},
            metrics=AIMetrics(CollectorRegistry()),
            clock=FakeClock(),
        )


def _no_database(**_: object) -> MemoryUnitOfWork:
    raise AssertionError("building the AI service must not touch the database")

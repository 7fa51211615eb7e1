"""Production refuses what would be unsafe; development makes its own JWT secret."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from server.config import Settings
from server.local_secret import local_jwt_secret

PRODUCTION = {
    "environment": "production",
    "jwt_secret": "k" * 40,
    "database_url": "postgresql://huntaze@db:5432/huntaze",
    "metrics_token": "m" * 32,
}
REPO_ROOT = Path(__file__).resolve().parents[3]


WEBHOOK = {"stripe_webhook_secret": "whsec_8f3kq0vT2mXpL9"}


def test_production_accepts_real_secrets() -> None:
    assert Settings(**PRODUCTION).metrics_token == "m" * 32
    live = Settings(**PRODUCTION, stripe_secret_key="sk_live_51Hq8s2Lk0Zx", **WEBHOOK)
    assert live.stripe_secret_key.startswith("sk_live_")


def test_message_packs_are_read_from_json() -> None:
    packs = '{"small": {"credits": 10, "price": "price_s"}}'
    assert Settings(message_packs=packs).message_packs["small"].credits == 10
    with pytest.raises(ValidationError):
        Settings(message_packs='{"small": {"credits": 0, "price": "price_s"}}')


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"jwt_secret": ""}, "JWT_SECRET"),
        ({"jwt_secret": "short"}, "JWT_SECRET"),
        ({"jwt_secret": "dev-only-insecure-jwt-secret-change-me"}, "JWT_SECRET"),
        ({"metrics_token": ""}, "METRICS_TOKEN"),
        ({"database_url": "sqlite+aiosqlite:///x.db"}, "PostgreSQL"),
        ({"stripe_secret_key": "sk_live_your-key", **WEBHOOK}, "STRIPE_SECRET_KEY"),
        ({"stripe_secret_key": "sk_test_51Abc"}, "STRIPE_WEBHOOK_SECRET"),
        ({"stripe_secret_key": "sk_test_51Abc", **WEBHOOK}, "test key"),
    ],
    ids=[
        "no-jwt-secret",
        "short",
        "placeholder",
        "no-metrics-token",
        "sqlite",
        "stripe-placeholder",
        "stripe-no-webhook-secret",
        "stripe-test-key",
    ],
)
def test_production_refuses(override: dict[str, str], complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Settings(**{**PRODUCTION, **override})


def test_public_origins_default_to_the_listener() -> None:
    assert Settings(http_host="127.0.0.1", http_port=8080).public_origins() == [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
    ]
    configured = Settings(public_origin="https://api.huntaze.com/")
    assert configured.public_origins() == ["https://api.huntaze.com"]


def test_the_local_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = local_jwt_secret(tmp_path / "var")
    assert len(first) >= 32
    path = tmp_path / "var" / "jwt-secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_jwt_secret(tmp_path / "var") == first
    assert local_jwt_secret(tmp_path / "elsewhere") != first


def test_a_secret_others_can_read_is_refused(tmp_path: Path) -> None:
    local_jwt_secret(tmp_path)
    (tmp_path / "jwt-secret").chmod(0o644)
    with pytest.raises(PermissionError, match="owner only"):
        local_jwt_secret(tmp_path)


def test_concurrent_first_runs_agree_on_one_secret(tmp_path: Path) -> None:
    code = "import sys; from pathlib import Path; from server.local_secret import local_jwt_secret;"
    code += "print(local_jwt_secret(Path(sys.argv[1])))"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path)],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    secrets = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert len(secrets) == 1
    assert sorted(os.listdir(tmp_path)) == ["jwt-secret"]


def test_a_worker_cpu_slice_the_kernel_would_not_grant_is_refused() -> None:
    assert Settings().worker_cpu_slice_us == 100
    assert Settings(worker_cpu_slice_us=0).worker_cpu_slice_us == 0  # the kernel's default
    for refused in (50, 100_001, -1):
        with pytest.raises(ValidationError, match="worker_cpu_slice_us"):
            Settings(worker_cpu_slice_us=refused)

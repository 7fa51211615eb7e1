"""`python -m server.admin` on a SQLite database, as an operator runs it (the commands' rules are
unit tested in tests/unit/services/users)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.databases import sqlite_url
from support.domain import Services, build_services

from services.db import create_engine, create_uow_factory

ADDRESS = "203.0.113.9"
PASSWORD = "correct horse battery staple 9"
REPO_ROOT = Path(__file__).resolve().parents[3]


async def account(services: Services, email: str) -> str:
    user = await services.auth.sign_up(
        name="Op Test", email=email, password=PASSWORD, client_address=ADDRESS
    )
    return user.id


def admin_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.admin", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_the_command_line(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    engine = create_engine(url)
    try:
        await account(build_services(create_uow_factory(engine)), "ava@example.com")
    finally:
        await engine.dispose()
    assert "ava@example.com" in admin_cli(url, "list").stdout
    upgraded = admin_cli(url, "set-plan", "ava@example.com", "enterprise")
    assert upgraded.returncode == 0
    assert "enterprise" in upgraded.stdout
    assert "inactive" in admin_cli(url, "deactivate", "ava@example.com").stdout
    missing = admin_cli(url, "deactivate", "nobody@example.com")
    assert missing.returncode == 1
    assert "no account" in missing.stderr

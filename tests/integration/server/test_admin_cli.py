"""The operator's account commands on SQLite and PostgreSQL, and the CLI on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.auth import Services, build_services
from support.databases import sqlite_url

from services.db import UnitOfWorkFactory, create_engine, create_uow_factory
from services.errors import InvalidArgument, NotFound, Unauthenticated
from services.users.admin import AccountAdmin

ADDRESS = "203.0.113.9"
PASSWORD = "correct horse battery staple 9"
REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def services(uow_factory: UnitOfWorkFactory) -> Services:
    return build_services(uow_factory)


async def account(services: Services, email: str) -> str:
    user = await services.auth.sign_up(
        name="Op Test", email=email, password=PASSWORD, client_address=ADDRESS
    )
    return user.id


async def test_set_plan_and_list(services: Services, uow_factory: UnitOfWorkFactory) -> None:
    admin = AccountAdmin(uow_factory, clock=services.clock)
    await account(services, "ava@example.com")
    services.clock.advance(1)
    await account(services, "bob@agency.example")
    changed = await admin.set_plan("AVA@example.com", "pro")
    assert changed.user.subscription == "pro"
    listed = await admin.list(email_contains="AGENCY")
    assert [(u.email, u.subscription) for u in listed] == [("bob@agency.example", "free")]
    assert [u.email for u in await admin.list()] == ["ava@example.com", "bob@agency.example"]
    _, session = await services.auth.sign_in(
        email="ava@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
    )
    assert services.tokens.verify(session.access_token).plan == "pro"
    with pytest.raises(InvalidArgument):
        await admin.set_plan("ava@example.com", "platinum")
    with pytest.raises(NotFound):
        await admin.set_plan("nobody@example.com", "pro")


async def test_deactivate_ends_sessions_and_sign_in(
    services: Services, uow_factory: UnitOfWorkFactory
) -> None:
    forgotten: list[str] = []
    admin = AccountAdmin(uow_factory, clock=services.clock, account_changed=forgotten.append)
    user_id = await account(services, "ava@example.com")
    _, session = await services.auth.sign_in(
        email="ava@example.com", password=PASSWORD, remember_me=True, client_address=ADDRESS
    )
    change = await admin.set_active("ava@example.com", False)
    assert (change.user.is_active, change.revoked_sessions) == (False, 1)
    assert forgotten == [user_id]
    with pytest.raises(Unauthenticated):
        await services.auth.refresh(refresh_token=session.refresh_token, client_address=ADDRESS)
    with pytest.raises(Unauthenticated):
        await services.auth.sign_in(
            email="ava@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
        )
    await admin.set_active("ava@example.com", True)
    await services.auth.sign_in(
        email="ava@example.com", password=PASSWORD, remember_me=False, client_address=ADDRESS
    )


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

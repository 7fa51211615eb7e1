"""`python -m server.admin` on a SQLite database, as an operator runs it (the commands' rules are
unit tested in tests/unit/services/users)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import stripe
from support.databases import sqlite_url
from support.domain import Services, build_services
from support.e2e_billing import PRICES, STRIPE_KEY, stripe_env
from support.fake_stripe import FakeStripe

from services.common.clock import utc_now
from services.db import create_engine, create_uow_factory

ADDRESS = "203.0.113.9"
PASSWORD = "correct horse battery staple 9"
REPO_ROOT = Path(__file__).resolve().parents[3]


async def account(services: Services, email: str) -> str:
    user = await services.auth.sign_up(
        name="Op Test", email=email, password=PASSWORD, client_address=ADDRESS
    )
    return user.id


def admin_cli(
    database_url: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "server.admin", *args],
        cwd=REPO_ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **(env or {})},
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


async def test_stripe_replay_processes_missed_events_once(tmp_path: Path) -> None:
    """After an outage nothing was delivered: the replay applies what Stripe still holds."""
    url = sqlite_url(tmp_path)
    engine = create_engine(url)
    with FakeStripe(STRIPE_KEY, prices=PRICES) as stripe_server:
        env = stripe_env(stripe_server)
        try:
            services = build_services(create_uow_factory(engine))
            user_id = await account(services, "ava@example.com")
            customer = await stripe_customer(stripe_server, user_id)
            async with create_uow_factory(engine)() as unit:
                await unit.customers.add(user_id, customer, now=utc_now())
                await unit.commit()
            session = await checkout(stripe_server, customer, user_id)
            stripe_server.pay_checkout(session)

            replayed = admin_cli(url, "stripe-replay", env=env)
            assert replayed.returncode == 0, replayed.stderr
            assert "processed now, 0 failed" in replayed.stdout
            async with create_uow_factory(engine)(write=False) as unit:
                account_row = await unit.users.get(user_id)
            assert account_row is not None and account_row.subscription == "pro"
            again = admin_cli(url, "stripe-replay", env=env)
            assert " 0 new here, 0 processed now" in again.stdout
        finally:
            await engine.dispose()
    assert admin_cli(url, "stripe-replay").returncode == 1  # not configured: says so


async def stripe_customer(stripe_server: FakeStripe, user_id: str) -> str:
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": stripe_server.base_url})
    customer = await client.v1.customers.create_async({"metadata": {"user_id": user_id}})
    return str(customer.id)


async def checkout(stripe_server: FakeStripe, customer: str, user_id: str) -> str:
    client = stripe.StripeClient(STRIPE_KEY, base_addresses={"api": stripe_server.base_url})
    session = await client.v1.checkout.sessions.create_async(
        {
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": user_id,
            "line_items": [{"price": "price_pro", "quantity": 1}],
            "success_url": "https://app.example.com/ok",
        }
    )
    return str(session.id)

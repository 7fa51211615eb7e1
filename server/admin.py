"""`python -m server.admin`: manage accounts from a shell, locally or in production (it uses the
same DATABASE_URL as the server).

    python -m server.admin list [--email EMAIL_PART] [--limit N]
    python -m server.admin set-plan EMAIL free|pro|enterprise
    python -m server.admin deactivate EMAIL
    python -m server.admin activate EMAIL
    python -m server.admin stripe-replay [--since 2026-11-01T00:00:00Z]

`stripe-replay` recovers from a webhook outage: it lists the events Stripe still holds (30
days; those created after --since) and processes, in order, each one this server never
processed. Safe to run any time, twice, or while the server runs: processing is idempotent.

A plan change reaches the user's access token at its next refresh (at most 15 minutes); a
deactivation revokes every session at once and refuses the user's access tokens within
ACCOUNT_STATUS_TTL_SECONDS on every worker.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from server.billing import build_billing
from server.config import Settings
from services.admin.accounts import AccountAdmin
from services.billing.metrics import BillingMetrics
from services.billing.not_configured import NOT_CONFIGURED
from services.common.clock import utc_now
from services.common.ids import new_id
from services.db import create_engine, create_uow_factory
from services.errors import DomainError
from services.users.model import PLANS, UserView


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m server.admin", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list accounts, oldest first")
    listing.add_argument("--email", default="", help="only e-mails containing this")
    listing.add_argument("--limit", type=int, default=100)
    plan = commands.add_parser("set-plan", help="change an account's plan")
    plan.add_argument("email")
    plan.add_argument("plan", choices=PLANS)
    for name, text in (("deactivate", "end every session, refuse sign-in"), ("activate", "undo")):
        command = commands.add_parser(name, help=text)
        command.add_argument("email")
    replay = commands.add_parser("stripe-replay", help="process Stripe events missed in an outage")
    replay.add_argument(
        "--since", type=datetime.fromisoformat, default=None, help="only events created after"
    )
    return parser.parse_args(argv)


def row(user: UserView) -> str:
    state = "active" if user.is_active else "inactive"
    created = user.created_at.strftime("%Y-%m-%d %H:%M")
    return f"{user.id}  {user.email:<40}  {user.subscription:<10}  {state:<8}  {created}"


async def replay_events(settings: Settings, since: datetime | None) -> int:
    if not settings.stripe_secret_key:
        print(f"error: {NOT_CONFIGURED}", file=sys.stderr)
        return 1
    engine = create_engine(settings.database_url, pool_size=1)
    parts = build_billing(
        settings,
        create_uow_factory(engine),
        BillingMetrics(CollectorRegistry()),
        clock=utc_now,
        ids=new_id,
    )
    try:
        report = await parts.webhooks.replay(created_after=since)
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    finally:
        await parts.aclose()
        await engine.dispose()
    print(
        f"{report.seen} event(s) at Stripe, {report.stored} new here, "
        f"{report.processed} processed now, {report.failed} failed (retried by the server)"
    )
    return 1 if report.failed else 0


async def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "stripe-replay":
        since = args.since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return await replay_events(settings, since)
    engine = create_engine(settings.database_url, pool_size=1)
    admin = AccountAdmin(create_uow_factory(engine))
    try:
        if args.command == "list":
            users = await admin.list(email_contains=args.email, limit=args.limit)
            for user in users:
                print(row(user))
            print(f"{len(users)} account(s)")
        elif args.command == "set-plan":
            change = await admin.set_plan(args.email, args.plan)
            print(row(change.user))
        else:
            change = await admin.set_active(args.email, args.command == "activate")
            print(row(change.user))
            if change.revoked_sessions:
                print(f"{change.revoked_sessions} session token(s) revoked")
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return asyncio.run(run(args, Settings()))


if __name__ == "__main__":
    sys.exit(main())

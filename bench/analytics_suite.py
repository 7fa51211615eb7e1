"""The analytics suite of `make bench` (`--suites analytics`): the reports of a large creator
and event ingestion, through Envoy (REST), on PostgreSQL and on SQLite.

Per database (PostgreSQL: a database created for the run and dropped after; SQLite: a file in
the temporary directory):

1. Data (bench/analytics_data.py): `--analytics-events` synthetic events (10 M; SQLite
   `--analytics-sqlite-events`, 1 M) over `--analytics-creators` creators (1,000), the largest
   with a tenth of them, two years of history. The largest creator and the ingestion creators
   sign up through the API (the largest is then moved to the "pro" plan, which the fans,
   cohorts, forecast and performance reports need); the others are inserted into `users`.
2. Bulk load: the events are generated into COPY text files (a process per core), then loaded
   straight into `analytics_events` (PostgreSQL: COPY; SQLite: executemany, a transaction per
   creator), and the rollups are recomputed per creator with the repository's own
   `SqlAnalytics.rebuild` in a unit of work; then VACUUM ANALYZE and a checkpoint (SQLite:
   ANALYZE and a WAL checkpoint). Each step is timed.
3. Checks, then the reports of the largest creator with wrk (`--analytics-connections`: 1, 4
   and 16), each route `--warmup` then `--analytics-duration` seconds: req/s, p50/p95/p99, errors,
   busy cores, and the time spent in the worker (the access log). Target: p95 < 50 ms for
   revenue, engagement and performance over a year.
4. Where the time of those reports goes: each run in this process against the same database,
   every SQL statement timed, and (PostgreSQL) EXPLAIN (ANALYZE, BUFFERS) of each.
5. Ingestion: batches of 1,000 new events (`POST /api/analytics/events`), each client a
   creator's token (`--analytics-ingest-creators`), for `--analytics-ingest-duration` seconds,
   at each of `--analytics-ingest-clients`; then the same batches sent again (all duplicates).
   Every answer's `accepted`/`duplicates` is checked, and afterwards the database: the events
   stored, and the rollups against the events. Target: >= 20,000 accepted events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import math
import multiprocessing
import os
import pstats
import resource
import shutil
import sqlite3
import statistics
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import analytics_data as data
import faults_suite
import httpx
import loadgen
import psycopg
from cpu_times import CpuTimes
from processes import StartupError
from sqlalchemy import event

from server import stack as server_stack
from server.config import Settings
from server.servicers.convert_analytics import (
    engagement_response,
    performance_response,
    revenue_response,
)
from server.stack import free_ports
from services.analytics.reports import AnalyticsReports, WindowQuery, growth
from services.analytics.windows import window_of, zone_of
from services.common.clock import utc_now
from services.common.principal import Principal
from services.db import create_engine, create_uow_factory, run_migrations

REPO_ROOT = Path(__file__).resolve().parent.parent
CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "revenue": revenue_response,
    "engagement": engagement_response,
    "performance": performance_response,
}
EVENTS_PATH = "/api/analytics/events"
METHOD_PREFIX = "/huntaze.v1.AnalyticsService/"
PASSWORD = "Bench-analytics-9a-password"
TARGET_P95_MS = 50.0
TARGET_EVENTS_PER_S = 20_000
BATCH = 1000
INGEST_DAYS = 30  # new events fall in the last 30 days
INGEST_POOL = 8000  # distinct events per ingestion creator, cycled under new ids
PROFILE_REPEATS = 10
COPY_BYTES_PER_EVENT = 115  # measured: 105 MiB of COPY text per million events
COPY_SQL = f"COPY analytics_events ({', '.join(data.COLUMNS)}) FROM STDIN"
ANALYTICS_TABLES = (
    "analytics_events",
    "analytics_hourly",
    "analytics_quarter_hourly",
    "analytics_content_days",
    "analytics_fan_days",
    "analytics_fans",
)


@dataclass(frozen=True)
class Route:
    key: str
    label: str
    path: str
    query: str
    method: str
    targeted: bool

    @property
    def url_path(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


ROUTES = (
    Route("revenue", "revenue 1y", "/api/analytics/revenue", "period=1y", "GetRevenue", True),
    Route(
        "revenue_kolkata",
        "revenue 1y Kolkata",
        "/api/analytics/revenue",
        "period=1y&timezone=Asia/Kolkata",
        "GetRevenue",
        True,
    ),
    Route(
        "revenue_new_york",
        "revenue 1y New York",
        "/api/analytics/revenue",
        "period=1y&timezone=America/New_York",
        "GetRevenue",
        True,
    ),
    Route(
        "engagement",
        "engagement 1y",
        "/api/analytics/engagement",
        "period=1y",
        "GetEngagement",
        True,
    ),
    Route(
        "performance",
        "performance 1y",
        "/api/analytics/performance",
        "period=1y",
        "GetPerformance",
        True,
    ),
    Route("fans", "fans 1y", "/api/analytics/fans", "period=1y", "GetFans", False),
    Route("cohorts", "cohorts 12 months", "/api/analytics/cohorts", "", "GetCohorts", False),
    Route("forecast", "forecast 30 days", "/api/analytics/forecast", "", "GetForecast", False),
)

WRK_SCRIPT = """\
-- Written by bench/analytics_suite.py: wrk_report.lua's JSON line, with p95. No request() or
-- response() hook: wrk stays on its C path.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "mean": %.1f, "max": %d}}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99), latency.mean, latency.max))
end
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("analytics suite")
    group.add_argument(
        "--analytics-events",
        type=int,
        default=10_000_000,
        help="events loaded into PostgreSQL (0 skips PostgreSQL)",
    )
    group.add_argument(
        "--analytics-sqlite-events",
        type=int,
        default=1_000_000,
        help="events loaded into SQLite (0 skips SQLite)",
    )
    group.add_argument("--analytics-creators", type=int, default=1000, help="creators")
    group.add_argument(
        "--analytics-largest-share",
        type=float,
        default=0.1,
        help="the largest creator's share of the events",
    )
    group.add_argument("--analytics-days", type=int, default=730, help="days of history")
    group.add_argument("--analytics-seed", type=int, default=20261128, help="the data's seed")
    group.add_argument(
        "--analytics-connections",
        default="1,4,16",
        help="wrk connections of the report runs, one run each",
    )
    group.add_argument(
        "--analytics-duration", type=float, default=10.0, help="measured seconds per report run"
    )
    group.add_argument(
        "--analytics-ingest-clients",
        default="8,16",
        help="concurrent clients of each ingestion run of new events",
    )
    group.add_argument(
        "--analytics-ingest-creators",
        type=int,
        default=8,
        help="creators the ingestion clients send for (client i: creator i mod this)",
    )
    group.add_argument(
        "--analytics-ingest-duration",
        type=float,
        default=20.0,
        help="measured seconds per ingestion run",
    )
    group.add_argument(
        "--analytics-workers", type=int, default=2, help="server workers for the analytics suite"
    )
    group.add_argument(
        "--analytics-load-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="processes generating the events",
    )
    group.add_argument(
        "--analytics-rebuild-concurrency",
        type=int,
        default=2,
        help="PostgreSQL: creators rebuilt at once (SQLite: one, its single writer)",
    )
    group.add_argument(
        "--analytics-postgres",
        default=faults_suite.POSTGRES_ADMIN_URL,
        help="a PostgreSQL database to create the suite's database next to",
    )
    group.add_argument(
        "--analytics-keep-database",
        action="store_true",
        help="keep the PostgreSQL database (its name is printed) for EXPLAIN in psql",
    )


def _ints(text: str) -> list[int]:
    return [int(value) for value in text.split(",") if value]


def measure_analytics(
    env: dict[str, str], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    (workdir / "analytics.lua").write_text(WRK_SCRIPT)
    databases: dict[str, Any] = {}
    if args.analytics_events and args.analytics_postgres:
        server = args.analytics_postgres.removeprefix("postgresql://").rsplit("/", 1)[0]
        with postgres_database(args.analytics_postgres, keep=args.analytics_keep_database) as url:
            databases["postgres"] = run_database(
                "postgres",
                url,
                f"PostgreSQL ({server}), a database created for the run",
                args.analytics_events,
                env,
                args,
                workdir,
            )
    if args.analytics_sqlite_events:
        url = f"sqlite+aiosqlite:///{workdir / 'analytics.db'}"
        run_migrations(url)
        databases["sqlite"] = run_database(
            "sqlite",
            url,
            "SQLite (WAL) in a temporary directory",
            args.analytics_sqlite_events,
            env,
            args,
            workdir,
        )
    return {
        "server_workers": args.analytics_workers,
        "duration_s": args.analytics_duration,
        "warmup_s": args.warmup,
        "connections": _ints(args.analytics_connections),
        "load_threads": args.load_threads,
        "log_level": args.log_level,
        "load_generator": "wrk (reports); async httpx clients in the bench process (ingestion)",
        "targets": {
            "reports": f"p95 < {TARGET_P95_MS:g} ms: revenue, engagement, performance, 1y, "
            "the largest creator",
            "ingestion": f">= {TARGET_EVENTS_PER_S} accepted events/s",
        },
        "databases": databases,
    }


@contextmanager
def postgres_database(admin_url: str, *, keep: bool) -> Iterator[str]:
    name = f"huntaze_bench_analytics_{os.urandom(4).hex()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{url}/{name}"
    try:
        run_migrations(url)
        yield url
    finally:
        if keep:
            print(f"   kept the database {name} ({url})", flush=True)
        else:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Store:
    """The suite's database through a plain driver (placeholders: %s)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.postgres = not url.startswith("sqlite")
        self.path = None if self.postgres else url.split(":///", 1)[1]

    @property
    def database_name(self) -> str | None:
        """PostgreSQL's database name (its backends show it); None for SQLite."""
        return self.url.rsplit("/", 1)[1] if self.postgres else None

    @property
    def plain_url(self) -> str:
        return self.url.replace("postgresql+psycopg://", "postgresql://")

    @contextmanager
    def connect(self) -> Iterator[Any]:
        if self.postgres:
            with psycopg.connect(self.plain_url, autocommit=True) as connection:
                yield connection
        else:
            connection = sqlite3.connect(str(self.path), timeout=60, isolation_level=None)
            try:
                connection.execute("PRAGMA synchronous=NORMAL")
                yield connection
            finally:
                connection.close()

    def _sql(self, sql: str) -> str:
        return sql if self.postgres else sql.replace("%s", "?").replace("::json", "")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.connect() as connection:
            return list(connection.execute(self._sql(sql), params).fetchall())

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with self.connect() as connection:
            connection.execute(self._sql(sql), params)

    def insert_many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        with self.connect() as connection:
            if self.postgres:
                with connection.transaction(), connection.cursor() as cursor:
                    cursor.executemany(sql, rows)
            else:
                connection.execute("BEGIN")
                connection.executemany(self._sql(sql), rows)
                connection.execute("COMMIT")


# --- one database -------------------------------------------------------------------------


@dataclass
class Account:
    index: int
    email: str
    user_id: str = ""
    token: str = ""


def run_database(
    kind: str,
    url: str,
    label: str,
    events: int,
    env: dict[str, str],
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    print(f"-- analytics: {kind}, {events:,} events", flush=True)
    creators = max(1, min(args.analytics_creators, events))
    shape = data.Shape(
        events=events,
        creators=creators,
        largest=max(1, round(events * args.analytics_largest_share)),
        days=args.analytics_days,
        seed=args.analytics_seed,
        now_s=data.wall_now_s(),
    )
    sizes = shape.sizes()
    ingest_creators = max(1, min(args.analytics_ingest_creators, creators - 1))
    store = Store(url)
    server_env = {**env, "DATABASE_URL": url}
    log_dir = workdir / f"analytics-{kind}"
    log_dir.mkdir(exist_ok=True)

    # Accounts through the API: the largest creator (moved to "pro") and the ingestion ones.
    accounts = [
        Account(i, f"analytics-{kind}-{i:04d}@example.com") for i in range(1 + ingest_creators)
    ]
    with _stack(server_env, workdir, log_dir, args.analytics_workers) as stack:
        sign_up(stack, store, accounts)
    ids = data.user_ids(shape.seed, creators)
    for account in accounts:
        ids[account.index] = account.user_id

    load = bulk_load(store, shape, sizes, ids, len(accounts), args, workdir)
    facts = _data_facts(store, shape, sizes, ids[0], load.pop("generated"))
    print(f"   data: {json.dumps(facts)}", flush=True)

    with _stack(server_env, workdir, log_dir, args.analytics_workers) as stack:
        largest = accounts[0]
        checks = check_reports(stack, store, largest)
        failed = [name for name, check in checks.items() if not check["ok"]]
        print(
            "   checks: " + ("all passed" if not failed else f"FAILED {', '.join(failed)}"),
            flush=True,
        )
        queries = measure_queries(stack, store, largest.token, args, workdir, log_dir)
        profile = asyncio.run(profile_reports(store, largest.user_id))
        ingestion = measure_ingestion(stack, store, shape, sizes, accounts[1:], args, log_dir)
    return {
        "database": label,
        "data": facts,
        "load": load,
        "checks": checks,
        "queries": queries,
        "profile": profile,
        "ingestion": ingestion,
        "targets": targets(queries, ingestion),
    }


def sign_up(stack: server_stack.Stack, store: Store, accounts: list[Account]) -> None:
    """Sign-up, the first account moved to "pro", then sign-in (the token carries the plan)."""
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        for account in accounts:
            signup = client.post(
                "/api/auth/signup",
                json={
                    "name": f"Creator {account.index}",
                    "email": account.email,
                    "password": PASSWORD,
                    "acceptTerms": True,
                },
            )
            _expect(signup, "sign-up")
        store.execute(
            "UPDATE users SET subscription = 'pro' WHERE email = %s", (accounts[0].email,)
        )
        for account in accounts:
            signin = client.post(
                "/api/auth/signin", json={"email": account.email, "password": PASSWORD}
            )
            _expect(signin, "sign-in")
            account.token = signin.json()["accessToken"]
            me = client.get("/api/users/me", headers=_bearer(account.token))
            _expect(me, "GET /api/users/me")
            account.user_id = me.json()["user"]["id"]


@contextmanager
def _stack(
    env: dict[str, str], workdir: Path, log_dir: Path, workers: int
) -> Iterator[server_stack.Stack]:
    grpc_port, http_port = free_ports(2)
    server_env = {
        **env,
        "GRPC_PORT": str(grpc_port),
        "HTTP_PORT": str(http_port),
        "WORKERS": str(workers),
    }
    settings = Settings(grpc_port=grpc_port, http_port=http_port, workers=workers)
    with server_stack.running(settings, workdir=workdir, env=server_env, log_dir=log_dir) as stack:
        yield stack


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _expect(response: httpx.Response, what: str) -> None:
    if response.status_code != 200:
        raise StartupError(f"{what} answered {response.status_code}: {response.text[:300]}")


# --- bulk load ----------------------------------------------------------------------------


def bulk_load(
    store: Store,
    shape: data.Shape,
    sizes: list[int],
    ids: list[str],
    signed_up: int,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    """Users, content library, events (generated to files, then COPY / executemany), rollups
    rebuilt per creator, statistics. Every step timed."""
    started = datetime.fromtimestamp(shape.start_s, UTC)
    store.insert_many(
        "INSERT INTO users (id, email, name, password_hash, subscription, is_active, profile,"
        " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s::json, %s, %s)",
        [
            (
                ids[i],
                f"analytics-creator-{i:04d}-{shape.seed}@example.com",
                f"Creator {i}",
                "!",  # never matches a password: these accounts do not sign in
                "free",
                True,
                "{}",
                _stamp(started, store),
                _stamp(started, store),
            )
            for i in range(signed_up, shape.creators)
        ],
    )
    directory = workdir / "analytics-events"
    directory.mkdir(exist_ok=True)
    needed = shape.events * COPY_BYTES_PER_EVENT
    free = shutil.disk_usage(directory).free
    if free < 2 * needed:
        raise StartupError(
            f"{free / 2**30:.1f} GiB free under {directory}: the events' COPY text needs about"
            f" {needed / 2**30:.1f} GiB (and the database ~{shape.events * 800 / 2**30:.0f} GiB)"
        )
    jobs = sorted(
        (
            (shape, i, sizes[i], ids[i], str(directory / f"events-{i:04d}.tsv"))
            for i in range(shape.creators)
        ),
        key=lambda job: -job[2],
    )
    clock = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with context.Pool(max(1, args.analytics_load_processes)) as pool:
        generated = sorted(
            pool.imap_unordered(data.write_creator, jobs, chunksize=1),
            key=lambda written: written["index"],
        )
    generate_s = time.perf_counter() - clock
    file_bytes = sum(Path(written["path"]).stat().st_size for written in generated)
    print(
        f"   generated {shape.events:,} events in {generate_s:.1f} s"
        f" ({file_bytes / 2**20:.0f} MiB of COPY text)",
        flush=True,
    )
    library = [
        (
            content_id,
            ids[written["index"]],
            f"{kind.title()} {number}",
            "",
            kind,
            "published",
            False,
            _stamp(datetime.fromtimestamp(at, UTC), store),
            _stamp(datetime.fromtimestamp(at, UTC), store),
        )
        for written in generated
        for number, (content_id, kind, at) in enumerate(written["library"], start=1)
    ]
    store.insert_many(
        "INSERT INTO content (id, user_id, title, body, type, status, ai_generated, created_at,"
        " updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
        library,
    )
    paths = [Path(written["path"]) for written in generated]
    clock = time.perf_counter()
    if store.postgres:
        _copy(store, paths)
    else:
        _sqlite_insert(store, paths)
    insert_s = time.perf_counter() - clock
    for path in paths:
        path.unlink()
    print(
        f"   {'COPY' if store.postgres else 'executemany'}: {shape.events:,} events in"
        f" {insert_s:.1f} s ({shape.events / insert_s:,.0f}/s)",
        flush=True,
    )
    order = sorted(range(shape.creators), key=lambda i: -sizes[i])
    concurrency = args.analytics_rebuild_concurrency if store.postgres else 1
    clock = time.perf_counter()
    rebuilt = asyncio.run(_rebuild(store.url, [ids[i] for i in order], concurrency))
    rebuild_s = time.perf_counter() - clock
    print(
        f"   rebuild: {shape.creators} creators in {rebuild_s:.1f} s (largest"
        f" {rebuilt[ids[0]]:.1f} s), {concurrency} at a time",
        flush=True,
    )
    clock = time.perf_counter()
    with store.connect() as connection:
        if store.postgres:
            for table in (*ANALYTICS_TABLES, "users", "content"):
                connection.execute(f"VACUUM (ANALYZE) {table}")
            connection.execute("CHECKPOINT")
        else:
            connection.execute("ANALYZE")
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    analyze_s = time.perf_counter() - clock
    print(f"   {'VACUUM ANALYZE + CHECKPOINT' if store.postgres else 'ANALYZE'}: {analyze_s:.1f} s")
    return {
        "generated": generated,
        "generate_s": round(generate_s, 1),
        "generate_processes": args.analytics_load_processes,
        "copy_text_mib": round(file_bytes / 2**20),
        "insert": "COPY FROM STDIN, one transaction, indexes in place"
        if store.postgres
        else "executemany, one transaction per creator, indexes in place",
        "insert_s": round(insert_s, 1),
        "insert_events_per_s": round(shape.events / insert_s),
        "library_items": len(library),
        "rebuild": "SqlAnalytics.rebuild per creator, one unit of work each",
        "rebuild_concurrency": concurrency,
        "rebuild_s": round(rebuild_s, 1),
        "rebuild_events_per_s": round(shape.events / rebuild_s),
        "rebuild_largest_s": round(rebuilt[ids[0]], 2),
        "analyze": "VACUUM (ANALYZE) of the analytics tables, users, content; CHECKPOINT"
        if store.postgres
        else "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)",
        "analyze_s": round(analyze_s, 1),
        "sizes_mib": _sizes(store),
    }


def _stamp(moment: datetime, store: Store) -> Any:
    """A UtcDateTime column's value: timestamptz, or SQLite's naive UTC text."""
    if store.postgres:
        return moment
    return moment.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _copy(store: Store, paths: list[Path]) -> None:
    with psycopg.connect(store.plain_url) as connection, connection.cursor() as cursor:
        for path in paths:
            with cursor.copy(COPY_SQL) as copy, path.open("rb") as source:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
        connection.commit()


def _sqlite_insert(store: Store, paths: list[Path]) -> None:
    marks = ", ".join("?" for _ in data.COLUMNS)
    sql = f"INSERT INTO analytics_events ({', '.join(data.COLUMNS)}) VALUES ({marks})"
    numeric = {3, 6, 10, 11, 12, 13}
    with store.connect() as connection:
        for path in paths:
            with path.open() as source:
                rows = [
                    tuple(
                        int(value) if index in numeric else value
                        for index, value in enumerate(line.rstrip("\n").split("\t"))
                    )
                    for line in source
                ]
            connection.execute("BEGIN")
            connection.executemany(sql, rows)
            connection.execute("COMMIT")


async def _rebuild(url: str, user_ids: list[str], concurrency: int) -> dict[str, float]:
    engine = create_engine(url, pool_size=concurrency)
    uow_factory = create_uow_factory(engine)
    queue: asyncio.Queue[str] = asyncio.Queue()
    for user_id in user_ids:
        queue.put_nowait(user_id)
    seconds: dict[str, float] = {}

    async def worker() -> None:
        while not queue.empty():
            user_id = queue.get_nowait()
            clock = time.perf_counter()
            async with uow_factory() as uow:
                await uow.analytics.rebuild(user_id)
                await uow.commit()
            seconds[user_id] = time.perf_counter() - clock

    try:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await engine.dispose()
    return seconds


def _sizes(store: Store) -> dict[str, float]:
    if store.postgres:
        rows = store.rows(
            "SELECT relname, pg_total_relation_size(oid), pg_relation_size(oid) FROM pg_class"
            " WHERE relname = ANY(%s)",
            (list(ANALYTICS_TABLES),),
        )
        sizes = {name: round(total / 2**20, 1) for name, total, _ in rows}
        sizes["analytics_events_heap"] = next(
            round(heap / 2**20, 1) for name, _, heap in rows if name == "analytics_events"
        )
        sizes["database"] = round(
            store.rows("SELECT pg_database_size(current_database())")[0][0] / 2**20, 1
        )
        return sizes
    return {"database": round(Path(str(store.path)).stat().st_size / 2**20, 1)}


def _data_facts(
    store: Store, shape: data.Shape, sizes: list[int], largest_id: str, generated: list[Any]
) -> dict[str, Any]:
    top = generated[0]
    rollups = {
        table: store.rows(f"SELECT count(*) FROM {table} WHERE user_id = %s", (largest_id,))[0][0]
        for table in ANALYTICS_TABLES
    }
    return {
        "events": shape.events,
        "creators": shape.creators,
        "days": shape.days,
        "seed": shape.seed,
        "ends_at": datetime.fromtimestamp(shape.now_s, UTC).isoformat(),
        "sizes": {
            "largest": sizes[0],
            "second": sizes[1] if len(sizes) > 1 else None,
            "median": sorted(sizes)[len(sizes) // 2],
            "smallest": sizes[-1],
        },
        "revenue_events": sum(g["revenue_events"] for g in generated),
        "refunds": sum(g["refunds"] for g in generated),
        "events_with_content": sum(g["events_with_content"] for g in generated),
        "content_items": sum(g["content_items"] for g in generated),
        "largest_creator": {
            "events": top["events"],
            "revenue_events": top["revenue_events"],
            "refunds": top["refunds"],
            "net_revenue_usd": round(top["net_cents"] / 100, 2),
            "fans": top["fans"],
            "paying_fans": top["fans_seen"],
            "content_items": top["content_items"],
            "library_items": len(top["library"]),
            "rollup_rows": rollups,
        },
    }


# --- checks -------------------------------------------------------------------------------


def check_reports(
    stack: server_stack.Stack, store: Store, largest: Account
) -> dict[str, dict[str, Any]]:
    """Each route answers 200 with plausible JSON; revenue, engagement and the top content's
    revenue equal sums over the raw events (exact, in cents)."""
    checks: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=stack.base_url, timeout=60, headers=_bearer(largest.token)) as c:
        answers = {route.key: c.get(route.url_path) for route in ROUTES}
    now = datetime.now(UTC)

    def body(key: str) -> dict[str, Any]:
        response = answers[key]
        return response.json() if response.status_code == 200 else {}

    for key, zone in (
        ("revenue", "UTC"),
        ("revenue_kolkata", "Asia/Kolkata"),
        ("revenue_new_york", "America/New_York"),
    ):
        report = body(key)
        window = window_of(zone_of(zone), "1y", "", "", now=now)
        previous = window.previous()
        total = _revenue_cents(store, largest.user_id, window.start, window.end)
        before = _revenue_cents(store, largest.user_id, previous.start, previous.end)
        expected_growth = growth(total, before).percentage
        checks[key] = _check(
            answers[key],
            {
                "totalRevenue": report.get("totalRevenue"),
                "expected": total / 100,
                "days": len(report.get("revenueByDay", [])),
                "sources": sorted(report.get("revenueBySource", {})),
                "growth": report.get("growth"),
                "expected_growth": expected_growth,
            },
            report.get("totalRevenue") is not None
            and round(report["totalRevenue"] * 100) == total
            and total > 0
            and len(report["revenueByDay"]) == 365
            and report.get("growth", {}).get("percentage") == expected_growth
            and before > 0,
        )
    report = body("engagement")
    window = window_of(zone_of("UTC"), "1y", "", "", now=now)
    sums = store.rows(
        "SELECT coalesce(sum(views), 0), coalesce(sum(likes), 0) FROM analytics_events"
        " WHERE user_id = %s AND occurred_ms >= %s AND occurred_ms < %s",
        (largest.user_id, window.start * 1000, window.end * 1000),
    )[0]
    checks["engagement"] = _check(
        answers["engagement"],
        {
            "totalViews": report.get("totalViews"),
            "expected_views": int(sums[0]),
            "totalLikes": report.get("totalLikes"),
            "engagementRate": report.get("engagementRate"),
            "byContentType": report.get("engagementRateByContentType"),
            "bestHours": report.get("bestHours"),
            "bestDays": report.get("bestDays"),
        },
        report.get("totalViews") == int(sums[0]) > 0
        and report.get("totalLikes") == int(sums[1])
        and len(report.get("engagementByHour", [])) == 24,
    )
    report = body("performance")
    top = (report.get("topContent") or [{}])[0]
    top_cents = store.rows(
        "SELECT coalesce(sum(amount_cents), 0) FROM analytics_events WHERE user_id = %s"
        " AND content_id = %s AND occurred_ms >= %s AND occurred_ms < %s",
        (largest.user_id, top.get("contentId", ""), window.start * 1000, window.end * 1000),
    )[0][0]
    checks["performance"] = _check(
        answers["performance"],
        {
            "top": top,
            "expected_top_revenue": int(top_cents) / 100,
            "items": len(report.get("topContent", [])),
            "byContentType": report.get("byContentType"),
        },
        len(report.get("topContent", [])) == 10
        and round(top.get("revenue", 0) * 100) == int(top_cents) > 0
        and set(report.get("byContentType", {})) <= set(data.CONTENT_TYPES),
    )
    report = body("fans")
    checks["fans"] = _check(
        answers["fans"],
        {k: report.get(k) for k in ("payingFans", "averageSpend", "newFans", "returningFans")}
        | {"topFans": len(report.get("topFans", []))},
        (report.get("payingFans") or 0) > 0 and len(report.get("topFans", [])) == 10,
    )
    report = body("cohorts")
    cohorts = report.get("cohorts", [])
    checks["cohorts"] = _check(
        answers["cohorts"],
        {"months": len(cohorts), "fans": [cohort.get("fans", 0) for cohort in cohorts]},
        len(cohorts) == 12 and sum(cohort.get("fans", 0) for cohort in cohorts) > 0,
    )
    report = body("forecast")
    checks["forecast"] = _check(
        answers["forecast"],
        {
            k: report.get(k)
            for k in ("model", "historyDays", "totalRevenue", "totalLower", "totalUpper")
        },
        report.get("model") == "weekly_trend"
        and len(report.get("days", [])) == 30
        and report.get("totalLower", 0)
        <= report.get("totalRevenue", 0)
        <= report.get("totalUpper", 0),
    )
    return checks


def _revenue_cents(store: Store, user_id: str, start: int, end: int) -> int:
    return int(
        store.rows(
            "SELECT coalesce(sum(amount_cents), 0) FROM analytics_events WHERE user_id = %s"
            " AND type = 'revenue' AND occurred_ms >= %s AND occurred_ms < %s",
            (user_id, start * 1000, end * 1000),
        )[0][0]
    )


def _check(response: httpx.Response, seen: dict[str, Any], ok: bool) -> dict[str, Any]:
    return {
        "status": response.status_code,
        "bytes": len(response.content),
        "ok": response.status_code == 200 and bool(ok),
        **({} if response.status_code == 200 else {"body": response.text[:300]}),
        **seen,
    }


# --- reports under load -------------------------------------------------------------------


def measure_queries(
    stack: server_stack.Stack,
    store: Store,
    token: str,
    args: argparse.Namespace,
    workdir: Path,
    log_dir: Path,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for route in ROUTES:
        runs = {}
        for connections in _ints(args.analytics_connections):
            run = _wrk_route(stack, store, token, route, connections, args, workdir, log_dir)
            runs[str(connections)] = run
            print(
                f"   {route.label:<22} c={connections:<3} {run['rps']:>8.1f} req/s"
                f"  p50 {run['p50_ms']:>7.2f}  p95 {run['p95_ms']:>7.2f}"
                f"  p99 {run['p99_ms']:>7.2f} ms  (worker p50 {run['worker_ms'].get('p50', 0):.2f}"
                f" p95 {run['worker_ms'].get('p95', 0):.2f})  cores {_cores(run['cpu_cores'])}"
                + (f"  ERRORS {run['error_detail']}" if run["errors"] else ""),
                flush=True,
            )
        results[route.key] = {
            "label": route.label,
            "call": f"GET {route.url_path}",
            "targeted": route.targeted,
            "runs": runs,
        }
    return results


def _wrk_route(
    stack: server_stack.Stack,
    store: Store,
    token: str,
    route: Route,
    connections: int,
    args: argparse.Namespace,
    workdir: Path,
    log_dir: Path,
) -> dict[str, Any]:
    threads = max(1, min(args.load_threads, connections))
    base = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        "--timeout",
        "10s",
        "-H",
        f"Authorization: Bearer {token}",
        "-s",
        str(workdir / "analytics.lua"),
    ]
    url = f"{stack.base_url}{route.url_path}"
    if args.warmup > 0:
        _wrk(base, args.warmup, url)
    server_log = log_dir / "server.log"
    offset = server_log.stat().st_size
    before = CpuTimes.now(stack, store)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = _wrk(base, args.analytics_duration, url)
    wrk_s = _cpu_seconds(resource.getrusage(resource.RUSAGE_CHILDREN)) - _cpu_seconds(children)
    measured = loadgen.parse_wrk(output)
    cpu = CpuTimes.now(stack, store).cores_since(before, measured.duration_s)
    cpu["wrk"] = round(wrk_s / measured.duration_s, 2)
    cpu["other"] = _other(cpu, "wrk")
    latency = json.loads(output.split("WRK_JSON ", 1)[1].splitlines()[0])["latency_us"]
    return {
        "connections": connections,
        "ok": measured.ok,
        "errors": measured.errors,
        "error_detail": measured.error_detail,
        "duration_s": measured.duration_s,
        "rps": measured.rps,
        **{f"{name}_ms": round(latency[name] / 1000, 3) for name in ("p50", "p90", "p95", "p99")},
        "mean_ms": round(latency["mean"] / 1000, 3),
        "max_ms": round(latency["max"] / 1000, 3),
        "worker_ms": _worker_times(server_log, offset, route.method),
        "cpu_cores": cpu,
    }


def _wrk(base: list[str], seconds: float, url: str) -> str:
    result = subprocess.run(
        # wrk takes whole seconds only.
        [*base, f"-d{max(1, math.ceil(seconds))}s", url],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise loadgen.LoadToolError(f"wrk exited {result.returncode}:\n{output}")
    return output


def _worker_times(server_log: Path, offset: int, method: str) -> dict[str, Any]:
    """The access log's time in the worker (interceptors to answer) of `method` since
    `offset`, and the calls by gRPC code."""
    durations: list[float] = []
    codes: Counter[str] = Counter()
    needle = f"{METHOD_PREFIX}{method}".encode()
    with server_log.open("rb") as log:
        log.seek(offset)
        for line in log:
            if needle not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            codes[record.get("grpc_code", "?")] += 1
            if "duration_ms" in record:
                durations.append(float(record["duration_ms"]))
    return {**_percentiles(durations), "codes": dict(codes)}


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    if len(values) == 1:
        values = values * 2
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "p50": round(cuts[49], 3),
        "p95": round(cuts[94], 3),
        "p99": round(cuts[98], 3),
        "max": round(max(values), 3),
        "mean": round(statistics.fmean(values), 3),
    }


def _cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _other(cpu: dict[str, Any], load_generator: str) -> float:
    """Busy cores of the machine outside the stack, the database and the load generator:
    anything else running during the measurement."""
    known = sum(cpu[name] for name in ("server", "envoy", "database", load_generator))
    return round(max(0.0, cpu["machine"] - known), 2)


def _cores(cpu: dict[str, Any]) -> str:
    return " ".join(f"{name} {cpu[name]:.2f}" for name in ("server", "envoy", "database"))


# --- where the time goes --------------------------------------------------------------------


async def profile_reports(store: Store, user_id: str) -> dict[str, Any]:
    """The targeted reports run in this process (no Envoy, no gRPC, no JSON) against the same
    database, PROFILE_REPEATS times each after 2 unmeasured runs: the use case's time, the time
    in each SQL statement (cursor execute to return, rows fetched included) and, on
    PostgreSQL, EXPLAIN (ANALYZE, BUFFERS) of each statement; the conversion of the report to
    the response message (server/servicers/convert_analytics.py) and its serialization; then
    the functions with the most own time under cProfile (which slows everything down: read
    them as shares)."""
    engine = create_engine(store.url, pool_size=1)
    timings: list[tuple[str, Any, float]] = []

    def before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        context.bench_clock = time.perf_counter()

    def after(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        timings.append((statement, params, time.perf_counter() - context.bench_clock))

    event.listen(engine.sync_engine, "before_cursor_execute", before)
    event.listen(engine.sync_engine, "after_cursor_execute", after)
    reports = AnalyticsReports(create_uow_factory(engine), clock=utc_now)  # type: ignore[arg-type]
    caller = Principal(user_id, "pro")
    cases: dict[str, Callable[[], Awaitable[Any]]] = {
        "revenue": lambda: reports.revenue(caller, WindowQuery(period="1y")),
        "revenue_kolkata": lambda: reports.revenue(
            caller, WindowQuery(period="1y", timezone="Asia/Kolkata")
        ),
        "revenue_new_york": lambda: reports.revenue(
            caller, WindowQuery(period="1y", timezone="America/New_York")
        ),
        "engagement": lambda: reports.engagement(caller, WindowQuery(period="1y")),
        "performance": lambda: reports.performance(caller, WindowQuery(period="1y"), 10),
    }
    results: dict[str, Any] = {}
    try:
        for name, call in cases.items():
            for _ in range(2):
                await call()
            timings.clear()
            totals = []
            for _ in range(PROFILE_REPEATS):
                clock = time.perf_counter()
                await call()
                totals.append((time.perf_counter() - clock) * 1000)
            by_statement: dict[str, list[float]] = defaultdict(list)
            params_of: dict[str, Any] = {}
            for statement, params, seconds in timings:
                by_statement[statement].append(seconds * 1000)
                params_of.setdefault(statement, params)
            sql_ms = sum(sum(v) for v in by_statement.values()) / PROFILE_REPEATS
            # What the report's transaction sets (SET LOCAL work_mem ...), replayed before each
            # EXPLAIN so the plan is the one the report got.
            settings = [sql for sql in by_statement if _is_setting(sql)]
            statements = []
            for statement, times in sorted(by_statement.items(), key=lambda kv: -sum(kv[1])):
                statements.append(
                    {
                        "sql": " ".join(statement.split())[:400],
                        "per_report": round(len(times) / PROFILE_REPEATS, 1),
                        "mean_ms": round(statistics.fmean(times), 3),
                        "plan": _explain(store, statement, params_of[statement], settings),
                    }
                )
            report = await call()
            clock = time.perf_counter()
            for _ in range(PROFILE_REPEATS):
                message = CONVERTERS[name.split("_", 1)[0]](report)
                message.SerializeToString()
            to_proto_ms = (time.perf_counter() - clock) * 1000 / PROFILE_REPEATS
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(PROFILE_REPEATS):
                await call()
            profiler.disable()
            results[name] = {
                "report_ms": {
                    "p50": round(statistics.median(totals), 3),
                    "mean": round(statistics.fmean(totals), 3),
                },
                "sql_ms": round(sql_ms, 3),
                "outside_sql_ms": round(statistics.fmean(totals) - sql_ms, 3),
                "to_proto_ms": round(to_proto_ms, 3),
                "response_bytes": len(message.SerializeToString()),
                "statements": statements,
                "cprofile_own_ms_per_report": _hot_functions(profiler),
            }
            print(
                f"   in-process {name:<18} {results[name]['report_ms']['p50']:>7.2f} ms"
                f" (SQL {sql_ms:.2f} ms in {len(timings) // PROFILE_REPEATS} statements)",
                flush=True,
            )
    finally:
        await engine.dispose()
    return results


def _hot_functions(profiler: cProfile.Profile, count: int = 15) -> list[dict[str, Any]]:
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = sorted(stats.items(), key=lambda item: -item[1][2])[:count]
    hot = []
    for (path, line, function), (_, calls, own, cumulative, _) in rows:
        where = path.split("site-packages/")[-1].replace(str(REPO_ROOT) + "/", "")
        hot.append(
            {
                "function": f"{where}:{line}({function})",
                "calls": round(calls / PROFILE_REPEATS, 1),
                "own_ms": round(own * 1000 / PROFILE_REPEATS, 3),
                "cumulative_ms": round(cumulative * 1000 / PROFILE_REPEATS, 3),
            }
        )
    return hot


def _is_setting(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SET ", "BEGIN", "COMMIT", "ROLLBACK"))


def _explain(store: Store, statement: str, params: Any, settings: list[str]) -> list[str]:
    if _is_setting(statement):
        return []
    try:
        if store.postgres:
            with psycopg.connect(store.plain_url) as connection:
                for setting in settings:
                    connection.execute(setting)
                rows = connection.execute(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, params
                ).fetchall()
                connection.rollback()
            return [*(f"-- {setting}" for setting in settings), *(row[0] for row in rows)]
        with store.connect() as connection:
            rows = connection.execute("EXPLAIN QUERY PLAN " + statement, params).fetchall()
        return [str(row[-1]) for row in rows]
    except (psycopg.Error, sqlite3.Error) as error:
        return [f"EXPLAIN failed: {error}"]


# --- ingestion ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Batch:
    creator: int  # position among the ingestion accounts
    prefix: str
    start: int


def measure_ingestion(
    stack: server_stack.Stack,
    store: Store,
    shape: data.Shape,
    sizes: list[int],
    accounts: list[Account],
    args: argparse.Namespace,
    log_dir: Path,
) -> dict[str, Any]:
    pools = [
        data.ingest_pool(
            data.Creator(shape, account.index, sizes[account.index]),
            INGEST_POOL,
            INGEST_DAYS,
            shape.seed,
        )
        for account in accounts
    ]
    tag = os.urandom(3).hex()
    runs: dict[str, Any] = {}
    first_batches: list[list[Batch]] = []
    before = _stored(store, accounts, tag)
    accepted_total = 0
    for clients in _ints(args.analytics_ingest_clients):
        name = f"new_{clients}_clients"
        run, sent = _ingest_run(
            stack, store, accounts, pools, clients, f"{tag}-{clients}", None, args, log_dir
        )
        runs[name] = run
        accepted_total += run["accepted_including_warmup"]
        if not first_batches:
            first_batches = sent
        _print_ingest(name, run)
    if first_batches:
        clients = len(first_batches)
        name = f"duplicates_{clients}_clients"
        run, _ = _ingest_run(
            stack, store, accounts, pools, clients, tag, first_batches, args, log_dir
        )
        runs[name] = run
        _print_ingest(name, run)
    stored = _stored(store, accounts, tag) - before
    rollups = _rollups_match(store, accounts)
    check = {
        "accepted": accepted_total,
        "stored": stored,
        "rollups_match_events": rollups,
        "ok": stored == accepted_total and all(rollups.values()),
    }
    print(f"   ingestion check: {check}", flush=True)
    return {
        "call": f"POST {EVENTS_PATH}, {BATCH} events per request",
        "creators": len(accounts),
        "events_window_days": INGEST_DAYS,
        "duration_s": args.analytics_ingest_duration,
        "warmup_s": args.warmup,
        "client": "asyncio + httpx in the bench process, one keep-alive connection per client,"
        " bodies built per request from a pool of pre-rendered events under new ids",
        "runs": runs,
        "check": check,
    }


def _stored(store: Store, accounts: list[Account], tag: str) -> int:
    """Events of this run's ingestion (ids start with the tag) stored for the accounts."""
    total = 0
    for account in accounts:
        total += store.rows(
            "SELECT count(*) FROM analytics_events WHERE user_id = %s AND event_id LIKE %s",
            (account.user_id, f"{tag}%"),
        )[0][0]
    return int(total)


def _rollups_match(store: Store, accounts: list[Account]) -> dict[str, bool]:
    """Per ingestion creator: the hourly rollups' revenue and views equal the events' sums."""
    counters = " + ".join(f"{source}_cents" for source in data.SOURCES)
    matches = {}
    for account in accounts:
        rolled = store.rows(
            f"SELECT coalesce(sum({counters}), 0), coalesce(sum(views), 0) FROM analytics_hourly"
            " WHERE user_id = %s",
            (account.user_id,),
        )[0]
        raw = store.rows(
            "SELECT coalesce(sum(CASE WHEN type = 'revenue' THEN amount_cents ELSE 0 END), 0),"
            " coalesce(sum(views), 0) FROM analytics_events WHERE user_id = %s",
            (account.user_id,),
        )[0]
        matches[account.email] = [int(v) for v in rolled] == [int(v) for v in raw]
    return matches


def _ingest_run(
    stack: server_stack.Stack,
    store: Store,
    accounts: list[Account],
    pools: list[list[str]],
    clients: int,
    tag: str,
    replay: list[list[Batch]] | None,
    args: argparse.Namespace,
    log_dir: Path,
) -> tuple[dict[str, Any], list[list[Batch]]]:
    """`clients` clients POST batches for `args.analytics_ingest_duration` s after `--warmup`:
    new events (ids `<tag>-c<client>-b<batch>-<i>`), or, with `replay`, the batches each
    client sent before, again (every event a duplicate)."""
    server_log = log_dir / "server.log"
    offset = server_log.stat().st_size
    cpu: dict[str, Any] = {}
    batches, sent, samples = asyncio.run(
        _clients(stack, store, accounts, pools, clients, tag, replay, args, cpu)
    )
    measured = [b for b in batches if b["measured"]]
    window = args.analytics_ingest_duration
    expected = "duplicates" if replay else "accepted"
    failures = [b for b in batches if not b["ok"]]
    accepted = sum(b["accepted"] for b in measured)
    latencies = [b["ms"] for b in measured]
    return (
        {
            "clients": clients,
            "kind": "duplicates (every batch sent before)" if replay else "new events",
            "batches": len(measured),
            "window_s": round(window, 3),
            "events_per_s": round(accepted / window) if window > 0 else 0,
            "events_sent_per_s": round(len(measured) * BATCH / window) if window > 0 else 0,
            "duplicates_per_s": round(sum(b["duplicates"] for b in measured) / window)
            if window > 0
            else 0,
            "batches_per_s": round(len(measured) / window, 2) if window > 0 else 0,
            "batch_ms": _percentiles(latencies),
            "accepted": accepted,
            "duplicates": sum(b["duplicates"] for b in measured),
            "accepted_including_warmup": sum(b["accepted"] for b in batches),
            "expected_each": f"{expected} == {BATCH}",
            "errors": len(failures),
            "error_detail": dict(Counter(b["error"] for b in failures)),
            "error_samples": samples,
            "worker_ms": _worker_times(server_log, offset, "IngestEvents"),
            "cpu_cores": cpu,
            "mean_body_kib": round(statistics.fmean(b["bytes"] for b in batches) / 1024, 1)
            if batches
            else 0,
        },
        sent,
    )


async def _clients(
    stack: server_stack.Stack,
    store: Store,
    accounts: list[Account],
    pools: list[list[str]],
    clients: int,
    tag: str,
    replay: list[list[Batch]] | None,
    args: argparse.Namespace,
    cpu: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[list[Batch]], dict[str, str]]:
    loop_start = time.perf_counter()
    measure_from = loop_start + args.warmup
    end = measure_from + args.analytics_ingest_duration
    batches: list[dict[str, Any]] = []
    sent: list[list[Batch]] = [[] for _ in range(clients)]
    cpu_before: list[CpuTimes] = []
    cpu_after: list[CpuTimes] = []
    client_s: list[float] = []
    samples: dict[str, str] = {}

    async def mark() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.perf_counter()))
        cpu_before.append(CpuTimes.now(stack, store))
        usage = _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF))
        await asyncio.sleep(max(0.0, end - time.perf_counter()))
        cpu_after.append(CpuTimes.now(stack, store))
        client_s.append(_cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - usage)

    async def client(number: int) -> None:
        creator = number % len(accounts)
        count = 0
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=stack.base_url, timeout=120, limits=limits) as http:
            while time.perf_counter() < end:
                if replay is not None:
                    mine = replay[number % len(replay)]
                    if not mine:
                        return
                    batch = mine[count % len(mine)]
                else:
                    batch = Batch(
                        creator,
                        f"{tag}-c{number:02d}-b{count:06d}-",
                        (number * 7919 + count * BATCH),
                    )
                body = data.batch_body(pools[batch.creator], batch.prefix, batch.start, BATCH)
                count += 1
                started = time.perf_counter()
                error = ""
                answer: dict[str, Any] = {}
                try:
                    response = await http.post(
                        EVENTS_PATH,
                        content=body,
                        headers={
                            **_bearer(accounts[batch.creator].token),
                            "content-type": "application/json",
                        },
                    )
                    if response.status_code == 200:
                        answer = response.json()
                    else:
                        error = f"http_{response.status_code}"
                        samples.setdefault(error, response.text[:300])
                except httpx.HTTPError as failure:
                    error = type(failure).__name__
                ended = time.perf_counter()
                accepted = int(answer.get("accepted", 0))
                duplicates = int(answer.get("duplicates", 0))
                if not error:
                    if replay is None and accepted != BATCH:
                        error = "not_all_accepted"
                    if replay is not None and duplicates != BATCH:
                        error = "not_all_duplicates"
                if replay is None and accepted:
                    sent[number].append(batch)
                batches.append(
                    {
                        "measured": measure_from <= ended <= end,
                        "ended": ended,
                        "ms": (ended - started) * 1000,
                        "accepted": accepted,
                        "duplicates": duplicates,
                        "ok": not error,
                        "error": error,
                        "bytes": len(body),
                    }
                )

    await asyncio.gather(mark(), *(client(n) for n in range(clients)))
    cpu.update(cpu_after[0].cores_since(cpu_before[0], end - measure_from))
    cpu["client"] = round(client_s[0] / (end - measure_from), 2)
    cpu["other"] = _other(cpu, "client")
    return batches, sent, samples


def _print_ingest(name: str, run: dict[str, Any]) -> None:
    latency = run["batch_ms"]
    print(
        f"   ingest {name:<22} {run['events_per_s']:>8,} accepted"
        f" + {run['duplicates_per_s']:,} duplicate events/s"
        f" ({run['batches_per_s']} batches/s)  batch p50 {latency.get('p50', 0):.1f}"
        f"  p95 {latency.get('p95', 0):.1f}  p99 {latency.get('p99', 0):.1f} ms"
        f"  (worker p50 {run['worker_ms'].get('p50', 0):.1f})  cores {_cores(run['cpu_cores'])}"
        f" client {run['cpu_cores'].get('client', 0):.2f}"
        + (f"  ERRORS {run['error_detail']}" if run["errors"] else ""),
        flush=True,
    )


# --- verdicts and summary -------------------------------------------------------------------


def targets(queries: dict[str, Any], ingestion: dict[str, Any]) -> dict[str, Any]:
    reports = {}
    for key, route in queries.items():
        if not route["targeted"]:
            continue
        for connections, run in route["runs"].items():
            reports[f"{key}@{connections}"] = {
                "p95_ms": run["p95_ms"],
                "met": run["p95_ms"] < TARGET_P95_MS and not run["errors"],
            }
    new_runs = {k: r for k, r in ingestion["runs"].items() if k.startswith("new_")}
    ingest = {
        name: {
            "events_per_s": run["events_per_s"],
            "met": run["events_per_s"] >= TARGET_EVENTS_PER_S,
        }
        for name, run in new_runs.items()
    }
    return {
        "reports_p95_below_ms": TARGET_P95_MS,
        "reports": reports,
        "ingestion_events_per_s": TARGET_EVENTS_PER_S,
        "ingestion": ingest,
    }


def errors(analytics: dict[str, Any]) -> int:
    total = 0
    for database in analytics.get("databases", {}).values():
        total += sum(not check["ok"] for check in database["checks"].values())
        for route in database["queries"].values():
            total += sum(run["errors"] for run in route["runs"].values())
        ingestion = database["ingestion"]
        total += sum(run["errors"] for run in ingestion["runs"].values())
        total += 0 if ingestion["check"]["ok"] else 1
    return total


def print_summary(analytics: dict[str, Any]) -> None:
    print(
        f"\nAnalytics (REST through Envoy, {analytics['server_workers']} server workers;"
        f" {analytics['duration_s']:g} s per report run after {analytics['warmup_s']:g} s warm-up)"
    )
    for kind, database in analytics["databases"].items():
        facts, load = database["data"], database["load"]
        print(
            f"{kind}: {facts['events']:,} events, {facts['creators']} creators, the largest"
            f" {facts['largest_creator']['events']:,} ({facts['largest_creator']['fans']:,} fans,"
            f" {facts['largest_creator']['content_items']:,} content items)"
        )
        print(
            f"  load: generate {load['generate_s']} s; insert {load['insert_s']} s"
            f" ({load['insert_events_per_s']:,} events/s); rebuild {load['rebuild_s']} s"
            f" ({load['rebuild_events_per_s']:,} events/s, largest {load['rebuild_largest_s']} s);"
            f" analyze {load['analyze_s']} s; database {load['sizes_mib'].get('database')} MiB"
        )
        failed = [name for name, check in database["checks"].items() if not check["ok"]]
        print(f"  checks: {'all passed' if not failed else 'FAILED ' + ', '.join(failed)}")
        print(
            f"  {'report':<22}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
            f"{'worker p50':>12}{'errors':>8}  target"
        )
        for route in database["queries"].values():
            for connections, run in route["runs"].items():
                verdict = ""
                if route["targeted"]:
                    verdict = "met" if run["p95_ms"] < TARGET_P95_MS else "MISSED"
                print(
                    f"  {route['label']:<22}{connections:>6}{run['rps']:>9.1f}{run['p50_ms']:>9.2f}"
                    f"{run['p95_ms']:>9.2f}{run['p99_ms']:>9.2f}"
                    f"{run['worker_ms'].get('p50', 0):>12.2f}{run['errors']:>8}  {verdict}"
                )
        print(
            f"  {'ingestion':<26}{'accepted/s':>11}{'dupes/s':>9}{'batch p50':>11}{'p95':>9}"
            f"{'p99':>9}{'errors':>8}  target"
        )
        for name, run in database["ingestion"]["runs"].items():
            verdict = ""
            if name.startswith("new_"):
                verdict = "met" if run["events_per_s"] >= TARGET_EVENTS_PER_S else "MISSED"
            latency = run["batch_ms"]
            print(
                f"  {name:<26}{run['events_per_s']:>11,}{run['duplicates_per_s']:>9,}"
                f"{latency.get('p50', 0):>11.1f}"
                f"{latency.get('p95', 0):>9.1f}{latency.get('p99', 0):>9.1f}{run['errors']:>8}"
                f"  {verdict}"
            )
        print(f"  ingestion check: {'ok' if database['ingestion']['check']['ok'] else 'FAILED'}")

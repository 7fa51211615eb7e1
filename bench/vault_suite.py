"""The vault suite of `make bench` (`--suites vault`): uploads and the scheduler.

1. Upload throughput, side by side in each round (interleaved, medians reported): one file of
   `--vault-upload-mib` MiB streamed by the same client (a) through Envoy to the vault
   (`POST /api/content-creation/upload`: sniff, hash, spool, store, record), (b) to a local file
   directly (hash + write: the disk's and the client's own ceiling), (c) to a minimal FastAPI
   streaming upload under uvicorn (bench/fastapi_upload.py: hash + write).
2. Memory during a `--vault-memory-mib` MiB upload through Envoy: the resident set of every
   worker and of Envoy sampled every 20 ms; the growth over each one's size before the upload
   (taken after two 16 MiB warm-up uploads, so one-time costs are not counted).
3. Publish lag (published minus scheduled) of a burst of `--vault-burst` posts all due at the
   same instant, on PostgreSQL, every worker a scheduler: with the recording publisher and with
   the webhook publisher (a local receiver, tests/support/publish_receiver.py).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import faults_suite
import httpx
import psycopg
from processes import StartupError

from server import stack as server_stack
from server.config import Settings
from server.stack import free_ports
from services.db import run_migrations

BENCH_DIR = Path(__file__).resolve().parent
TESTS_DIR = BENCH_DIR.parent / "tests"
if str(TESTS_DIR) not in sys.path:
    sys.path.append(str(TESTS_DIR))  # appended: nothing under tests/ shadows the app's packages

from support.media_samples import mp4  # noqa: E402
from support.publish_receiver import PublishReceiver  # noqa: E402
from support.schedule_burst import burst_posts, schedule_burst  # noqa: E402

MIB = 1024 * 1024
CHUNK = MIB
UPLOAD = "/api/content-creation/upload"
RECEIVER_SECRET = "whsec_bench_publish_secret_0123456789"
PASSWORD = "Bench-upload-9a-password"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("vault suite")
    group.add_argument("--vault-upload-mib", type=int, default=256, help="file size per upload")
    group.add_argument("--vault-rounds", type=int, default=3, help="interleaved upload rounds")
    group.add_argument(
        "--vault-memory-mib", type=int, default=1024, help="upload size of the memory figure"
    )
    group.add_argument("--vault-burst", type=int, default=5000, help="posts due at one instant")
    group.add_argument(
        "--vault-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server workers for the vault suite (default: the CPU count)",
    )
    group.add_argument(
        "--vault-postgres",
        default=faults_suite.POSTGRES_ADMIN_URL,
        help="a PostgreSQL database to create the burst's database next to ('' skips the burst)",
    )


def file_chunks(size_mib: int, seed: int) -> Iterator[bytes]:
    """An MP4 header then `size_mib` MiB of pseudo-random bytes, a MiB at a time (generated as
    it goes: a 1 GiB file never sits in the client's memory). `seed` makes each file distinct."""
    yield mp4(seconds=60.0, mdat=seed.to_bytes(8, "big"))
    block = hashlib.sha256(seed.to_bytes(8, "big")).digest() * (CHUNK // 32)
    for index in range(size_mib):
        yield index.to_bytes(8, "big") + block[8:]


def _stack(env: dict[str, str], workdir: Path, name: str, workers: int) -> server_stack.Stack:
    grpc_port, http_port = free_ports(2)
    server_env = {
        **env,
        "GRPC_PORT": str(grpc_port),
        "HTTP_PORT": str(http_port),
        "WORKERS": str(workers),
        "STORAGE_LOCAL_DIR": str(workdir / f"storage-{name}"),
        "UPLOAD_MAX_MIB_FREE": "4000",
        "STORAGE_QUOTA_MIB_FREE": str(64 * 1024),
    }
    settings = Settings(grpc_port=grpc_port, http_port=http_port, workers=workers)
    log_dir = workdir / f"logs-vault-{name}"
    log_dir.mkdir(exist_ok=True)
    return server_stack.start(settings, workdir=workdir, env=server_env, log_dir=log_dir)


def _token(base_url: str) -> str:
    email = f"bench-{os.urandom(4).hex()}@example.com"
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        client.post(
            "/api/auth/signup",
            json={"name": "Bench", "email": email, "password": PASSWORD, "acceptTerms": True},
        ).raise_for_status()
        signin = client.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
        signin.raise_for_status()
    return str(signin.json()["accessToken"])


def _timed_upload(url: str, token: str, size_mib: int, seed: int) -> float:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    started = time.perf_counter()
    response = httpx.post(
        url,
        params={"filename": f"bench-{seed}.mp4"},
        content=file_chunks(size_mib, seed),
        headers={**headers, "content-type": "application/octet-stream"},
        timeout=600.0,
    )
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise StartupError(f"upload answered {response.status_code}: {response.text[:300]}")
    return elapsed


def _timed_disk(path: Path, size_mib: int, seed: int) -> float:
    started = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("wb") as file:
        for chunk in file_chunks(size_mib, seed):
            digest.update(chunk)
            file.write(chunk)
        file.flush()
        os.fsync(file.fileno())  # the vault's local storage fsyncs before it commits
    return time.perf_counter() - started


def _delete_assets(base_url: str, token: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        headers = {"authorization": f"Bearer {token}"}
        for asset in client.get("/api/content-creation/assets", headers=headers).json()["assets"]:
            client.delete(f"/api/content-creation/assets/{asset['id']}", headers=headers)


def _baseline(env: dict[str, str], workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    (port,) = free_ports(1)
    upload_dir = workdir / "fastapi-upload"
    upload_dir.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "fastapi_upload:create_app",
            "--factory",
            "--app-dir",
            str(BENCH_DIR),
            "--port",
            str(port),
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        env={**env, "UPLOAD_DIR": str(upload_dir)},
    )
    url = f"http://127.0.0.1:{port}/upload"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1.0)
            return process, url
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise StartupError("the FastAPI upload baseline did not start") from None
            time.sleep(0.1)


def measure_throughput(
    env: dict[str, str], args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    stack = _stack(env, workdir, "upload", args.vault_workers)
    baseline, baseline_url = _baseline(env, workdir)
    times: dict[str, list[float]] = {"envoy_vault": [], "disk_direct": [], "fastapi": []}
    try:
        token = _token(stack.base_url)
        url = f"{stack.base_url}{UPLOAD}"
        _timed_upload(url, token, 8, seed=999)  # warm-up
        for round_index in range(args.vault_rounds):
            seed = 1000 + round_index
            times["envoy_vault"].append(_timed_upload(url, token, args.vault_upload_mib, seed))
            _delete_assets(stack.base_url, token)
            times["disk_direct"].append(
                _timed_disk(workdir / "direct.bin", args.vault_upload_mib, seed)
            )
            times["fastapi"].append(_timed_upload(baseline_url, "", args.vault_upload_mib, seed))
            print(f"   upload round {round_index + 1}: " + _rates(times, args), flush=True)
    finally:
        baseline.terminate()
        baseline.wait(timeout=20)
        stack.stop()
    size = args.vault_upload_mib + 0.0
    return {
        "file_mib": args.vault_upload_mib,
        "rounds": args.vault_rounds,
        "server_workers": args.vault_workers,
        "mib_per_s": {k: round(size / statistics.median(v), 1) for k, v in times.items()},
        "seconds": {k: [round(t, 3) for t in v] for k, v in times.items()},
    }


def _rates(times: dict[str, list[float]], args: argparse.Namespace) -> str:
    return ", ".join(f"{k} {args.vault_upload_mib / v[-1]:.0f} MiB/s" for k, v in times.items())


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def measure_memory(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    stack = _stack(env, workdir, "memory", args.vault_workers)
    try:
        token = _token(stack.base_url)
        url = f"{stack.base_url}{UPLOAD}"
        for seed in range(2):  # every worker's one-time costs first (imports, pools, buffers)
            _timed_upload(url, token, 16, seed=4000 + seed)
        processes = {f"worker-{pid}": pid for pid in _children(stack.supervisor.pid)}
        processes["envoy"] = stack.envoy.pid
        before = {name: _rss_kib(pid) for name, pid in processes.items()}
        peak = dict(before)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                for name, pid in processes.items():
                    peak[name] = max(peak[name], _rss_kib(pid))
                done.wait(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        seconds = _timed_upload(url, token, args.vault_memory_mib, seed=4242)
        done.set()
        sampler.join()
    finally:
        stack.stop()
    growth = {name: round((peak[name] - before[name]) / 1024, 1) for name in processes}
    return {
        "file_mib": args.vault_memory_mib,
        "seconds": round(seconds, 2),
        "rss_before_mib": {name: round(kib / 1024, 1) for name, kib in before.items()},
        "rss_growth_mib": growth,
        "largest_worker_growth_mib": max(v for k, v in growth.items() if k != "envoy"),
    }


def measure_burst(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for publisher in ("record", "webhook"):
        with (
            faults_suite.postgres_database(args.vault_postgres) as url,
            PublishReceiver(RECEIVER_SECRET) as receiver,
        ):
            burst_env = {
                **env,
                "DATABASE_URL": url,
                "SCHEDULER_POLL_SECONDS": "0.2",
                "DATABASE_POOL_SIZE": "5",
            }
            if publisher == "webhook":
                burst_env["PUBLISH_WEBHOOK_URL"] = receiver.url
                burst_env["PUBLISH_WEBHOOK_SECRET"] = RECEIVER_SECRET
            stack = _stack(burst_env, workdir, f"burst-{publisher}", args.vault_workers)
            try:
                user_id = _user_id(stack.base_url, _token(stack.base_url))
                due = datetime.now(UTC) + timedelta(seconds=5)
                posts = burst_posts(
                    user_id,
                    args.vault_burst,
                    start=due,
                    spread=timedelta(0),
                    platforms=("onlyfans",),
                )
                schedule_burst(url, posts)
                lags = _wait_published(url, args.vault_burst)
            finally:
                stack.stop()
        results[publisher] = {
            "posts": args.vault_burst,
            "p50_s": round(_percentile(lags, 50), 3),
            "p99_s": round(_percentile(lags, 99), 3),
            "max_s": round(max(lags), 3),
            "posts_per_s": round(len(lags) / max(lags), 1),
        }
        print(f"   burst, {publisher} publisher: {results[publisher]}", flush=True)
    return {"server_workers": args.vault_workers, "database": "PostgreSQL", **results}


def _user_id(base_url: str, token: str) -> str:
    me = httpx.get(f"{base_url}/api/users/me", headers={"authorization": f"Bearer {token}"})
    return str(me.json()["user"]["id"])


def _wait_published(url: str, count: int) -> list[float]:
    """Lags (published_at - scheduled_at, seconds) once every post is published."""
    deadline = time.monotonic() + 600
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as db:
        while True:
            (done,) = db.execute(
                "SELECT count(*) FROM scheduled_posts WHERE status = 'published'"
            ).fetchone()
            if done >= count:
                break
            if time.monotonic() > deadline:
                raise StartupError(f"only {done} of {count} posts published in 10 minutes")
            time.sleep(0.5)
        rows = db.execute(
            "SELECT EXTRACT(EPOCH FROM published_at - scheduled_at) FROM scheduled_posts"
        ).fetchall()
    return [float(lag) for (lag,) in rows]


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def measure_vault(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    sqlite_url = f"sqlite+aiosqlite:///{workdir / 'vault.db'}"
    run_migrations(sqlite_url)
    sqlite_env = {**env, "DATABASE_URL": sqlite_url, "SCHEDULER_ENABLED": "false"}
    results: dict[str, Any] = {
        "upload": measure_throughput(sqlite_env, args, workdir),
        "memory": measure_memory(sqlite_env, args, workdir),
    }
    if args.vault_postgres:
        results["burst"] = measure_burst(env, args, workdir)
    return results


def print_summary(vault: dict[str, Any]) -> None:
    upload, memory = vault["upload"], vault["memory"]
    print(f"\nVault: a {upload['file_mib']} MiB upload, median of {upload['rounds']} rounds")
    for name, rate in upload["mib_per_s"].items():
        print(f"  {name:<12} {rate:>8} MiB/s")
    print(
        f"  memory during a {memory['file_mib']} MiB upload: largest worker growth "
        f"{memory['largest_worker_growth_mib']} MiB, Envoy {memory['rss_growth_mib']['envoy']} MiB"
    )
    for publisher, lag in vault.get("burst", {}).items():
        if isinstance(lag, dict):
            print(
                f"  burst of {lag['posts']} posts, {publisher}: lag p50 {lag['p50_s']} s, "
                f"p99 {lag['p99_s']} s, {lag['posts_per_s']} posts/s"
            )

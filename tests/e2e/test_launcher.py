"""`make run`'s launcher (python -m server.launcher) as a newcomer meets it: it refuses taken
ports by name, never touches another stack, and leaves no orphan behind even when killed."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from support.databases import sqlite_url
from support.e2e_stack import JWT_SECRET, free_ports, wait_for

from server.runtime import new_runtime_dir

pytestmark = pytest.mark.e2e


def launcher_env(tmp_path: Path, http_port: int, grpc_port: int) -> dict[str, str]:
    environment = {
        **os.environ,
        "DATABASE_URL": sqlite_url(tmp_path),
        "JWT_SECRET": JWT_SECRET,
        "HTTP_PORT": str(http_port),
        "GRPC_PORT": str(grpc_port),
        "WORKERS": "1",
        "LOG_LEVEL": "WARNING",
        "SHUTDOWN_DRAIN_SECONDS": "0.5",
    }
    if (tmp_path / "no-jwt-secret").exists():  # a newcomer's machine: JWT_SECRET not set
        del environment["JWT_SECRET"]
    return environment


def launch(tmp_path: Path, http_port: int, grpc_port: int) -> subprocess.Popen[str]:
    """The launcher; its stdout is a pipe (the banner), its stderr and its children's logs go
    to tmp_path/stderr.log (read it with `errors`)."""
    with (tmp_path / "stderr.log").open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "server.launcher"],
            cwd=tmp_path,
            env=launcher_env(tmp_path, http_port, grpc_port),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )


def errors(tmp_path: Path) -> str:
    return (tmp_path / "stderr.log").read_text()


@pytest.fixture
def ports() -> tuple[int, int]:
    http_port, grpc_port = free_ports(2)
    return http_port, grpc_port


@pytest.fixture
def launched(tmp_path: Path, ports: tuple[int, int]) -> Iterator[subprocess.Popen[str]]:
    process = launch(tmp_path, *ports)
    assert process.stdout is not None
    line = process.stdout.readline()  # the first line of the banner: it is ready
    assert line.startswith("Huntaze API ready"), line + (
        process.stderr.read() if process.stderr else ""
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(60)


def runtime_dir_of(launched: subprocess.Popen[str]) -> Path:
    """The runtime directory the banner names (the fixture read its first line)."""
    assert launched.stdout is not None
    for line in launched.stdout:
        if line.strip().startswith("runtime:"):
            return Path(line.split()[1])
    raise AssertionError("the banner names no runtime directory")


def descendants(pid: int) -> set[int]:
    found: set[int] = set()
    pending = [pid]
    while pending:
        parent = pending.pop()
        path = Path(f"/proc/{parent}/task/{parent}/children")
        children = {int(child) for child in path.read_text().split()} if path.exists() else set()
        found |= children
        pending += children
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def healthy(http_port: int) -> bool:
    return httpx.get(f"http://127.0.0.1:{http_port}/api/health", timeout=5).status_code == 200


@pytest.mark.parametrize("which", ["http", "grpc"])
@pytest.mark.parametrize("reuse_port", [False, True], ids=["plain", "so_reuseport"])
def test_a_taken_port_is_refused_by_name(
    tmp_path: Path, ports: tuple[int, int], which: str, reuse_port: bool
) -> None:
    http_port, grpc_port = ports
    taken = http_port if which == "http" else grpc_port
    with socket.socket() as holder:
        if reuse_port:  # what another stack's workers do: sharing would be silent
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", taken))
        holder.listen()
        process = launch(tmp_path, http_port, grpc_port)
        out, _ = process.communicate(timeout=60)
    assert process.returncode == 1
    assert f"port {taken} " in errors(tmp_path)
    assert "ready" not in out


def test_a_second_launch_on_the_same_ports_leaves_the_first_alone(
    tmp_path: Path, ports: tuple[int, int], launched: subprocess.Popen[str]
) -> None:
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    second = launch(second_dir, *ports)
    second.communicate(timeout=60)
    assert second.returncode == 1
    assert "already in use" in errors(second_dir)
    assert launched.poll() is None
    assert healthy(ports[0])  # still listening and serving: nothing drained it


def test_children_exit_when_the_launcher_is_killed(
    ports: tuple[int, int], launched: subprocess.Popen[str]
) -> None:
    runtime = runtime_dir_of(launched)
    children = descendants(launched.pid)
    assert len(children) >= 3  # the supervisor, its worker, Envoy
    launched.kill()
    launched.wait()
    wait_for(
        lambda: not any(alive(pid) for pid in children),
        timeout=30,
        what="every child of the killed launcher exits",
    )
    # Nothing holds the ports any more.
    for port in ports:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", port))
    # Nothing removed its runtime directory; the next start does.
    assert runtime.is_dir()
    new_runtime_dir(runtime.parent).remove()
    assert not runtime.exists()


def test_ctrl_c_stops_everything_cleanly(
    ports: tuple[int, int], launched: subprocess.Popen[str]
) -> None:
    children = descendants(launched.pid)
    launched.send_signal(signal.SIGINT)
    assert launched.wait(60) == 0
    assert not any(alive(pid) for pid in children)


def test_without_jwt_secret_a_private_one_is_made_and_kept(
    tmp_path: Path, ports: tuple[int, int]
) -> None:
    (tmp_path / "no-jwt-secret").touch()
    process = launch(tmp_path, *ports)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Huntaze API ready"), errors(tmp_path)
        secret_file = tmp_path / "var" / "jwt-secret"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        base = f"http://127.0.0.1:{ports[0]}"
        account = {"email": "ava@example.com", "password": "correct-horse-42"}
        httpx.post(f"{base}/api/auth/signup", json={**account, "name": "Ava", "acceptTerms": True})
        token = httpx.post(f"{base}/api/auth/signin", json=account).json()["accessToken"]
        secret = secret_file.read_text().strip()
        assert jwt.decode(token, secret, algorithms=["HS256"], audience="huntaze-api")["sub"]
        for guess in ("dev-only-insecure-jwt-secret-change-me", JWT_SECRET):
            with pytest.raises(jwt.InvalidSignatureError):
                jwt.decode(token, guess, algorithms=["HS256"], audience="huntaze-api")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)

"""The caller's address is what Envoy saw, and nothing a client sends can change it: not on the
workers' shared gRPC port, not through Envoy (REST or gRPC). The sign-in lockout and the rate
limits key on it. (Before: any local process could send `x-huntaze-client-address` straight to
a worker, lock a victim out, and escape the lockout with a fresh address per guess.)"""

from __future__ import annotations

import os
import socket
import stat
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from huntaze.v1 import auth_pb2, auth_pb2_grpc
from support.databases import sqlite_url
from support.e2e_client import PASSWORD, sign_up
from support.e2e_stack import Stack, running_stack

pytestmark = pytest.mark.e2e

VICTIM_ADDRESS = "127.0.0.2"  # a second loopback address: the victim's browser
MAX_FAILURES = 5
SPOOFING = ("x-huntaze-client-address", "x-forwarded-for", "x-real-ip")


@pytest.fixture(scope="module")
def address_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("addresses")
    env = {"SIGNIN_MAX_FAILURES": str(MAX_FAILURES), "RATE_LIMIT_AUTH": "10000/60"}
    with running_stack(workdir, sqlite_url(workdir), workers=2, env=env) as stack:
        yield stack


def spoofed(address: str) -> list[tuple[str, str]]:
    return [(header, address) for header in SPOOFING]


SignIn = Callable[[str, str, str], int]  # (email, password, claimed address) -> HTTP-ish status


def rest_through_envoy(stack: Stack) -> SignIn:
    def sign_in(email: str, password: str, claimed: str) -> int:
        return httpx.post(
            f"{stack.base_url}/api/auth/signin",
            json={"email": email, "password": password},
            headers=dict(spoofed(claimed)),
            timeout=10,
        ).status_code

    return sign_in


def grpc_at(target: str) -> SignIn:
    codes = {
        grpc.StatusCode.UNAUTHENTICATED: 401,
        grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    }

    def sign_in(email: str, password: str, claimed: str) -> int:
        with grpc.insecure_channel(target) as channel:
            try:
                auth_pb2_grpc.AuthServiceStub(channel).SignIn(
                    auth_pb2.SignInRequest(email=email, password=password),
                    metadata=spoofed(claimed),
                    timeout=10,
                )
            except grpc.RpcError as error:
                return codes[error.code()]
        return 200

    return sign_in


PATHS = {
    "rest-via-envoy": rest_through_envoy,
    "grpc-via-envoy": lambda stack: grpc_at(stack.grpc_target),
    "grpc-shared-port": lambda stack: grpc_at(stack.runner.direct_grpc_target),
}


def account(stack: Stack) -> str:
    email = f"addr-{uuid.uuid4().hex[:10]}@example.com"
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        assert sign_up(client, email).status_code == 200
    return email


@pytest.mark.parametrize("path", PATHS)
def test_a_fresh_claimed_address_per_guess_does_not_escape_the_lockout(
    address_stack: Stack, path: str
) -> None:
    sign_in = PATHS[path](address_stack)
    email = account(address_stack)
    statuses = [sign_in(email, "wrong-9", f"198.51.100.{guess}") for guess in range(30)]
    assert statuses[:MAX_FAILURES] == [401] * MAX_FAILURES
    assert set(statuses[MAX_FAILURES:]) == {429}  # the real address is locked out


@pytest.mark.parametrize("path", PATHS)
def test_claiming_the_victims_address_cannot_lock_the_victim_out(
    address_stack: Stack, path: str
) -> None:
    sign_in = PATHS[path](address_stack)
    email = account(address_stack)
    for _ in range(MAX_FAILURES + 1):
        sign_in(email, "wrong-9", VICTIM_ADDRESS)
    victim = httpx.HTTPTransport(local_address=VICTIM_ADDRESS)
    with httpx.Client(base_url=address_stack.base_url, transport=victim, timeout=10) as browser:
        answer = browser.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text


def test_only_envoy_and_the_shared_port_listen_on_tcp(address_stack: Stack) -> None:
    """The workers' private endpoints are Unix sockets in a directory only their user can
    open: nothing on the network can reach them, and no other user of the host can."""
    runtime = address_stack.runner.runtime.root
    info = runtime.stat()
    assert info.st_uid == os.getuid()
    assert stat.S_IMODE(info.st_mode) == 0o700
    sockets = address_stack.worker_sockets()
    assert len(sockets) == 2
    assert all(Path(path).parent == runtime for path in sockets)
    if os.geteuid() == 0:
        assert other_user_cannot_connect(sockets[0])


def other_user_cannot_connect(path: str) -> bool:
    """Connect to `path` from a child process running as `nobody`."""
    child = os.fork()
    if child == 0:  # pragma: no cover - the child reports through its exit status
        try:
            os.setgid(65534)
            os.setuid(65534)
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(path)
            os._exit(1)  # connected: the boundary is open
        except PermissionError:
            os._exit(0)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) == 0

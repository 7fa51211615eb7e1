"""Faults survived under load (20 clients reading GET /api/users/me through Envoy): a worker
killed with SIGKILL (no request that had not reached it fails: Envoy retries them on the other
worker), a rolling restart and PostgreSQL connections terminated (no request fails at all)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.databases import postgres_database, sqlite_url, terminate_connections
from support.e2e_client import bearer, signed_in
from support.e2e_load import Load
from support.e2e_stack import Stack, running_stack, wait_for

pytestmark = pytest.mark.e2e

ENV = {"RATE_LIMIT_STANDARD": "1000000/60", "RATE_LIMIT_AUTH": "1000/60"}


def reading_me(stack: Stack) -> Load:
    with httpx.Client(base_url=stack.base_url, timeout=10) as client:
        _, access, _ = signed_in(client)
    headers = bearer(access)
    return Load(stack.base_url, lambda client: client.get("/api/users/me", headers=headers))


def wait_for_requests(load: Load, count: int) -> None:
    start = load.total
    wait_for(lambda: load.total >= start + count, timeout=30, what=f"{count} more requests")


def wait_until_balanced(stack: Stack, load: Load) -> None:
    """Steady state: Envoy spreads the load over every worker. (For about a second after it
    starts, Envoy 1.40 may send everything to one of two healthy workers; a worker killed then
    takes every retry with it.)"""

    def balanced() -> bool:
        served = stack.runner.upstream_requests()
        busy = [count for path, count in served.items() if path in stack.worker_sockets()]
        return len(busy) == stack.settings.workers and min(busy) >= 50

    wait_for(balanced, timeout=30, what="requests on every worker")
    wait_for_requests(load, 100)


@pytest.fixture
def sqlite_stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path, sqlite_url(tmp_path), workers=2, env=ENV) as stack:
        yield stack


def test_a_worker_killed_under_load_fails_no_request(sqlite_stack: Stack) -> None:
    with reading_me(sqlite_stack) as load:
        wait_until_balanced(sqlite_stack, load)
        victim = min(sqlite_stack.worker_pids())
        os.kill(victim, signal.SIGKILL)
        wait_for(
            lambda: (
                victim not in sqlite_stack.worker_pids()
                and len(sqlite_stack.worker_pids()) == 2
                and sqlite_stack.runner.healthy_workers() == 2
            ),
            timeout=30,
            what="the supervisor replaces the killed worker",
        )
        wait_for_requests(load, 200)
    assert load.failed_before_a_worker_answered() == {}
    # Only what the killed worker was in the middle of answering, at most one per client.
    assert sum(load.failures.values()) <= load.clients


def test_a_rolling_restart_under_load_fails_no_request(sqlite_stack: Stack) -> None:
    before = sqlite_stack.worker_pids()
    with reading_me(sqlite_stack) as load:
        wait_for_requests(load, 200)
        sqlite_stack.runner.rolling_restart()
        wait_for(
            lambda: (
                not (sqlite_stack.worker_pids() & before)
                and len(sqlite_stack.worker_pids()) == 2
                and sqlite_stack.runner.healthy_workers() == 2
            ),
            timeout=60,
            what="every worker replaced",
        )
        wait_for_requests(load, 200)
    assert load.failures == {}
    assert load.total > 1000


@pytest.mark.postgres
def test_postgres_connections_terminated_under_load_fail_no_read(tmp_path: Path) -> None:
    with (
        postgres_database() as url,
        running_stack(tmp_path, url, workers=2, env=ENV) as stack,
        reading_me(stack) as load,
    ):
        database = url.rsplit("/", 1)[1]
        terminated = 0
        for _ in range(3):
            wait_for_requests(load, 200)
            terminated += terminate_connections(database)
        wait_for_requests(load, 200)
    assert terminated >= 3
    assert load.failures == {}

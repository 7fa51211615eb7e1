"""End-to-end fixtures: one 2-worker stack (server + Envoy) per module and database."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.databases import postgres_database, sqlite_url
from support.e2e_stack import (
    ACCOUNT_STATUS_TTL_SECONDS,
    REUSE_INTERVAL_SECONDS,
    Stack,
    running_stack,
)

# Many tests sign in from the same address; the rate-limit tests run their own stacks. The
# refresh reuse interval and account status cache are short so tests can step past them.
SHARED_STACK = {
    "RATE_LIMIT_AUTH": "10000/60",
    "RATE_LIMIT_STANDARD": "10000/60",
    "REFRESH_REUSE_INTERVAL_SECONDS": str(REUSE_INTERVAL_SECONDS),
    "ACCOUNT_STATUS_TTL_SECONDS": str(ACCOUNT_STATUS_TTL_SECONDS),
}


@contextlib.contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One 2-worker stack per module and database, shared by tests that do not interfere."""
    workdir = tmp_path_factory.mktemp(f"stack-{request.param}")
    with (
        database(request.param, workdir) as url,
        running_stack(workdir, url, workers=2, env=SHARED_STACK) as running,
    ):
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=10) as http:
        yield http

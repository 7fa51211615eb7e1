"""End-to-end fixtures: one 2-worker stack (server + Envoy) per module and database."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

import httpx
import pytest
from hypothesis.configuration import set_hypothesis_home_dir
from support.e2e_stack import (
    ACCOUNT_STATUS_TTL_SECONDS,
    REUSE_INTERVAL_SECONDS,
    Stack,
    stack_on,
)

# Many tests sign in from the same address; the rate-limit tests run their own stacks. The
# refresh reuse interval and account status cache are short so tests can step past them.
SHARED_STACK = {
    "RATE_LIMIT_AUTH": "10000/60",
    "RATE_LIMIT_STANDARD": "10000/60",
    "REFRESH_REUSE_INTERVAL_SECONDS": str(REUSE_INTERVAL_SECONDS),
    "ACCOUNT_STATUS_TTL_SECONDS": str(ACCOUNT_STATUS_TTL_SECONDS),
}


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis (under Schemathesis) keeps caches in ./.hypothesis even without an example
    # database: give it a throwaway directory instead of the work tree.
    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="hypothesis-"))


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """One 2-worker stack per module and database, shared by tests that do not interfere."""
    workdir = tmp_path_factory.mktemp(f"stack-{request.param}")
    with stack_on(request.param, workdir, env=SHARED_STACK) as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=10) as http:
        yield http

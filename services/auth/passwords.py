"""Argon2id password hashing, always off the event loop."""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Callable
from concurrent.futures import Executor
from typing import NamedTuple, TypeVar

import argon2
from argon2.exceptions import InvalidHashError, VerificationError

T = TypeVar("T")

# OWASP's argon2id recommendation (19 MiB, 2 iterations, 1 lane): about 20-40 ms per hash on
# one core, leaving the second core to serve while a sign-in hashes.
DEFAULT_TIME_COST = 2
DEFAULT_MEMORY_COST_KIB = 19 * 1024
DEFAULT_PARALLELISM = 1


class Argon2Parameters(NamedTuple):
    time_cost: int
    memory_cost_kib: int
    parallelism: int


@functools.cache
def _argon2(parameters: Argon2Parameters) -> argon2.PasswordHasher:
    return argon2.PasswordHasher(
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost_kib,
        parallelism=parameters.parallelism,
        type=argon2.Type.ID,
    )


# Module-level functions of picklable arguments: the executor may be a process pool.
def _hash(parameters: Argon2Parameters, password: str) -> str:
    return _argon2(parameters).hash(password)


def _verify(parameters: Argon2Parameters, password_hash: str, password: str) -> bool:
    try:
        return _argon2(parameters).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


class PasswordHasher:
    """Hashes and verifies in a worker thread (or the injected executor): argon2 is CPU-bound
    and would stall every other request on the loop.

    `verify_dummy` spends the time of a real verification against a hash made with the same
    parameters, so "unknown e-mail" costs what "wrong password" costs.
    """

    def __init__(
        self,
        *,
        time_cost: int = DEFAULT_TIME_COST,
        memory_cost_kib: int = DEFAULT_MEMORY_COST_KIB,
        parallelism: int = DEFAULT_PARALLELISM,
        executor: Executor | None = None,
    ) -> None:
        self._parameters = Argon2Parameters(time_cost, memory_cost_kib, parallelism)
        self._executor = executor
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        return await self._run(_hash, self._parameters, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when `password` matches; False on mismatch or an unreadable hash."""
        return await self._run(_verify, self._parameters, password_hash, password)

    async def verify_dummy(self, password: str) -> None:
        """Spend a verification's time; for callers with no account to check against."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than ours (upgrade on sign-in)."""
        try:
            return _argon2(self._parameters).check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        if self._executor is None:
            return await asyncio.to_thread(function, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

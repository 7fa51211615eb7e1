"""The unit-of-work port every use case persists through: one transaction per use case,
rolled back unless committed. Each domain package declares the repositories it needs on top of
it (e.g. services.auth.ports.AuthUnitOfWork); services/db implements them all with SQLAlchemy,
and tests/support/fakes.py in memory.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import ParamSpec, Protocol, Self, TypeVar

from services.errors import ConnectionLost


class UnitOfWork(Protocol):
    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


U_co = TypeVar("U_co", bound=UnitOfWork, covariant=True)


class UnitOfWorkFactory(Protocol[U_co]):
    """`write=False` for use cases that only read (SQLite then takes no write lock)."""

    def __call__(self, *, write: bool = True) -> U_co: ...


P = ParamSpec("P")
R = TypeVar("R")


def retry_read(use_case: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run a read-only use case once more when its connection died under it (ConnectionLost):
    by then the pool has replaced the dead connections. Only for use cases that write nothing,
    where running twice is the same as running once."""

    @functools.wraps(use_case)
    async def retrying(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await use_case(*args, **kwargs)
        except ConnectionLost:
            return await use_case(*args, **kwargs)

    return retrying

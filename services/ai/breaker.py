"""A circuit breaker per deployment: stop calling an upstream that keeps failing, then probe it.

CLOSED admits every attempt and counts consecutive failures (a success resets the count); at
`failure_threshold` it opens. OPEN admits nothing until `reset_timeout` has passed, then turns
HALF_OPEN (lazily, when the state is next read). HALF_OPEN admits at most `half_open_max_probes`
attempts at a time: the first probe verdict decides — a success closes, a failure reopens with a
fresh timeout.

Contract: every admitted attempt ends in exactly one verdict — `record_success`,
`record_failure`, or `release` (ended without saying anything about the upstream's health: a
client error, a content-filter refusal, a cancellation). A missing verdict would hold a half-open
probe slot forever. `admit()` returns a `Permit` that enforces this: its first verdict counts,
later ones are ignored, and leaving it as a context manager without a verdict releases it. A
permit also knows when it was issued, so a verdict arriving after the breaker has changed state
(an attempt admitted before the breaker opened, finishing late) changes nothing.

Scope: one process, one event loop. The state lives in memory and is mutated only between
awaits, so no lock is needed; each worker process keeps its own breakers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import Enum
from types import TracebackType


class BreakerState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


StateListener = Callable[[str, BreakerState], None]


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        half_open_max_probes: int = 1,
        clock: Callable[[], float] = time.monotonic,
        on_state_change: StateListener | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if reset_timeout < 0:
            raise ValueError("reset_timeout must not be negative")
        if half_open_max_probes < 1:
            raise ValueError("half_open_max_probes must be at least 1")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.half_open_max_probes = half_open_max_probes
        self._clock = clock
        self._on_state_change = on_state_change
        self._state = BreakerState.CLOSED
        self._epoch = 0  # bumped on every state change; tells stale verdicts apart
        self._failures = 0
        self._opened_at = 0.0
        self._probes = 0

    @property
    def state(self) -> BreakerState:
        if (
            self._state is BreakerState.OPEN
            and self._clock() - self._opened_at >= self.reset_timeout
        ):
            self._transition(BreakerState.HALF_OPEN)
        return self._state

    def try_acquire(self) -> bool:
        """Whether an attempt may go upstream now. True obliges the caller to one verdict."""
        state = self.state
        if state is BreakerState.CLOSED:
            return True
        if state is BreakerState.HALF_OPEN and self._probes < self.half_open_max_probes:
            self._probes += 1
            return True
        return False

    def admit(self) -> Permit | None:
        """`try_acquire` returning a permit that carries the verdict, or None when refused."""
        if not self.try_acquire():
            return None
        return Permit(self, self._epoch)

    def record_success(self) -> None:
        self._settle(self._epoch, _Verdict.SUCCESS)

    def record_failure(self) -> None:
        self._settle(self._epoch, _Verdict.FAILURE)

    def release(self) -> None:
        self._settle(self._epoch, _Verdict.NONE)

    def retry_after(self) -> float:
        """Seconds until an OPEN breaker admits a probe; 0 when it is not open."""
        if self.state is not BreakerState.OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.reset_timeout - self._clock())

    def _settle(self, epoch: int, verdict: _Verdict) -> None:
        state = self.state
        if epoch != self._epoch or state is BreakerState.OPEN:
            return  # admitted before the last change: says nothing about the current period
        if state is BreakerState.HALF_OPEN:
            if verdict is _Verdict.SUCCESS:
                self._transition(BreakerState.CLOSED)
            elif verdict is _Verdict.FAILURE:
                self._open()
            else:
                self._probes = max(0, self._probes - 1)
        elif verdict is _Verdict.SUCCESS:
            self._failures = 0
        elif verdict is _Verdict.FAILURE:
            self._failures += 1
            if self._failures >= self.failure_threshold:
                self._open()

    def _open(self) -> None:
        self._opened_at = self._clock()
        self._transition(BreakerState.OPEN)

    def _transition(self, state: BreakerState) -> None:
        self._state = state
        self._epoch += 1
        self._failures = 0
        self._probes = 0
        if self._on_state_change is not None:
            self._on_state_change(self.name, state)


class _Verdict(Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    NONE = "none"


class Permit:
    """One admitted attempt. The first verdict counts; as a context manager, leaving without a
    verdict (an exception, a cancellation) releases the attempt."""

    def __init__(self, breaker: CircuitBreaker, epoch: int) -> None:
        self._breaker = breaker
        self._epoch = epoch
        self._settled = False

    def success(self) -> None:
        self._settle(_Verdict.SUCCESS)

    def failure(self) -> None:
        self._settle(_Verdict.FAILURE)

    def release(self) -> None:
        self._settle(_Verdict.NONE)

    def __enter__(self) -> Permit:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _settle(self, verdict: _Verdict) -> None:
        if not self._settled:
            self._settled = True
            self._breaker._settle(self._epoch, verdict)

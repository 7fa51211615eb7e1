"""Steady load on a stack while something goes wrong: N clients in threads, each looping over
one request, every answer counted."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from types import TracebackType

import httpx

# What Envoy says of a request the worker was already answering when it died (its response
# had started, so Envoy cannot tell whether it ran, and must not retry it). Every other failure
# is a request that never reached a worker, or an answer the worker gave.
DIED_ANSWERING = "reset before headers. reset reason: connection termination"


class Load:
    """`with Load(base_url, request) as load: ...`; `load.failures` once it has stopped."""

    def __init__(
        self,
        base_url: str,
        request: Callable[[httpx.Client], httpx.Response],
        *,
        clients: int = 20,
    ) -> None:
        self.clients = clients
        self._base_url = base_url
        self._request = request
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._total = 0
        # (status or exception name, message) of every answer other than a 200.
        self.failures: Counter[tuple[int | str, str]] = Counter()
        self._threads = [threading.Thread(target=self._loop) for _ in range(clients)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    @property
    def total(self) -> int:
        with self._lock:
            return self._total

    def failed_before_a_worker_answered(self) -> Counter[tuple[int | str, str]]:
        """Failures other than requests a dying worker was in the middle of answering."""
        return Counter(
            {key: n for key, n in self.failures.items() if not key[1].endswith(DIED_ANSWERING)}
        )

    def _loop(self) -> None:
        with httpx.Client(base_url=self._base_url, timeout=30) as client:
            while not self._stop.is_set():
                failure: tuple[int | str, str] | None = None
                try:
                    response = self._request(client)
                    if response.status_code != 200:
                        failure = (response.status_code, _message(response))
                except httpx.HTTPError as error:
                    failure = (type(error).__name__, str(error))
                with self._lock:
                    self._total += 1
                    if failure is not None:
                        self.failures[failure] += 1


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message", ""))
    except ValueError:
        return response.text[:200]

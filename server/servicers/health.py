"""huntaze.v1.HealthService (GET /api/health): overall status, version, uptime and each
dependency's status with the latency of its check; and Echo (GET /api/health/echo), which
answers its message and touches nothing (the benchmark's ceiling of the API path).

Load balancers (Envoy included) use the standard grpc.health.v1.Health service instead; this is
the readable report for people and dashboards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import grpc
from huntaze.v1 import health_pb2, health_pb2_grpc

from server.servicers.convert import timestamp


class CheckFailed(Exception):
    """A probe's own explanation of a failure, safe to show (other errors show their type
    only, as their text may carry connection details)."""


class NotConfigured(Exception):
    """The dependency is optional and turned off here: reported as "not_configured", which
    neither degrades nor downs the service."""


@dataclass(frozen=True)
class DependencyCheck:
    """A probe that returns on success and raises on failure. `required`: down means we are down."""

    name: str
    probe: Callable[[], Awaitable[None]]
    required: bool = True


class HealthReportServicer(health_pb2_grpc.HealthServiceServicer):
    def __init__(
        self,
        checks: Sequence[DependencyCheck],
        *,
        version: str,
        timeout_seconds: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = tuple(checks)
        self._version = version
        self._timeout = timeout_seconds
        self._clock = clock
        self._started = clock()

    async def GetHealth(
        self, request: health_pb2.GetHealthRequest, context: grpc.aio.ServicerContext
    ) -> health_pb2.GetHealthResponse:
        results = await asyncio.gather(*(self._run(check) for check in self._checks))
        failed = [c for c, r in zip(self._checks, results, strict=True) if r.status == "down"]
        if any(check.required for check in failed):
            status = "down"
        else:
            status = "degraded" if failed else "ok"
        return health_pb2.GetHealthResponse(
            status=status,
            version=self._version,
            timestamp=timestamp(datetime.now(UTC)),
            uptime_seconds=round(self._clock() - self._started, 3),
            checks={
                check.name: result for check, result in zip(self._checks, results, strict=True)
            },
        )

    async def _run(self, check: DependencyCheck) -> health_pb2.DependencyHealth:
        started = self._clock()
        try:
            await asyncio.wait_for(check.probe(), self._timeout)
        except TimeoutError:
            status, message = "down", f"no answer within {self._timeout:g} s"
        except CheckFailed as error:
            status, message = "down", str(error)
        except NotConfigured as error:
            status, message = "not_configured", str(error)
        except Exception as error:  # any failure of the probe is the dependency's state
            status, message = "down", type(error).__name__
        else:
            status, message = "ok", ""
        latency_ms = round((self._clock() - started) * 1000, 3)
        return health_pb2.DependencyHealth(status=status, latency_ms=latency_ms, message=message)

    async def Echo(
        self, request: health_pb2.EchoRequest, context: grpc.aio.ServicerContext
    ) -> health_pb2.EchoResponse:
        return health_pb2.EchoResponse(message=request.message)

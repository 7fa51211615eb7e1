"""GET /api/health's status logic: required vs optional dependencies, latency, failures; and
the echo."""

from __future__ import annotations

import asyncio

from huntaze.v1.health_pb2 import EchoRequest, GetHealthResponse

from server.servicers.health import DependencyCheck, HealthReportServicer


async def _ok() -> None:
    return None


async def _broken() -> None:
    raise ConnectionRefusedError("no database")


async def _hangs() -> None:
    await asyncio.Event().wait()


async def _report(*checks: DependencyCheck, limit: float = 1.0) -> GetHealthResponse:
    servicer = HealthReportServicer(checks, version="9.9.9", timeout_seconds=limit)
    return await servicer.GetHealth(None, None)  # type: ignore[arg-type]


async def test_all_ok() -> None:
    report = await _report(DependencyCheck("database", _ok))
    assert report.status == "ok"
    assert report.version == "9.9.9"
    assert report.checks["database"].status == "ok"
    assert report.checks["database"].message == ""
    assert report.checks["database"].latency_ms >= 0


async def test_required_dependency_down_means_down() -> None:
    report = await _report(DependencyCheck("database", _broken), DependencyCheck("ai", _ok, False))
    assert report.status == "down"
    assert report.checks["database"].status == "down"
    assert report.checks["database"].message == "ConnectionRefusedError"


async def test_optional_dependency_down_means_degraded() -> None:
    report = await _report(DependencyCheck("database", _ok), DependencyCheck("ai", _broken, False))
    assert report.status == "degraded"


async def test_a_hanging_probe_times_out() -> None:
    report = await _report(DependencyCheck("database", _hangs), limit=0.05)
    assert report.status == "down"
    assert "no answer" in report.checks["database"].message


async def test_echo_answers_its_message_and_runs_no_check() -> None:
    probed: list[str] = []

    async def probe() -> None:
        probed.append("database")

    servicer = HealthReportServicer([DependencyCheck("database", probe)], version="9.9.9")
    response = await servicer.Echo(EchoRequest(message="ping"), None)  # type: ignore[arg-type]
    assert response.message == "ping"
    assert probed == []

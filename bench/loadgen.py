"""Drive the external load generators (wrk for HTTP/1.1, h2load for gRPC over h2c) and parse them.

Each run is its own OS process, so the load generator never shares an interpreter (or a GIL)
with the system under test. Both tools run a warm-up first and then a fixed-duration window;
only the window is measured.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
WRK_SCRIPT = BENCH_DIR / "wrk_report.lua"
INSTALL_HINT = "install the load generators: sudo apt-get install -y wrk nghttp2-client"


class LoadToolError(RuntimeError):
    """The load generator failed or printed something this module cannot read."""


@dataclass(frozen=True)
class Measurement:
    """One measured window of one system."""

    tool: str
    ok: int  # responses verified successful (HTTP 2xx / grpc-status 0)
    errors: int  # everything else: transport errors, bad statuses, timeouts
    duration_s: float
    rps: float  # ok / duration_s
    p50_ms: float
    p99_ms: float
    error_detail: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def missing_tools() -> list[str]:
    """Names of the load generators not found on PATH."""
    return [tool for tool in ("wrk", "h2load") if shutil.which(tool) is None]


def tool_versions() -> dict[str, str]:
    wrk = _run(["wrk", "--version"], check=False).splitlines()[0].strip()
    h2load = _run(["h2load", "--version"], check=False).strip()
    return {"wrk": wrk, "h2load": h2load}


def run_wrk(
    url: str,
    *,
    headers: dict[str, str],
    connections: int,
    threads: int,
    duration_s: float,
    warmup_s: float,
    json_body: Path | None = None,
    delay_ms: int | None = None,
) -> Measurement:
    """Warm up, then measure `url` with wrk; non-2xx/3xx responses count as errors.

    With `json_body`, every request is a POST of that file (application/json); with `delay_ms`,
    each connection waits that long after each response before its next request (a paced load,
    below what the system could take). The report script does both, so it then serves the
    warm-up too.
    """
    base = ["wrk", f"-t{threads}", f"-c{connections}", "--timeout", "5s"]
    for name, value in headers.items():
        base += ["-H", f"{name}: {value}"]
    variables = {}
    if json_body is not None:
        variables["WRK_BODY_FILE"] = str(json_body)
    if delay_ms is not None:
        variables["WRK_DELAY_MS"] = str(delay_ms)
    env = {**os.environ, **variables} if variables else None
    if variables:
        base += ["-s", str(WRK_SCRIPT)]
    if warmup_s > 0:
        _run([*base, f"-d{_seconds(warmup_s)}", url], env=env)
    if not variables:
        base += ["-s", str(WRK_SCRIPT)]
    output = _run([*base, f"-d{_seconds(duration_s)}", url], env=env)
    return parse_wrk(output)


def parse_wrk(output: str) -> Measurement:
    match = re.search(r"^WRK_JSON (\{.*\})$", output, re.MULTILINE)
    if match is None:
        raise LoadToolError(f"wrk printed no report:\n{output}")
    report = json.loads(match.group(1))
    errors = {name: int(count) for name, count in report["errors"].items() if count}
    # wrk counts a response with a bad status in `requests` too.
    ok = int(report["requests"]) - errors.get("status", 0)
    duration_s = report["duration_us"] / 1e6
    latency = report["latency_us"]
    return Measurement(
        tool="wrk",
        ok=ok,
        errors=sum(errors.values()),
        duration_s=round(duration_s, 3),
        rps=round(ok / duration_s, 1),
        p50_ms=round(latency["p50"] / 1000, 3),
        p99_ms=round(latency["p99"] / 1000, 3),
        error_detail=errors,
    )


def grpc_frame(message: bytes) -> bytes:
    """A gRPC length-prefixed message: uncompressed flag, 4-byte big-endian length, payload."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


def run_h2load_grpc(
    url: str,
    *,
    request_message: bytes,
    response_frame_len: int | None,
    headers: dict[str, str],
    connections: int,
    threads: int,
    duration_s: float,
    warmup_s: float,
    workdir: Path,
) -> Measurement:
    """Measure a unary gRPC method with h2load (h2c, one stream per connection).

    h2load checks only the HTTP status, and a failed gRPC call still answers HTTP 200 (the
    grpc-status travels in trailers, with no message). Every successful GetMe answers one
    message of a known size, so the DATA bytes received prove how many calls succeeded. When
    the answer's size varies (`response_frame_len` None) the caller must verify success itself
    (bench/run.py reads the server's grpc_server_handled_total by code).
    """
    body = workdir / "grpc-request.bin"
    body.write_bytes(grpc_frame(request_message))
    log = workdir / "h2load-requests.tsv"
    log.unlink(missing_ok=True)
    base = [
        "h2load",
        f"--clients={connections}",
        f"--threads={threads}",
        "--max-concurrent-streams=1",
        f"--data={body}",
        "--header=content-type: application/grpc",
        "--header=te: trailers",
    ]
    base += [f"--header={name}: {value}" for name, value in headers.items()]
    # A separate warm-up run: h2load's own --warm-up-time counts warm-up DATA bytes in the
    # report, which would break the byte check below.
    if warmup_s > 0:
        _run([*base, f"--duration={_seconds(warmup_s)}", url])
    output = _run([*base, f"--duration={_seconds(duration_s)}", f"--log-file={log}", url])
    return parse_h2load(
        output,
        latencies_us=_log_latencies(log),
        response_frame_len=response_frame_len,
    )


def parse_h2load(
    output: str, *, latencies_us: list[int], response_frame_len: int | None
) -> Measurement:
    requests = _ints(
        r"^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, "
        r"(\d+) failed, (\d+) errored, (\d+) timeout",
        output,
    )
    statuses = _ints(r"^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", output)
    (data_bytes,) = _ints(r"^traffic: .*?, \S+ \((\d+)\) data", output)
    (duration_s,) = _floats(r"^finished in ([\d.]+)s", output)
    _total, _started, _done, succeeded, failed, errored, timeout = requests
    # Each call counted must have brought exactly one response message. Calls still in flight
    # when h2load stops may add their bytes without being counted, which can hide at most one
    # failure per connection.
    without_message = 0
    if response_frame_len is not None:
        without_message = max(0, succeeded - data_bytes // response_frame_len)
    errors = {
        "failed": failed,
        "errored": errored,
        "timeout": timeout,
        "http_non_2xx": statuses[1] + statuses[2] + statuses[3],
        "grpc_without_message": without_message,
    }
    errors = {name: count for name, count in errors.items() if count}
    ok = succeeded - without_message
    if not latencies_us:
        raise LoadToolError(f"h2load logged no requests:\n{output}")
    return Measurement(
        tool="h2load",
        ok=ok,
        errors=failed + errored + timeout + without_message,
        duration_s=round(duration_s, 3),
        rps=round(ok / duration_s, 1),
        p50_ms=round(_percentile(latencies_us, 50) / 1000, 3),
        p99_ms=round(_percentile(latencies_us, 99) / 1000, 3),
        error_detail=errors,
    )


def _log_latencies(log: Path) -> list[int]:
    """Latencies (µs) of the successful calls in h2load's log.

    Columns: start (µs since epoch), HTTP status, µs until the end of the response.
    """
    latencies = []
    for line in log.read_text().splitlines():
        _start, status, elapsed = line.split("\t")[:3]
        if status.startswith("2"):
            latencies.append(int(elapsed))
    return latencies


def _percentile(values: list[int], percent: int) -> float:
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _ints(pattern: str, text: str) -> list[int]:
    return [int(value) for value in _match(pattern, text)]


def _floats(pattern: str, text: str) -> list[float]:
    return [float(value) for value in _match(pattern, text)]


def _match(pattern: str, text: str) -> tuple[str, ...]:
    match = re.search(pattern, text, re.MULTILINE)
    if match is None:
        raise LoadToolError(f"unexpected load tool output (no {pattern!r}):\n{text}")
    return match.groups()


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _run(command: list[str], *, check: bool = True, env: dict[str, str] | None = None) -> str:
    # Every run is bounded by its own duration; this only guards against a hung tool.
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    if check and result.returncode != 0:
        raise LoadToolError(
            f"{command[0]} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout + result.stderr

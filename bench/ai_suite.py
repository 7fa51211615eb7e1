"""The AI suite of `make bench`: time to first event of the streamed assistant through Envoy vs
native gRPC, and content-ideas requests/s. Both run on the offline provider (no keys).

bench/run.py starts the server and Envoy and hands this module their ports and a signed-in
user's access token; see bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import grpc
import httpx
import loadgen
from google.protobuf import json_format
from huntaze.v1 import content_ideas_pb2, content_ideas_pb2_grpc
from processes import StartupError
from prometheus_client.parser import text_string_to_metric_families

BENCH_DIR = Path(__file__).resolve().parent
STREAM_CLIENT = BENCH_DIR / "ai_stream.py"
STREAM_REPORT = "AI_STREAM_JSON "
STREAM_PROMPT = "Write a teaser for my beach shoot"
STREAM_REST_PATH = "/api/ai-assistant/generate"
STREAM_METHOD = "huntaze.v1.AIAssistantService/GenerateText"
STREAM_PATHS = {
    "rest_envoy": "REST SSE via Envoy",
    "grpc_envoy": "gRPC via Envoy",
    "grpc_direct": "gRPC direct",
}
DIRECT = "grpc_direct"

IDEAS_PATH = "/api/content-ideas/generate"
IDEAS_METHOD = "/huntaze.v1.ContentIdeasService/GenerateContentIdeas"
# The spec's example request (the same body as tests/e2e/test_ai_rest.py): 3 ideas, with
# captions and hashtags, saved as 3 content rows per call.
IDEAS_REQUEST_FILE = BENCH_DIR / "content_ideas_request.json"
IDEAS_SYSTEMS = {"rest_envoy": "REST via Envoy", "grpc_direct": "gRPC direct"}
# Calls in flight when the load generator stops are cancelled by the server; anything else
# that is not OK is a failure.
TOLERATED_AT_STOP = "Canceled"  # grpc_code label values are Go-style names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("ai suite")
    group.add_argument(
        "--token-delay-ms",
        type=float,
        default=5.0,
        help="AI_OFFLINE_TOKEN_DELAY_MS: the offline provider's pause before each word",
    )
    group.add_argument("--stream-words", type=int, default=8, help="maxTokens of each stream")
    group.add_argument(
        "--stream-clients",
        default="1,4",
        help="comma-separated concurrent stream clients, one scenario each",
    )
    # 600 x 3 rounds: a path's p99 rests on its 18 slowest streams. At 180 (540 samples) it
    # rested on 5, and what Envoy adds at p99 swung by +-1 ms from run to run.
    group.add_argument(
        "--stream-requests",
        type=int,
        default=600,
        help="measured streams per path and round, shared among the clients",
    )
    group.add_argument(
        "--stream-warmup", type=int, default=10, help="unmeasured streams per path and client"
    )
    group.add_argument(
        "--ideas-duration", type=float, default=5.0, help="measured seconds per content-ideas run"
    )


def environment(args: argparse.Namespace) -> dict[str, str]:
    """Server settings of the suite (no AI key set: every call runs on the offline provider)."""
    return {"AI_OFFLINE_TOKEN_DELAY_MS": f"{args.token_delay_ms:g}"}


# --- time to first event -----------------------------------------------------------------


def measure_streams(
    envoy_port: int, grpc_port: int, token: str, args: argparse.Namespace
) -> dict[str, Any]:
    """One scenario per concurrency level; `args.rounds` client processes each."""
    ports = {"rest_envoy": envoy_port, "grpc_envoy": envoy_port, "grpc_direct": grpc_port}
    targets = [
        f"{name}={'rest' if name == 'rest_envoy' else 'grpc'}:{ports[name]}"
        for name in STREAM_PATHS
    ]
    scenarios = []
    for clients in [int(n) for n in args.stream_clients.split(",")]:
        rounds: list[dict[str, Any]] = []
        for round_index in range(args.rounds):
            report = _run_stream_client(targets, token, clients, round_index, args)
            rounds.append(report)
            print(
                f"  streams, {clients} client(s), round {round_index + 1}: "
                + "  ".join(
                    f"{name} ttfe p50 {_quantile(report[name]['ttfe_us'], 50) / 1000:.2f} ms"
                    for name in STREAM_PATHS
                    if report[name]["ttfe_us"]
                )
                + _errors_note({name: report[name]["errors"] for name in STREAM_PATHS}),
                flush=True,
            )
        scenarios.append(_stream_scenario(clients, rounds, args))
    return {
        "call": f"POST {STREAM_REST_PATH} / {STREAM_METHOD}",
        "request": {"prompt": STREAM_PROMPT, "maxTokens": args.stream_words},
        "token_delay_ms": args.token_delay_ms,
        "expected_last_event_ms": round(args.stream_words * args.token_delay_ms, 3),
        "requests_per_path_round": args.stream_requests,
        "warmup_per_path_client": args.stream_warmup,
        "scenarios": scenarios,
    }


def _run_stream_client(
    targets: list[str], token: str, clients: int, offset: int, args: argparse.Namespace
) -> dict[str, Any]:
    command = [
        sys.executable,
        str(STREAM_CLIENT),
        *(f"--path={target}" for target in targets),
        f"--token={token}",
        f"--prompt={STREAM_PROMPT}",
        f"--max-tokens={args.stream_words}",
        f"--clients={clients}",
        f"--requests={_per_client(args.stream_requests, clients)}",
        f"--warmup={args.stream_warmup}",
        f"--offset={offset}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    for line in result.stdout.splitlines():
        if line.startswith(STREAM_REPORT):
            return json.loads(line.removeprefix(STREAM_REPORT))
    raise loadgen.LoadToolError(
        f"ai_stream.py exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )


def _per_client(requests: int, clients: int) -> int:
    return max(1, requests // clients)


def _stream_scenario(
    clients: int, rounds: list[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Percentiles over every sample of every round, per path, and Envoy's share of them."""
    paths = {}
    for name, label in STREAM_PATHS.items():
        ttfe = [value for report in rounds for value in report[name]["ttfe_us"]]
        ttle = [value for report in rounds for value in report[name]["ttle_us"]]
        deltas = [value for report in rounds for value in report[name]["deltas"]]
        errors: Counter[str] = Counter()
        for report in rounds:
            errors.update(report[name]["errors"])
        paths[name] = {
            "label": label,
            "samples": len(ttfe),
            "errors": sum(errors.values()),
            "error_detail": dict(errors),
            "ttfe_ms": _summary(ttfe),
            "ttle_ms": _summary(ttle),
            "deltas_per_stream": sorted(set(deltas)),
            "rounds": [
                {
                    "ttfe_ms": _summary(report[name]["ttfe_us"]),
                    "ttle_ms": _summary(report[name]["ttle_us"]),
                    "errors": report[name]["errors"],
                }
                for report in rounds
            ],
        }
    direct = paths[DIRECT]["ttfe_ms"]
    return {
        "clients": clients,
        "requests_per_path_client_round": _per_client(args.stream_requests, clients),
        "rounds": args.rounds,
        "paths": paths,
        "added_by_envoy_ms": {
            name: {
                q: _diff(paths[name]["ttfe_ms"].get(q), direct.get(q))
                for q in ("p50", "p90", "p99")
            }
            for name in STREAM_PATHS
            if name != DIRECT
        },
    }


def stream_target(streams: dict[str, Any]) -> dict[str, Any]:
    """Envoy's added time to first event at p99, on the cleanest scenario (fewest clients)."""
    scenario = min(streams["scenarios"], key=lambda s: s["clients"])
    added = {name: values["p99"] for name, values in scenario["added_by_envoy_ms"].items()}
    return {
        "goal": "<= 1 ms added by Envoy to the time to first event at p99",
        "scenario_clients": scenario["clients"],
        "added_p99_ms": added,
        "met": all(value is not None and value <= 1.0 for value in added.values()),
    }


def _summary(values_us: list[float]) -> dict[str, float]:
    if not values_us:
        return {}
    return {
        "p50": round(_quantile(values_us, 50) / 1000, 3),
        "p90": round(_quantile(values_us, 90) / 1000, 3),
        "p99": round(_quantile(values_us, 99) / 1000, 3),
        "max": round(max(values_us) / 1000, 3),
        "mean": round(statistics.fmean(values_us) / 1000, 3),
    }


def _quantile(values: list[float], percent: int) -> float:
    if len(values) == 1:
        return float(values[0])
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def _diff(value: float | None, baseline: float | None) -> float | None:
    return None if value is None or baseline is None else round(value - baseline, 3)


def _errors_note(errors: dict[str, dict[str, int]]) -> str:
    failed = {name: detail for name, detail in errors.items() if detail}
    return f"  ERRORS {failed}" if failed else ""


# --- content ideas -----------------------------------------------------------------------


def ideas_request() -> content_ideas_pb2.GenerateContentIdeasRequest:
    """The spec body as the gRPC message, parsed as Envoy's transcoder parses it."""
    return json_format.ParseDict(
        json.loads(IDEAS_REQUEST_FILE.read_text()),
        content_ideas_pb2.GenerateContentIdeasRequest(),
    )


def preflight_ideas(envoy_port: int, grpc_port: int, token: str) -> None:
    """Both paths answer the spec request with as many ideas as asked."""
    expected = ideas_request().options.count
    rest = httpx.post(
        f"http://127.0.0.1:{envoy_port}{IDEAS_PATH}",
        content=IDEAS_REQUEST_FILE.read_bytes(),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
        timeout=30,
    )
    if rest.status_code != 200 or len(rest.json()["data"]["ideas"]) != expected:
        raise StartupError(f"content ideas via Envoy answered {rest.status_code}: {rest.text}")
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        reply = content_ideas_pb2_grpc.ContentIdeasServiceStub(channel).GenerateContentIdeas(
            ideas_request(), metadata=[("authorization", f"Bearer {token}")], timeout=30
        )
    if len(reply.data.ideas) != expected:
        raise StartupError(f"content ideas via gRPC answered {len(reply.data.ideas)} ideas")


def measure_ideas(
    envoy_port: int, grpc_port: int, token: str, args: argparse.Namespace, workdir: Path
) -> dict[str, Any]:
    """Rounds of wrk (REST via Envoy) and h2load (gRPC direct), rotating which goes first.

    Success is also checked on the server: the non-OK codes of GenerateContentIdeas in
    grpc_server_handled_total over each run (warm-up included) count as errors, except the
    calls the load generator cancelled by stopping (at most one per connection).
    """
    preflight_ideas(envoy_port, grpc_port, token)
    metrics_url = f"http://127.0.0.1:{envoy_port}/api/metrics"
    runs: dict[str, list[loadgen.Measurement]] = {name: [] for name in IDEAS_SYSTEMS}
    server_codes: dict[str, Counter[str]] = {name: Counter() for name in IDEAS_SYSTEMS}
    order = list(IDEAS_SYSTEMS)
    for round_index in range(args.rounds):
        shift = round_index % len(order)
        for system in order[shift:] + order[:shift]:
            before = handled_codes(metrics_url)
            measurement = _measure_ideas(system, envoy_port, grpc_port, token, args, workdir)
            # Calls cut off by the stop finish (as Canceled) shortly after the tool exits: wait
            # for them, or they would be counted in the next run.
            _wait_until_idle(metrics_url)
            codes = handled_codes(metrics_url) - before
            server_codes[system].update(codes)
            measurement = _with_server_errors(measurement, codes, args.connections)
            runs[system].append(measurement)
            print(
                f"  content ideas round {round_index + 1} {IDEAS_SYSTEMS[system]:<15}"
                f" {measurement.rps:>8.1f} req/s  p50 {measurement.p50_ms:.2f} ms"
                f"  p99 {measurement.p99_ms:.2f} ms  server codes {dict(codes)}"
                + (f"  ERRORS {measurement.error_detail}" if measurement.errors else ""),
                flush=True,
            )
    systems = {}
    for system, measurements in runs.items():
        systems[system] = {
            "label": IDEAS_SYSTEMS[system],
            "tool": measurements[0].tool,
            "rps": round(statistics.median(m.rps for m in measurements), 1),
            "p50_ms": round(statistics.median(m.p50_ms for m in measurements), 3),
            "p99_ms": round(statistics.median(m.p99_ms for m in measurements), 3),
            "errors": sum(m.errors for m in measurements),
            "server_codes": dict(server_codes[system]),
            "runs": [m.to_json() for m in measurements],
        }
    return {
        "call": f"POST {IDEAS_PATH} / {IDEAS_METHOD.lstrip('/')} (spec request, 3 ideas saved)",
        "duration_s": args.ideas_duration,
        "warmup_s": args.warmup,
        "connections": args.connections,
        "rounds": args.rounds,
        "systems": systems,
    }


def _measure_ideas(
    system: str,
    envoy_port: int,
    grpc_port: int,
    token: str,
    args: argparse.Namespace,
    workdir: Path,
) -> loadgen.Measurement:
    common = {
        "connections": args.connections,
        "threads": args.load_threads,
        "duration_s": args.ideas_duration,
        "warmup_s": args.warmup,
    }
    if system == "rest_envoy":
        return loadgen.run_wrk(
            f"http://127.0.0.1:{envoy_port}{IDEAS_PATH}",
            headers={"Authorization": f"Bearer {token}"},
            json_body=IDEAS_REQUEST_FILE,
            **common,
        )
    return loadgen.run_h2load_grpc(
        f"http://127.0.0.1:{grpc_port}{IDEAS_METHOD}",
        request_message=ideas_request().SerializeToString(),
        response_frame_len=None,  # ids and timestamps vary: the server's codes verify success
        headers={"authorization": f"Bearer {token}"},
        workdir=workdir,
        **common,
    )


def handled_codes(metrics_url: str) -> Counter[str]:
    """GenerateContentIdeas calls completed so far, by gRPC code (all workers)."""
    codes: Counter[str] = Counter()
    text = httpx.get(metrics_url, timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "grpc_server_handled_total"
                and sample.labels.get("grpc_method") == "GenerateContentIdeas"
            ):
                codes[sample.labels["grpc_code"]] += int(sample.value)
    return codes


def _wait_until_idle(metrics_url: str, *, timeout_s: float = 30.0) -> None:
    """Poll until no GenerateContentIdeas call is in flight on any worker."""
    deadline = time.monotonic() + timeout_s
    while True:
        text = httpx.get(metrics_url, timeout=10).text
        in_flight = sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == "grpc_server_in_flight"
            and sample.labels.get("grpc_method") == "GenerateContentIdeas"
        )
        if in_flight == 0:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{in_flight:g} content-ideas calls still in flight")
        time.sleep(0.05)


def _with_server_errors(
    measurement: loadgen.Measurement, codes: Counter[str], connections: int
) -> loadgen.Measurement:
    """Adds the server's failures to what the load generator saw."""
    failures = {
        f"server_{code}": count
        for code, count in codes.items()
        if code != "OK" and code != TOLERATED_AT_STOP and count
    }
    # Two stops per run (warm-up and measured run), each may cancel one call per connection.
    cancelled = codes.get(TOLERATED_AT_STOP, 0)
    if cancelled > 2 * connections:
        failures[f"server_{TOLERATED_AT_STOP}"] = cancelled
    if not failures:
        return measurement
    return loadgen.Measurement(
        tool=measurement.tool,
        ok=measurement.ok,
        errors=measurement.errors + sum(failures.values()),
        duration_s=measurement.duration_s,
        rps=measurement.rps,
        p50_ms=measurement.p50_ms,
        p99_ms=measurement.p99_ms,
        error_detail={**measurement.error_detail, **failures},
    )


# --- summary ----------------------------------------------------------------------------


def errors(ai: dict[str, Any]) -> int:
    total = 0
    for scenario in ai.get("streams", {}).get("scenarios", []):
        total += sum(path["errors"] for path in scenario["paths"].values())
    total += sum(s["errors"] for s in ai.get("content_ideas", {}).get("systems", {}).values())
    return total


def print_summary(ai: dict[str, Any]) -> None:
    streams = ai["streams"]
    print(
        f"\nPOST {STREAM_REST_PATH}, offline provider, {streams['request']['maxTokens']}"
        f" words at {streams['token_delay_ms']:g} ms each (last event expected at"
        f" ~{streams['expected_last_event_ms']:g} ms); {ai['server_workers']} server worker(s)"
    )
    print(
        f"{'clients':<9}{'path':<20}{'streams':>8}{'errors':>7}"
        f"{'TTFE p50':>10}{'p90':>8}{'p99':>8}{'max':>8}{'last p50':>10}{'p99':>8}"
        f"{'Envoy +p50':>12}{'+p99':>8}"
    )
    for scenario in streams["scenarios"]:
        for name, path in scenario["paths"].items():
            first, last = path["ttfe_ms"], path["ttle_ms"]
            added = scenario["added_by_envoy_ms"].get(name, {})
            print(
                f"{scenario['clients']:<9}{path['label']:<20}{path['samples']:>8}"
                f"{path['errors']:>7}{first.get('p50', 0):>10.2f}{first.get('p90', 0):>8.2f}"
                f"{first.get('p99', 0):>8.2f}{first.get('max', 0):>8.2f}"
                f"{last.get('p50', 0):>10.2f}{last.get('p99', 0):>8.2f}"
                + (f"{_signed(added.get('p50'))}{_signed(added.get('p99'), 8)}" if added else "")
            )
    goal = ai["stream_target"]
    print(
        f"target ({goal['goal']}, {goal['scenario_clients']} client): "
        + ", ".join(f"{name} {value:+.2f} ms" for name, value in goal["added_p99_ms"].items())
        + f", {'met' if goal['met'] else 'not met'}"
    )
    ideas = ai["content_ideas"]
    print(
        f"\nPOST {IDEAS_PATH} (spec request, 3 ideas saved per call): "
        f"{ideas['connections']} connections, {ideas['duration_s']:g} s x {ideas['rounds']} rounds,"
        " medians"
    )
    print(f"{'system':<18}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for system in ideas["systems"].values():
        print(
            f"{system['label']:<18}{system['rps']:>10.1f}{system['p50_ms']:>9.2f}"
            f"{system['p99_ms']:>9.2f}{system['errors']:>8}"
        )


def _signed(value: float | None, width: int = 12) -> str:
    return f"{'' if value is None else f'{value:+.2f}':>{width}}"

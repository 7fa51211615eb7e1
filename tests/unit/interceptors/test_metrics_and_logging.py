from __future__ import annotations

import json
import logging

import grpc
import pytest
from grpc_health.v1 import health_pb2 as probe_pb2
from huntaze.v1 import ai_assistant_pb2, auth_pb2, users_pb2
from prometheus_client import CollectorRegistry
from support.interceptor_harness import Stubs, bearer, make_token, rpc_error

from interceptors.logging import JsonFormatter, configure_logging

UNARY = {"grpc_type": "unary", "grpc_service": "huntaze.v1.UserService", "grpc_method": "GetMe"}
STREAM = {
    "grpc_type": "server_stream",
    "grpc_service": "huntaze.v1.AIAssistantService",
    "grpc_method": "GenerateText",
}


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


async def test_rpc_counters_carry_method_type_and_code(stubs: Stubs) -> None:
    auth = bearer(make_token("u1"))
    await stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=auth)
    await rpc_error(stubs.users.GetMe(users_pb2.GetMeRequest()))
    registry = stubs.registry
    assert value(registry, "grpc_server_started_total", **UNARY) == 2
    assert value(registry, "grpc_server_handled_total", **UNARY, grpc_code="OK") == 1
    assert value(registry, "grpc_server_handled_total", **UNARY, grpc_code="Unauthenticated") == 1
    assert value(registry, "grpc_server_handling_seconds_count", **UNARY) == 2
    assert value(registry, "grpc_server_in_flight", **UNARY) == 0


async def test_stream_messages_are_counted(stubs: Stubs) -> None:
    call = stubs.assistant.GenerateText(
        ai_assistant_pb2.GenerateTextRequest(prompt="hi"), metadata=bearer(make_token())
    )
    assert len([m async for m in call]) == 2
    assert value(stubs.registry, "grpc_server_msg_received_total", **STREAM) == 1
    assert value(stubs.registry, "grpc_server_msg_sent_total", **STREAM) == 2
    assert value(stubs.registry, "grpc_server_handled_total", **STREAM, grpc_code="OK") == 1


async def test_access_log_line_per_rpc(stubs: Stubs, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="huntaze.access"):
        await stubs.users.GetMe(
            users_pb2.GetMeRequest(),
            metadata=(*bearer(make_token("u5")), ("x-request-id", "acc-1")),
        )
        await rpc_error(stubs.users.GetMe(users_pb2.GetMeRequest()))
    ok, denied = [r for r in caplog.records if r.name == "huntaze.access"]
    assert (ok.method, ok.grpc_code, ok.user_id, ok.client_address) == (
        "/huntaze.v1.UserService/GetMe",
        "OK",
        "u5",
        "127.0.0.1",
    )
    assert ok.duration_ms >= 0
    assert (denied.grpc_code, denied.user_id) == ("UNAUTHENTICATED", None)


async def test_successful_health_probes_log_at_debug_only(
    stubs: Stubs, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="huntaze.access"):
        await stubs.probe.Check(probe_pb2.HealthCheckRequest())
        await stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=bearer(make_token("u6")))
    levels = {r.method: r.levelno for r in caplog.records if r.name == "huntaze.access"}
    assert levels == {
        "/grpc.health.v1.Health/Check": logging.DEBUG,
        "/huntaze.v1.UserService/GetMe": logging.INFO,
    }


def test_json_formatter_writes_one_object_with_extras() -> None:
    record = logging.LogRecord(
        "huntaze.test", logging.WARNING, __file__, 1, "hi %s", ("you",), None
    )
    record.user_id = "u1"
    record.event = "test"
    record.method = "/m"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "hi you"
    assert (entry["level"], entry["logger"], entry["user_id"]) == ("WARNING", "huntaze.test", "u1")
    assert entry["ts"].endswith("+00:00")
    assert "request_id" not in entry
    assert list(entry)[-3:] == ["user_id", "event", "method"]  # as given: lines read alike


def test_json_formatter_writes_values_orjson_refuses() -> None:
    record = logging.LogRecord("huntaze.test", logging.INFO, __file__, 1, "big", None, None)
    record.count = 2**70  # beyond 64 bits: orjson refuses it, the standard library does not
    record.note = "é\u2028"
    entry = json.loads(JsonFormatter().format(record))
    assert (entry["count"], entry["note"]) == (2**70, "é\u2028")


async def test_configure_logging_tags_lines_with_the_request_id(
    stubs: Stubs, capfd: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure_logging("INFO")
        await stubs.auth.SignIn(
            auth_pb2.SignInRequest(email="a@example.com", password="x"),
            metadata=(("x-request-id", "json-1"),),
        )
    finally:
        root.handlers[:], _ = saved[0], root.setLevel(saved[1])
    lines = [
        json.loads(line) for line in capfd.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [line for line in lines if line["logger"] == "huntaze.access"]
    assert access[0]["request_id"] == "json-1"
    assert access[0]["grpc_code"] == grpc.StatusCode.OK.name

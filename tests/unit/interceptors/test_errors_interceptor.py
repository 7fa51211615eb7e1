from __future__ import annotations

import json
import logging

import grpc
import pytest
from google.rpc import error_details_pb2, status_pb2
from huntaze.v1 import ai_assistant_pb2, users_pb2
from support.interceptor_harness import (
    Stubs,
    bearer,
    make_token,
    rpc_error,
    status_detail,
    status_details,
)

from interceptors.errors import to_status
from interceptors.logging import JsonFormatter
from services import errors


def auth() -> tuple[tuple[str, str], ...]:
    """Minted when the test runs: a token minted at import expires before a long suite ends."""
    return bearer(make_token("u1", "free"))


async def test_unexpected_exception_is_internal_without_its_message(
    stubs: Stubs, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="huntaze.errors"):
        error = await rpc_error(
            stubs.users.UpdateMe(
                users_pb2.UpdateMeRequest(name="boom"),
                metadata=(*auth(), ("x-request-id", "req-internal-1")),
            )
        )
    assert error.code() == grpc.StatusCode.INTERNAL
    assert error.details() == "internal error"
    assert "hunter2" not in str(error.trailing_metadata())
    [record] = [r for r in caplog.records if r.name == "huntaze.errors"]
    line = json.loads(JsonFormatter().format(record))
    assert "RuntimeError: database password is hunter2" in line["exc"]
    assert line["request_id"] == "req-internal-1"
    counted = stubs.registry.get_sample_value(
        "huntaze_unexpected_errors_total",
        {
            "grpc_service": "huntaze.v1.UserService",
            "grpc_method": "UpdateMe",
            "exception": "RuntimeError",
        },
    )
    assert counted == 1


async def test_undecodable_bytes_are_invalid_argument_not_internal(stubs: Stubs) -> None:
    """A string field that is not UTF-8 (Envoy passes `%ff` through): a 400 naming no class."""
    raw = b"\x0a\x02\xff\xfe"  # UpdateMeRequest.name (field 1) = two invalid UTF-8 bytes
    update = stubs.channel.unary_unary("/huntaze.v1.UserService/UpdateMe")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await update(raw, metadata=auth())
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.details() == "invalid request: a text field is not valid UTF-8"
    unexpected = stubs.registry.get_sample_value(
        "huntaze_unexpected_errors_total",
        {
            "grpc_service": "huntaze.v1.UserService",
            "grpc_method": "UpdateMe",
            "exception": "DecodeError",
        },
    )
    assert unexpected is None


async def test_domain_error_maps_to_its_code_with_error_info(stubs: Stubs) -> None:
    error = await rpc_error(
        stubs.users.UpdateMe(users_pb2.UpdateMeRequest(name="ghost"), metadata=auth())
    )
    assert (error.code(), error.details()) == (grpc.StatusCode.NOT_FOUND, "user not found")
    assert status_details(error).code == grpc.StatusCode.NOT_FOUND.value[0]
    assert status_detail(error, error_details_pb2.ErrorInfo).reason == "NOT_FOUND"


async def test_generated_base_class_is_unimplemented(stubs: Stubs) -> None:
    error = await rpc_error(stubs.users.DeleteMe(users_pb2.DeleteMeRequest(), metadata=auth()))
    assert error.code() == grpc.StatusCode.UNIMPLEMENTED


async def test_error_in_the_middle_of_a_stream_is_mapped(stubs: Stubs) -> None:
    call = stubs.assistant.GenerateText(
        ai_assistant_pb2.GenerateTextRequest(prompt="fail"), metadata=auth()
    )
    received = []
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for message in call:
            received.append(message.delta)
    assert received == ["hello "]
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert caught.value.details() == "model went away"


async def test_stream_that_succeeds_sends_request_id_before_the_first_message(
    stubs: Stubs,
) -> None:
    call = stubs.assistant.GenerateText(
        ai_assistant_pb2.GenerateTextRequest(prompt="hi"),
        metadata=(*auth(), ("x-request-id", "stream-1")),
    )
    deltas = [message.delta async for message in call]
    assert deltas == ["hello ", "world"]
    assert dict(await call.initial_metadata())["x-request-id"] == "stream-1"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.InvalidArgument("bad"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.PayloadTooLarge("big"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.FailedPrecondition("state"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.Unauthenticated("who"), grpc.StatusCode.UNAUTHENTICATED),
        (errors.PermissionDenied("no"), grpc.StatusCode.PERMISSION_DENIED),
        (errors.NotFound("none"), grpc.StatusCode.NOT_FOUND),
        (errors.Conflict("dup"), grpc.StatusCode.ALREADY_EXISTS),
        (errors.QuotaExceeded("slow down"), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (errors.Unavailable("down"), grpc.StatusCode.UNAVAILABLE),
        (NotImplementedError(), grpc.StatusCode.UNIMPLEMENTED),
        (KeyError("x"), grpc.StatusCode.INTERNAL),
    ],
)
def test_mapping_table(error: BaseException, code: grpc.StatusCode) -> None:
    assert to_status(error)[0] == code


def test_quota_exceeded_carries_retry_info_and_a_rounded_up_retry_after() -> None:
    _, _, trailers = to_status(errors.QuotaExceeded("slow down", retry_after=2.1))
    metadata = dict(trailers)
    assert metadata["retry-after"] == "3"
    status = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
    retry = error_details_pb2.RetryInfo()
    assert any(d.Unpack(retry) for d in status.details if d.Is(retry.DESCRIPTOR))
    assert retry.retry_delay.seconds == 3


def test_field_violations_of_the_domain_reach_clients_as_json_paths() -> None:
    error = errors.InvalidArgument(
        "recipient.last_purchase_at: give it",
        [
            errors.FieldViolation(
                "recipient.last_purchase_at", "give it", "template.missing_value"
            ),
            errors.FieldViolation('checks["db_main"].status', "bad", "x"),
            errors.FieldViolation("", "whole request", "y"),
        ],
    )
    _, message, trailers = to_status(error)
    assert message == "recipient.lastPurchaseAt: give it"  # the message speaks JSON too
    status = status_pb2.Status.FromString(dict(trailers)["grpc-status-details-bin"])
    bad_request = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad_request) for d in status.details if d.Is(bad_request.DESCRIPTOR))
    assert [(v.field, v.reason) for v in bad_request.field_violations] == [
        ("recipient.lastPurchaseAt", "template.missing_value"),
        ('checks["db_main"].status', "x"),
        ("", "y"),
    ]

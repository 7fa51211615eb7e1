from __future__ import annotations

from types import SimpleNamespace

import grpc
from google.api import httpbody_pb2
from google.rpc import error_details_pb2
from huntaze.v1 import ai_assistant_pb2, auth_pb2, users_pb2
from support.interceptor_harness import Stubs, bearer, make_token, rpc_error, status_detail

from interceptors.validation import field_path, json_name, json_path


def auth() -> tuple[tuple[str, str], ...]:
    """Minted when the test runs: a token minted at import expires before a long suite ends."""
    return bearer(make_token("u1", "pro"))


def bad_request(error: grpc.aio.AioRpcError) -> error_details_pb2.BadRequest:
    return status_detail(error, error_details_pb2.BadRequest)


def field_violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    return {v.field: v.description for v in bad_request(error).field_violations}


async def test_violations_carry_the_rule_id_as_reason(stubs: Stubs) -> None:
    request = auth_pb2.SignUpRequest(
        name="Ava", email="not-an-email", password="lettersonly", accept_terms=True
    )
    error = await rpc_error(stubs.auth.SignUp(request))
    reasons = {v.field: v.reason for v in bad_request(error).field_violations}
    assert reasons == {"email": "string.email", "password": "password.letter_and_digit"}


async def test_each_bad_field_is_named_in_bad_request_details(stubs: Stubs) -> None:
    request = auth_pb2.SignUpRequest(name="", email="not-an-email", password="short")
    error = await rpc_error(stubs.auth.SignUp(request))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(error)
    assert set(violations) == {"name", "email", "password", "acceptTerms"}
    assert "email" in violations["email"]


async def test_nested_and_repeated_paths_use_json_names(stubs: Stubs) -> None:
    request = users_pb2.UpdateMeRequest(
        profile=users_pb2.CreatorProfile(content_types=["photo", "podcast"])
    )
    error = await rpc_error(stubs.users.UpdateMe(request, metadata=auth()))
    assert list(field_violations(error)) == ["profile.contentTypes[1]"]


async def test_message_level_rules_name_the_message(stubs: Stubs) -> None:
    request = ai_assistant_pb2.OptimizePricingRequest(
        content_type="photo",
        min_price=50,
        max_price=10,
        history=[ai_assistant_pb2.PricePoint(price=5, offers=1, purchases=3)],
    )
    error = await rpc_error(stubs.assistant.OptimizePricing(request, metadata=auth()))
    assert field_violations(error) == {
        "": "minPrice must not exceed maxPrice",
        "history[0]": "purchases cannot exceed offers",
    }


async def test_valid_request_reaches_the_servicer(stubs: Stubs) -> None:
    response = await stubs.users.UpdateMe(users_pb2.UpdateMeRequest(name="Ada"), metadata=auth())
    assert response.user.name == "Ada"


async def test_client_stream_of_http_body_is_not_validated(stubs: Stubs) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(3):
            yield httpbody_pb2.HttpBody(content_type="image/png", data=b"x" * 10)

    await stubs.content.UploadAsset(chunks(), metadata=auth())


def test_json_name_matches_protoc() -> None:
    assert json_name("content_types") == "contentTypes"
    assert json_name("accept_terms") == "acceptTerms"
    assert json_name("name") == "name"


def test_field_path_subscripts() -> None:
    def element(name: str, kind: str | None = None, value: object = None) -> SimpleNamespace:
        subscript = SimpleNamespace(field=kind, value=value) if kind else None
        return SimpleNamespace(field_name=name, subscript=subscript)

    path = [
        element("creator_profile"),
        element("by_key", "string_key", 'a"b'),
        element("by_number", "int_key", -3),
        element("flags", "bool_key", True),
        element("content_types", "index", 1),
    ]
    assert (
        field_path(path)
        == 'creator_profile.by_key["a\\"b"].by_number[-3].flags[true].content_types[1]'
    )
    assert field_path([]) == ""


def test_json_path_converts_field_names_and_keeps_subscripts() -> None:
    assert json_path("recipient.last_purchase_at") == "recipient.lastPurchaseAt"
    assert json_path("history[0].purchases") == "history[0].purchases"
    assert (
        json_path('creator_profile.by_key["a_b.c]\\"d"].flags[true].content_types[1]')
        == 'creatorProfile.byKey["a_b.c]\\"d"].flags[true].contentTypes[1]'
    )
    assert json_path("") == ""


async def test_the_status_message_names_json_paths_too(stubs: Stubs) -> None:
    request = users_pb2.UpdateMeRequest(
        profile=users_pb2.CreatorProfile(content_types=["photo", "podcast"])
    )
    error = await rpc_error(stubs.users.UpdateMe(request, metadata=auth()))
    assert "profile.contentTypes[1]: " in (error.details() or "")


async def test_nul_characters_are_named_by_json_path(stubs: Stubs) -> None:
    request = users_pb2.UpdateMeRequest(
        profile=users_pb2.CreatorProfile(audience_preferences=["yoga", "no\x00pe"])
    )
    error = await rpc_error(stubs.users.UpdateMe(request, metadata=auth()))
    reasons = {v.field: v.reason for v in bad_request(error).field_violations}
    assert reasons == {"profile.audiencePreferences[1]": "string.no_nul"}

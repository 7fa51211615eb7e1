from __future__ import annotations

import uuid

from huntaze.v1 import auth_pb2, users_pb2
from interceptor_harness import Stubs, bearer, make_token, rpc_error, serve, settings_for

from interceptors.context import peer_ip, request_id_from

SIGN_IN = auth_pb2.SignInRequest(email="a@example.com", password="x")


async def test_incoming_request_id_is_kept_and_returned(stubs: Stubs) -> None:
    call = stubs.auth.SignIn(SIGN_IN, metadata=(("x-request-id", "req-123.abc_DEF"),))
    await call
    headers = dict(await call.initial_metadata())
    assert headers["x-request-id"] == "req-123.abc_DEF"
    assert stubs.seen.request_ids == ["req-123.abc_DEF"]


async def test_missing_or_insane_request_id_is_replaced_by_a_uuid(stubs: Stubs) -> None:
    for metadata in (
        (),
        (("x-request-id", "bad id; with spaces!"),),
        (("x-request-id", "a" * 129),),
    ):
        call = stubs.auth.SignIn(SIGN_IN, metadata=metadata)
        await call
        returned = dict(await call.initial_metadata())["x-request-id"]
        assert uuid.UUID(returned).version == 4
    assert len(set(stubs.seen.request_ids)) == 3


async def test_servicer_headers_are_sent_as_initial_metadata(stubs: Stubs) -> None:
    call = stubs.auth.SignIn(SIGN_IN)
    await call
    assert ("set-cookie", "refreshToken=abc; HttpOnly") in tuple(await call.initial_metadata())


async def test_request_id_comes_back_in_error_trailers(stubs: Stubs) -> None:
    error = await rpc_error(
        stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=(("x-request-id", "r-9"),))
    )
    assert dict(error.trailing_metadata())["x-request-id"] == "r-9"


async def test_forwarded_client_address_is_ignored_from_an_untrusted_peer() -> None:
    async with serve(settings_for(trusted_proxies=["10.0.0.0/8"])) as stubs:
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "203.0.113.7"),))
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-forwarded-for", "203.0.113.8"),))
    assert stubs.seen.client_addresses == ["127.0.0.1", "127.0.0.1"]


async def test_forwarded_client_address_is_honoured_from_a_trusted_proxy() -> None:
    async with serve(settings_for(trusted_proxies=["127.0.0.1"])) as stubs:
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "203.0.113.7"),))
        # X-Forwarded-For is never used, even from a trusted proxy.
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-forwarded-for", "203.0.113.8"),))
    assert stubs.seen.client_addresses == ["203.0.113.7", "127.0.0.1"]


async def test_principal_reaches_the_servicer(stubs: Stubs) -> None:
    response = await stubs.users.GetMe(
        users_pb2.GetMeRequest(), metadata=bearer(make_token("user-42", "pro"))
    )
    assert (response.user.id, response.user.subscription) == ("user-42", "pro")


def test_peer_ip_parses_grpc_peer_strings() -> None:
    assert peer_ip("ipv4:127.0.0.1:5555") == "127.0.0.1"
    assert peer_ip("ipv6:[::1]:5555") == "::1"
    assert peer_ip("unix:/tmp/sock") == "unix:/tmp/sock"


def test_request_id_from_accepts_only_sane_tokens() -> None:
    assert request_id_from("abc-1.2_3") == "abc-1.2_3"
    assert request_id_from("x" * 128) == "x" * 128
    assert request_id_from("x" * 129) != "x" * 129
    assert request_id_from("") != ""

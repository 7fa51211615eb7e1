from __future__ import annotations

import uuid

from huntaze.v1 import auth_pb2, users_pb2
from support.interceptor_harness import Stubs, bearer, make_token, rpc_error, serve

from interceptors.context import client_address_from, peer_ip, request_id_from

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


async def test_the_address_header_is_ignored_on_tcp() -> None:
    """The shared TCP port (internal callers) believes the socket, never a header."""
    async with serve() as stubs:
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "203.0.113.7"),))
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-forwarded-for", "203.0.113.8"),))
    assert stubs.seen.client_addresses == ["127.0.0.1", "127.0.0.1"]


async def test_the_address_header_is_believed_on_the_private_socket() -> None:
    """Only Envoy reaches a worker's private Unix socket: there its header is the address."""
    async with serve(via_unix_socket=True) as stubs:
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "203.0.113.7"),))
        # X-Forwarded-For is never used; without Envoy's header the caller is "local".
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-forwarded-for", "203.0.113.8"),))
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "garbage"),))
    assert stubs.seen.client_addresses == ["203.0.113.7", "local", "local"]


def test_client_address_from_each_kind_of_peer() -> None:
    assert client_address_from("ipv4:10.1.2.3:5555", "203.0.113.7") == "10.1.2.3"
    assert client_address_from("ipv6:[2001:db8::1]:5555", "203.0.113.7") == "2001:db8::1"
    assert client_address_from("unix:/run/huntaze/worker-0.sock", " 203.0.113.7 ") == "203.0.113.7"
    assert client_address_from("unix:", "2001:db8::5") == "2001:db8::5"
    assert client_address_from("unix:", None) == "local"


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

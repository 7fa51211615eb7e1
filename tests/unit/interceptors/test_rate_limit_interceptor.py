from __future__ import annotations

import uuid

import grpc
import pytest
from huntaze.v1 import auth_pb2, health_pb2, options_pb2, users_pb2
from support.interceptor_harness import (
    bearer,
    bucket_table_limiter,
    make_token,
    rpc_error,
    serve,
    settings_for,
)

from interceptors.rate_limit import CLASS_NAMES, RULE_NAMES, address_key

SIGN_IN = auth_pb2.SignInRequest(email="a@example.com", password="x")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_exhausted_bucket_answers_resource_exhausted_with_headers() -> None:
    clock = FakeClock()
    settings = settings_for(rate_limit_auth="3/60")
    async with bucket_table_limiter(clock) as limiter, serve(settings, limiter=limiter) as stubs:
        for remaining in (2, 1, 0):
            call = stubs.auth.SignIn(SIGN_IN)
            await call
            headers = dict(await call.initial_metadata())
            assert headers["ratelimit-policy"] == '"auth";q=3;w=60'
            assert headers["ratelimit"].startswith(f'"auth";r={remaining};t=')

        error = await rpc_error(stubs.auth.SignIn(SIGN_IN))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        trailers = dict(error.trailing_metadata())
        assert trailers["retry-after"] == "20"  # one token every 60/3 s
        assert trailers["ratelimit"] == '"auth";r=0;t=60'
        assert trailers["ratelimit-policy"] == '"auth";q=3;w=60'
        assert "x-request-id" in trailers

        clock.now += 20  # one token back, no sleeping
        await stubs.auth.SignIn(SIGN_IN)


async def test_anonymous_callers_behind_envoy_are_keyed_by_client_address() -> None:
    settings = settings_for(rate_limit_auth="1/60")
    async with serve(settings, via_unix_socket=True) as stubs:
        first = (("x-huntaze-client-address", "203.0.113.1"),)
        second = (("x-huntaze-client-address", "203.0.113.2"),)
        await stubs.auth.SignIn(SIGN_IN, metadata=first)
        error = await rpc_error(stubs.auth.SignIn(SIGN_IN, metadata=first))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        await stubs.auth.SignIn(SIGN_IN, metadata=second)


async def test_a_spoofed_address_on_tcp_does_not_get_a_fresh_bucket() -> None:
    settings = settings_for(rate_limit_auth="1/60")
    async with serve(settings) as stubs:
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "198.51.100.1"),))
        error = await rpc_error(
            stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "198.51.100.2"),))
        )
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_authenticated_callers_are_keyed_by_user_and_class() -> None:
    settings = settings_for(rate_limit_standard="1/60")
    async with serve(settings) as stubs:
        alice, bob = bearer(make_token("alice")), bearer(make_token("bob"))
        await stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=alice)
        error = await rpc_error(stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=alice))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        await stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=bob)


async def test_session_methods_are_keyed_by_the_refresh_token_family() -> None:
    """Refresh and logout: each browser session has its own bucket, whatever its address."""
    settings = settings_for(rate_limit_session="1/60")
    busy, quiet = str(uuid.uuid4()), str(uuid.uuid4())

    def cookie(family: str) -> tuple[tuple[str, str], ...]:
        return (("cookie", f"refreshToken={family}.secret"),)

    async with serve(settings) as stubs:
        logout = auth_pb2.LogoutRequest()
        await stubs.auth.Logout(logout, metadata=cookie(busy))
        error = await rpc_error(stubs.auth.Logout(logout, metadata=cookie(busy)))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        await stubs.auth.Logout(logout, metadata=cookie(quiet))
        # No family in the cookie: the address is the key (one bucket for all such calls).
        await stubs.auth.Logout(logout)
        error = await rpc_error(stubs.auth.Logout(logout, metadata=(("cookie", "refreshToken=x"),)))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_unlimited_class_has_no_bucket_and_no_headers() -> None:
    settings = settings_for(rate_limit_standard="1/60")
    async with serve(settings) as stubs:
        for _ in range(5):
            call = stubs.health.GetHealth(health_pb2.GetHealthRequest())
            await call
            assert "ratelimit" not in dict(await call.initial_metadata())


def test_ipv6_callers_are_keyed_by_their_64_bit_prefix() -> None:
    assert address_key("2001:db8:1:2:aaaa::1") == address_key("2001:db8:1:2:bbbb::9")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("203.0.113.7") == "203.0.113.7"
    assert address_key("local") == "local"


def test_every_rate_limit_class_of_the_protos_has_a_rule() -> None:
    """A class added to options.proto must get a setting here, or calls would fall back."""
    assert set(CLASS_NAMES) == set(options_pb2.RateLimitClass.values())
    rules = settings_for().rate_limit_rules()
    assert set(rules) == set(RULE_NAMES) == set(filter(None, CLASS_NAMES.values()))
    assert all(rule.capacity >= 1 for rule in rules.values())


@pytest.mark.parametrize("text", ["0/60", "5/0", "x/60", "-1/60"])
def test_a_bad_rule_is_refused_at_start(text: str) -> None:
    with pytest.raises(ValueError, match=r"bad rate limit|invalid literal"):
        settings_for(rate_limit_auth=text)

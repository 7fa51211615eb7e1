from __future__ import annotations

import logging

import grpc
import pytest
from huntaze.v1 import auth_pb2, health_pb2, options_pb2, users_pb2
from interceptor_harness import bearer, make_token, rpc_error, serve, settings_for

from interceptors.rate_limit import CLASS_NAMES, MemoryRateLimiter, create_rate_limiter
from server.config import RateLimitRule

SIGN_IN = auth_pb2.SignInRequest(email="a@example.com", password="x")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_exhausted_bucket_answers_resource_exhausted_with_headers() -> None:
    clock = FakeClock()
    settings = settings_for(rate_limit_auth="3/60")
    async with serve(settings, limiter=MemoryRateLimiter(clock=clock)) as stubs:
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


async def test_anonymous_callers_are_keyed_by_client_address() -> None:
    settings = settings_for(rate_limit_auth="1/60", trusted_proxies=["127.0.0.1"])
    async with serve(settings, limiter=MemoryRateLimiter(clock=FakeClock())) as stubs:
        first = (("x-huntaze-client-address", "203.0.113.1"),)
        second = (("x-huntaze-client-address", "203.0.113.2"),)
        await stubs.auth.SignIn(SIGN_IN, metadata=first)
        error = await rpc_error(stubs.auth.SignIn(SIGN_IN, metadata=first))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        await stubs.auth.SignIn(SIGN_IN, metadata=second)


async def test_spoofed_address_from_an_untrusted_peer_does_not_get_a_fresh_bucket() -> None:
    settings = settings_for(rate_limit_auth="1/60", trusted_proxies=["10.0.0.1"])
    async with serve(settings, limiter=MemoryRateLimiter(clock=FakeClock())) as stubs:
        await stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "198.51.100.1"),))
        error = await rpc_error(
            stubs.auth.SignIn(SIGN_IN, metadata=(("x-huntaze-client-address", "198.51.100.2"),))
        )
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_authenticated_callers_are_keyed_by_user_and_class() -> None:
    settings = settings_for(rate_limit_standard="1/60")
    async with serve(settings, limiter=MemoryRateLimiter(clock=FakeClock())) as stubs:
        alice, bob = bearer(make_token("alice")), bearer(make_token("bob"))
        await stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=alice)
        error = await rpc_error(stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=alice))
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        await stubs.users.GetMe(users_pb2.GetMeRequest(), metadata=bob)


async def test_unlimited_class_has_no_bucket_and_no_headers() -> None:
    settings = settings_for(rate_limit_standard="1/60")
    async with serve(settings, limiter=MemoryRateLimiter(clock=FakeClock())) as stubs:
        for _ in range(5):
            call = stubs.health.GetHealth(health_pb2.GetHealthRequest())
            await call
            assert "ratelimit" not in dict(await call.initial_metadata())


async def test_memory_limiter_divides_each_bucket_by_the_workers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="huntaze.rate_limit"):
        limiter = create_rate_limiter(settings_for(), workers=4)
    assert "1/4" in caplog.text
    rule = RateLimitRule(capacity=20, per_seconds=60)
    decisions = [await limiter.acquire("k", rule) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert decisions[0].limit == 5
    assert decisions[-1].retry_after == pytest.approx(60 / 5, abs=0.1)


async def test_single_worker_memory_limiter_keeps_the_full_limit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="huntaze.rate_limit"):
        limiter = create_rate_limiter(settings_for(), workers=1)
    assert caplog.records == []
    decision = await limiter.acquire("k", RateLimitRule(capacity=20, per_seconds=60))
    assert (decision.limit, decision.remaining) == (20, 19)


async def test_memory_limiter_is_bounded_and_forgets_refilled_buckets() -> None:
    clock = FakeClock()
    limiter = MemoryRateLimiter(max_buckets=3, clock=clock)
    rule = RateLimitRule(capacity=2, per_seconds=10)
    for key in "abcde":
        await limiter.acquire(key, rule)
    assert len(limiter) == 3
    clock.now += 10  # every bucket is full again: forgetting them loses nothing
    await limiter.acquire("z", rule)
    assert len(limiter) == 1


def test_every_rate_limit_class_of_the_protos_has_a_rule() -> None:
    """A class added to options.proto must get a setting here, or calls would fall back."""
    assert set(CLASS_NAMES) == set(options_pb2.RateLimitClass.values())
    settings = settings_for()
    for name in filter(None, CLASS_NAMES.values()):
        assert settings.rate_limit_rule(name).capacity >= 1

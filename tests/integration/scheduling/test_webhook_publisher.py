"""WebhookPublisher with its own httpx client against a real HTTP consumer (PublishReceiver):
what the receiver gets, and how each way of failing reaches the scheduler.

One receiver serves the module; each test starts from `reset()` with no failure injected.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from support.publish_receiver import PublishReceiver

from services.scheduling.publishing import (
    Delivery,
    PublishFailed,
    PublishOutcomeUnknown,
    WebhookPublisher,
    sign,
    verify,
)

SECRET = "whsec_integration"


def a_delivery(post_id: str = "p1", platform: str = "instagram", attempt: int = 1) -> Delivery:
    return Delivery(
        post_id=post_id,
        user_id="u1",
        platform=platform,
        idempotency_key=f"{post_id}:{platform}",
        title="New set",
        description="Out now",
        content_type="photo",
        asset_ids=("a1",),
        campaign_id="c1",
        scheduled_at=datetime.now(UTC) - timedelta(seconds=5),
        attempt=attempt,
    )


@pytest.fixture(scope="module")
def module_receiver() -> Iterator[PublishReceiver]:
    with PublishReceiver(SECRET) as receiver:
        yield receiver


@pytest.fixture
def receiver(module_receiver: PublishReceiver) -> PublishReceiver:
    module_receiver.reset()
    module_receiver.fail_ratio = 0.0
    module_receiver.fail_status = 503
    module_receiver.fail_first_n = 0
    module_receiver.delay_seconds = 0.0
    module_receiver.retry_after = None
    return module_receiver


@pytest.fixture
async def publisher(receiver: PublishReceiver) -> AsyncIterator[WebhookPublisher]:
    publisher = WebhookPublisher(receiver.url, SECRET, timeout=2.0)
    try:
        yield publisher
    finally:
        await publisher.aclose()


async def test_a_delivery_is_one_signed_event(
    receiver: PublishReceiver, publisher: WebhookPublisher
) -> None:
    delivery = a_delivery()
    await publisher.publish(delivery)

    assert list(receiver.by_key) == ["p1:instagram"]
    assert len(receiver.received) == 1 and receiver.duplicates == 0
    (call,) = receiver.calls
    assert call.status == 200
    assert call.headers["content-type"] == "application/json"
    assert call.headers["idempotency-key"] == "p1:instagram"
    assert call.headers["user-agent"] == "Huntaze-Scheduler/1"
    assert verify(SECRET, call.headers["huntaze-signature"], call.body, now=int(time.time()))
    event = receiver.by_key["p1:instagram"]
    assert event == json.loads(call.body)
    assert event["id"] == "p1:instagram" and event["type"] == "post.publish"
    assert event["data"]["postId"] == "p1" and event["data"]["platform"] == "instagram"
    assert event["data"]["assetIds"] == ["a1"] and event["data"]["attempt"] == 1
    assert receiver.received_at["p1:instagram"] >= delivery.scheduled_at.timestamp()


async def test_the_receiver_refuses_a_bad_signature(receiver: PublishReceiver) -> None:
    body = b'{"id":"p9:tiktok"}'
    async with httpx.AsyncClient() as client:
        forged = sign("whsec_wrong", body, int(time.time()))
        response = await client.post(
            receiver.url,
            content=body,
            headers={"Huntaze-Signature": forged, "Idempotency-Key": "p9:tiktok"},
        )
    assert response.status_code == 401
    assert receiver.rejected == 1 and receiver.by_key == {}


async def test_a_wrong_secret_is_a_permanent_refusal(receiver: PublishReceiver) -> None:
    publisher = WebhookPublisher(receiver.url, "whsec_wrong", timeout=2.0)
    try:
        with pytest.raises(PublishFailed) as caught:
            await publisher.publish(a_delivery())
    finally:
        await publisher.aclose()
    assert caught.value.permanent and caught.value.reason == "webhook refused the event (401)"


async def test_503_is_transient(receiver: PublishReceiver, publisher: WebhookPublisher) -> None:
    receiver.fail_first_n = 1
    with pytest.raises(PublishFailed) as caught:
        await publisher.publish(a_delivery())
    assert not caught.value.permanent
    assert caught.value.reason == "webhook answered 503"
    assert caught.value.retry_after is None
    assert receiver.by_key == {} and receiver.failed == 1

    await publisher.publish(a_delivery(attempt=2))  # the retry goes through
    assert receiver.by_key["p1:instagram"]["data"]["attempt"] == 2


async def test_400_is_permanent(receiver: PublishReceiver, publisher: WebhookPublisher) -> None:
    receiver.fail_first_n, receiver.fail_status = 1, 400
    with pytest.raises(PublishFailed) as caught:
        await publisher.publish(a_delivery())
    assert caught.value.permanent
    assert caught.value.reason == "webhook refused the event (400)"


async def test_429_carries_retry_after(
    receiver: PublishReceiver, publisher: WebhookPublisher
) -> None:
    receiver.fail_first_n, receiver.fail_status, receiver.retry_after = 1, 429, 7
    with pytest.raises(PublishFailed) as caught:
        await publisher.publish(a_delivery())
    assert not caught.value.permanent
    assert caught.value.retry_after == 7


async def test_a_timeout_is_unknown_and_the_retry_a_duplicate(receiver: PublishReceiver) -> None:
    receiver.delay_seconds = 2.0
    publisher = WebhookPublisher(receiver.url, SECRET, timeout=0.3)
    try:
        started = time.monotonic()
        with pytest.raises(PublishOutcomeUnknown) as caught:
            await publisher.publish(a_delivery())
        assert time.monotonic() - started < 1.5
        assert caught.value.reason == "webhook timed out after 0.3 s"
        # The receiver did act on it: the answer was late, not missing.
        assert list(receiver.by_key) == ["p1:instagram"]

        receiver.delay_seconds = 0.0
        await publisher.publish(a_delivery(attempt=2))  # same key
    finally:
        await publisher.aclose()
    assert receiver.duplicates == 1
    assert len(receiver.by_key) == 1 and len(receiver.received) == 2
    assert receiver.by_key["p1:instagram"]["data"]["attempt"] == 1  # the first one counts


async def test_a_closed_port_is_transient() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    publisher = WebhookPublisher(f"http://127.0.0.1:{port}/hooks", SECRET, timeout=2.0)
    try:
        with pytest.raises(PublishFailed) as caught:
            await publisher.publish(a_delivery())
    finally:
        await publisher.aclose()
    assert not caught.value.permanent
    assert caught.value.reason == "could not connect to the webhook"


async def test_concurrent_deliveries_each_arrive_once(
    receiver: PublishReceiver, publisher: WebhookPublisher
) -> None:
    deliveries = [
        a_delivery(f"p{i}", platform)
        for i in range(10)
        for platform in ("onlyfans", "instagram", "tiktok")
    ]
    await asyncio.gather(*(publisher.publish(d) for d in deliveries))
    assert await asyncio.to_thread(receiver.wait_for, 30, 5.0)
    assert set(receiver.by_key) == {d.idempotency_key for d in deliveries}
    assert receiver.duplicates == 0


async def test_injected_failures_are_deterministic(receiver: PublishReceiver) -> None:
    receiver.fail_ratio = 0.5
    publisher = WebhookPublisher(receiver.url, SECRET, timeout=2.0)

    async def outcomes() -> list[bool]:
        results = []
        for i in range(20):  # one at a time: the draw order is the call order
            try:
                await publisher.publish(a_delivery(f"p{i}"))
                results.append(True)
            except PublishFailed:
                results.append(False)
        return results

    try:
        first = await outcomes()
        receiver.reset()
        second = await outcomes()
    finally:
        await publisher.aclose()
    assert first == second and 0 < sum(first) < 20
    assert receiver.failed == first.count(False)


def test_wait_for_times_out_without_deliveries(receiver: PublishReceiver) -> None:
    started = time.monotonic()
    assert not receiver.wait_for(1, timeout=0.2)
    assert 0.15 < time.monotonic() - started < 2

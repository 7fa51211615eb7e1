"""The webhook event's signature and shape, and how WebhookPublisher reads an answer (over
httpx.MockTransport: no network; the real HTTP path is tests/integration/scheduling)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from services.scheduling.publishing import (
    MAX_RESPONSE_BYTES,
    Delivery,
    PublishFailed,
    PublishOutcomeUnknown,
    RecordingPublisher,
    WebhookPublisher,
    event_body,
    sign,
    verify,
)

SECRET = "whsec_unit"
BODY = b'{"id":"p1:tiktok"}'
T = 1_793_000_000
NOW = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


def a_delivery(**changes: object) -> Delivery:
    fields: dict[str, object] = {
        "post_id": "p1",
        "user_id": "u1",
        "platform": "tiktok",
        "idempotency_key": "p1:tiktok",
        "title": "Behind the scenes ✨",
        "description": "Saturday's shoot",
        "content_type": "video",
        "asset_ids": ("a1", "a2"),
        "campaign_id": None,
        "scheduled_at": datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        "attempt": 1,
    }
    fields.update(changes)
    return Delivery(**fields)  # type: ignore[arg-type]


# --- sign / verify ---------------------------------------------------------------------------


def test_sign_then_verify_round_trips() -> None:
    header = sign(SECRET, BODY, T)
    assert header.startswith(f"t={T},v1=")
    assert len(header.split("v1=")[1]) == 64  # hex SHA-256
    assert verify(SECRET, header, BODY, now=T)


def test_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, T) == f"t={T},v1={expected}"


def test_a_tampered_body_is_rejected() -> None:
    header = sign(SECRET, BODY, T)
    assert not verify(SECRET, header, BODY.replace(b"p1", b"p2"), now=T)


def test_a_wrong_secret_is_rejected() -> None:
    assert not verify(SECRET, sign("whsec_other", BODY, T), BODY, now=T)


def test_a_replaced_timestamp_is_rejected() -> None:
    signature = sign(SECRET, BODY, T).split(",")[1]
    assert not verify(SECRET, f"t={T + 1},{signature}", BODY, now=T)


@pytest.mark.parametrize(("offset", "ok"), [(300, True), (-300, True), (301, False), (-301, False)])
def test_timestamps_outside_the_tolerance_are_rejected(offset: int, ok: bool) -> None:
    # now - t beyond 300 s: a replay of an old event; t ahead of now: a skewed or forged clock
    assert verify(SECRET, sign(SECRET, BODY, T), BODY, now=T + offset) is ok


def test_the_tolerance_is_configurable() -> None:
    assert not verify(SECRET, sign(SECRET, BODY, T), BODY, now=T + 60, tolerance=30)


def test_any_of_several_v1_entries_may_match_during_a_secret_rotation() -> None:
    old = sign("whsec_old", BODY, T).split(",")[1]
    new = sign("whsec_new", BODY, T).split(",")[1]
    header = f"t={T},{old},{new}"
    assert verify("whsec_old", header, BODY, now=T)
    assert verify("whsec_new", header, BODY, now=T)
    assert not verify("whsec_other", header, BODY, now=T)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"t={T}",
        "v1=abc",
        f"t=abc,v1={'0' * 64}",
        f"t=-{T},v1={'0' * 64}",
        f"t={T},t={T},v1={'0' * 64}",
        f"t={T},v1=é",
    ],
)
def test_malformed_headers_are_rejected(header: str) -> None:
    assert not verify(SECRET, header, BODY, now=T)


def test_unknown_entries_and_spaces_are_ignored() -> None:
    t_part, v1_part = sign(SECRET, BODY, T).split(",")
    assert verify(SECRET, f"{t_part}, v0=legacy, {v1_part}", BODY, now=T)


# --- event_body ------------------------------------------------------------------------------


def test_event_body_shape() -> None:
    delivery = a_delivery(campaign_id="c9", attempt=2)
    raw = event_body(delivery, now=NOW)
    compact = json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode()
    assert raw == compact
    assert json.loads(raw) == {
        "id": "p1:tiktok",
        "type": "post.publish",
        "createdAt": "2026-11-02T09:00:00.000Z",
        "data": {
            "postId": "p1",
            "userId": "u1",
            "platform": "tiktok",
            "title": "Behind the scenes ✨",
            "description": "Saturday's shoot",
            "contentType": "video",
            "assetIds": ["a1", "a2"],
            "campaignId": "c9",
            "scheduledAt": "2026-11-02T08:30:00.000Z",
            "attempt": 2,
        },
    }


def test_event_body_writes_times_in_utc_and_null_campaign() -> None:
    paris = timezone(timedelta(hours=1))
    delivery = a_delivery(scheduled_at=datetime(2026, 11, 2, 9, 30, 0, 123456, tzinfo=paris))
    event = json.loads(event_body(delivery, now=NOW.astimezone(paris)))
    assert event["createdAt"] == "2026-11-02T09:00:00.000Z"
    assert event["data"]["scheduledAt"] == "2026-11-02T08:30:00.123Z"
    assert event["data"]["campaignId"] is None


def test_event_body_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError):
        event_body(a_delivery(), now=NOW.replace(tzinfo=None))


def test_event_body_is_stable_across_attempts_but_for_attempt_and_created_at() -> None:
    first = json.loads(event_body(a_delivery(attempt=1), now=NOW))
    second = json.loads(event_body(a_delivery(attempt=2), now=NOW + timedelta(minutes=1)))
    assert first["id"] == second["id"]
    for event in (first, second):
        del event["createdAt"], event["data"]["attempt"]
    assert first == second


@pytest.mark.parametrize(
    "changes",
    [
        {"platform": "myspace"},
        {"attempt": 0},
        {"scheduled_at": datetime(2026, 11, 2, 8, 30)},
    ],
)
def test_delivery_refuses_what_the_scheduler_never_builds(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        a_delivery(**changes)


def test_delivery_keeps_asset_ids_as_a_tuple() -> None:
    assert a_delivery(asset_ids=["a1"]).asset_ids == ("a1",)


# --- RecordingPublisher ----------------------------------------------------------------------


async def test_recording_publisher_succeeds_at_once_and_counts() -> None:
    publisher = RecordingPublisher()
    assert publisher.name == "record"
    await publisher.publish(a_delivery())
    await publisher.publish(a_delivery(platform="instagram", idempotency_key="p1:instagram"))
    assert publisher.published == 2
    await publisher.aclose()


# --- WebhookPublisher's reading of answers (MockTransport) -----------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def mocked(handler: Handler, clock: Callable[[], float] = lambda: float(T)) -> WebhookPublisher:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return WebhookPublisher("https://hooks.example/publish", SECRET, client=client, clock=clock)


async def publish_failure(handler: Handler) -> PublishFailed:
    with pytest.raises(PublishFailed) as caught:
        await mocked(handler).publish(a_delivery())
    return caught.value


async def test_the_request_is_signed_and_carries_the_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    await mocked(handler).publish(a_delivery())
    (request,) = seen
    assert request.method == "POST"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["idempotency-key"] == "p1:tiktok"
    assert request.headers["user-agent"] == "Huntaze-Scheduler/1"
    assert request.content == event_body(a_delivery(), now=datetime.fromtimestamp(T, UTC))
    assert verify(SECRET, request.headers["huntaze-signature"], request.content, now=T)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 409, 425, 429])
async def test_transient_statuses_are_retryable(status: int) -> None:
    failure = await publish_failure(lambda _: httpx.Response(status))
    assert not failure.permanent
    assert failure.reason == f"webhook answered {status}"
    assert failure.retry_after is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 413, 422])
async def test_other_4xx_are_permanent(status: int) -> None:
    failure = await publish_failure(lambda _: httpx.Response(status))
    assert failure.permanent
    assert failure.reason == f"webhook refused the event ({status})"


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirects_are_not_followed(status: int) -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(status, headers={"Location": "https://elsewhere.example/"})

    failure = await publish_failure(handler)
    assert calls == ["https://hooks.example/publish"]
    assert failure.permanent
    assert failure.reason == f"webhook redirected the event ({status})"


@pytest.mark.parametrize(
    ("status", "header", "expected"),
    [
        (429, "7", 7.0),
        (503, "0", 0.0),
        (503, "1.5", 1.5),
        (429, "Sun, 01 Jan 2023 00:00:00 GMT", 0.0),  # in the past
        (429, "not a date", None),
        (429, "-3", None),
        (429, "inf", None),
        (500, "7", None),  # only 429 and 503 are read
    ],
)
async def test_retry_after(status: int, header: str, expected: float | None) -> None:
    failure = await publish_failure(
        lambda _: httpx.Response(status, headers={"Retry-After": header})
    )
    assert failure.retry_after == expected


async def test_retry_after_as_an_http_date_counts_from_the_clock() -> None:
    now = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC).timestamp()
    headers = {"Retry-After": "Mon, 02 Nov 2026 09:01:30 GMT"}
    publisher = mocked(lambda _: httpx.Response(503, headers=headers), clock=lambda: now)
    with pytest.raises(PublishFailed) as caught:
        await publisher.publish(a_delivery())
    assert caught.value.retry_after == 90.0


async def test_a_huge_answer_is_read_only_in_part() -> None:
    pulled = 0

    async def endless() -> object:
        nonlocal pulled
        while True:
            pulled += 1
            yield b"x" * 16384

    publisher = mocked(lambda _: httpx.Response(200, content=endless()))  # type: ignore[arg-type]
    await publisher.publish(a_delivery())
    assert pulled * 16384 <= MAX_RESPONSE_BYTES + 16384


@pytest.mark.parametrize(
    ("error", "outcome", "permanent"),
    [
        (httpx.ConnectError("refused"), PublishFailed, False),
        (httpx.ConnectTimeout("slow"), PublishFailed, False),
        (httpx.PoolTimeout("busy"), PublishFailed, False),
        (httpx.ReadTimeout("slow"), PublishOutcomeUnknown, None),
        (httpx.WriteTimeout("slow"), PublishOutcomeUnknown, None),
        (httpx.ReadError("reset"), PublishOutcomeUnknown, None),
        (httpx.RemoteProtocolError("gone"), PublishOutcomeUnknown, None),
        (httpx.LocalProtocolError("bad header"), PublishFailed, True),
    ],
)
async def test_transport_errors(
    error: Exception, outcome: type[Exception], permanent: bool | None
) -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        raise error

    with pytest.raises(outcome) as caught:
        await mocked(handler).publish(a_delivery())
    if permanent is not None:
        assert isinstance(caught.value, PublishFailed)
        assert caught.value.permanent is permanent


async def test_timeout_reason_names_the_timeout() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow")

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    publisher = WebhookPublisher("http://h.example/", SECRET, timeout=2.5, client=client)
    with pytest.raises(PublishOutcomeUnknown, match=r"^webhook timed out after 2\.5 s$"):
        await publisher.publish(a_delivery())


async def test_a_given_client_is_left_open_an_owned_one_is_closed() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(200)))
    await WebhookPublisher("http://h.example/", SECRET, client=client).aclose()
    assert not client.is_closed
    await client.aclose()
    owned = WebhookPublisher("http://h.example/", SECRET)
    assert owned.name == "webhook"
    await owned.aclose()
    assert owned._client.is_closed


@pytest.mark.parametrize(
    ("url", "secret", "timeout"),
    [
        ("ftp://h.example/", SECRET, 1.0),
        ("/relative", SECRET, 1.0),
        ("http://h/", "", 1.0),
        ("http://h/", SECRET, 0.0),
    ],
)
def test_bad_configuration_is_refused_up_front(url: str, secret: str, timeout: float) -> None:
    with pytest.raises(ValueError):
        WebhookPublisher(url, secret, timeout=timeout)

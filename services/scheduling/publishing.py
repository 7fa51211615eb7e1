"""The scheduler's publisher port, its two adapters, and the signature of webhook events.

The scheduler claims a due post and calls `publish` once per (post, platform), outside any
transaction; what `publish` returns or raises decides what happens next:

- returns: published; the post is marked so.
- PublishFailed(permanent=True): refused for good (e.g. HTTP 400); retrying cannot help.
- PublishFailed(permanent=False): nothing happened, or it failed in a way worth retrying
  (5xx, 429, connection refused), honouring `retry_after` when the receiver gave one.
- PublishOutcomeUnknown: the request left but no answer came back (timeout, connection lost);
  the receiver may have acted on it, so the retry carries the same idempotency key.

RecordingPublisher (nothing configured) only counts; WebhookPublisher POSTs a signed JSON event
that the receiver verifies with `verify` and de-duplicates on the Idempotency-Key header.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

import httpx

logger = logging.getLogger("huntaze.scheduling.publishing")

PLATFORMS = ("onlyfans", "instagram", "tiktok")
EVENT_TYPE = "post.publish"
SIGNATURE_HEADER = "Huntaze-Signature"
USER_AGENT = "Huntaze-Scheduler/1"
SIGNATURE_TOLERANCE_SECONDS = 300
# Only the status matters; reading a little of the body lets the connection be reused, and a
# receiver answering megabytes must not cost us the memory.
MAX_RESPONSE_BYTES = 64 * 1024
# 4xx answers that mean "not now" rather than "never": timeout, conflict (e.g. the same key
# being processed), too early, rate limited.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})
_RETRY_AFTER_SECONDS = re.compile(r"\d{1,9}(\.\d{1,6})?")


@dataclass(frozen=True)
class Delivery:
    """One (post, platform) to publish. `idempotency_key` ("<post_id>:<platform>") is the same
    on every attempt, so a receiver that saw it already can answer without acting twice."""

    post_id: str
    user_id: str
    platform: str
    idempotency_key: str
    title: str
    description: str
    content_type: str
    asset_ids: tuple[str, ...]
    campaign_id: str | None
    scheduled_at: datetime  # UTC, aware
    attempt: int  # 1 on the first try

    def __post_init__(self) -> None:
        # A list would make the frozen record unhashable and mutable behind our back.
        object.__setattr__(self, "asset_ids", tuple(self.asset_ids))
        if self.platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {PLATFORMS}, not {self.platform!r}")
        if self.scheduled_at.tzinfo is None or self.scheduled_at.utcoffset() is None:
            raise ValueError("scheduled_at must be timezone-aware")
        if self.attempt < 1:
            raise ValueError("attempt is 1-based")


class PublishFailed(Exception):
    """Not published. `reason` is short and safe to show the creator; `permanent` says whether a
    retry could succeed; `retry_after` (seconds) is the receiver's own wish, if it sent one."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return (
            f"PublishFailed({self.reason!r}, permanent={self.permanent}, "
            f"retry_after={self.retry_after})"
        )


class PublishOutcomeUnknown(Exception):
    """The event was (maybe) delivered but no answer came: retry with the same idempotency key
    and let the receiver de-duplicate. `reason` is safe to show the creator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Publisher(Protocol):
    """Where the scheduler sends a due post. `name` is "record" or "webhook" (logs, metrics)."""

    name: str

    async def publish(self, delivery: Delivery) -> None:
        """Returns once published; raises PublishFailed or PublishOutcomeUnknown otherwise."""
        ...

    async def aclose(self) -> None:
        """Releases connections; the publisher is not used afterwards."""
        ...


class RecordingPublisher:
    """The default when no webhook is configured: the schedule is the record, so publishing
    is only noting it (the scheduler marks the post published). No I/O, never fails."""

    name: str = "record"

    def __init__(self) -> None:
        self.published = 0  # a count, not the deliveries: memory stays bounded

    async def publish(self, delivery: Delivery) -> None:
        self.published += 1
        logger.debug("recorded %s (attempt %d)", delivery.idempotency_key, delivery.attempt)

    async def aclose(self) -> None:
        return None


def _signature(secret: str, body: bytes, timestamp: int) -> str:
    payload = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The Huntaze-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
    "<t>." + body. Signing the timestamp with the body keeps an old event from being replayed."""
    return f"t={timestamp},v1={_signature(secret, body, timestamp)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: int,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """Whether `header` signs `body` with `secret` within `tolerance` seconds of `now`.

    Any of several `v1=` entries may match: while a secret is rotated, the sender signs with
    both. Malformed headers are simply False (a receiver answers 401 either way)."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if timestamp is not None or not value.isascii() or not value.isdigit():
                return False
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = _signature(secret, body, timestamp).encode()
    matched = False
    for candidate in candidates:  # no early exit: the time spent says nothing about which
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    return matched


def _iso(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and "Z", as JavaScript's toISOString() writes it."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps in events must be timezone-aware")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_body(delivery: Delivery, *, now: datetime) -> bytes:
    """The webhook's JSON event for `delivery`, compact UTF-8. Its `id` is the idempotency key,
    so the event id is stable across attempts (only `createdAt` and `attempt` change)."""
    event: dict[str, Any] = {
        "id": delivery.idempotency_key,
        "type": EVENT_TYPE,
        "createdAt": _iso(now),
        "data": {
            "postId": delivery.post_id,
            "userId": delivery.user_id,
            "platform": delivery.platform,
            "title": delivery.title,
            "description": delivery.description,
            "contentType": delivery.content_type,
            "assetIds": list(delivery.asset_ids),
            "campaignId": delivery.campaign_id,
            "scheduledAt": _iso(delivery.scheduled_at),
            "attempt": delivery.attempt,
        },
    }
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def _retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds from now: delay-seconds or an HTTP date; None when absent or
    unreadable (the scheduler's own backoff applies then)."""
    if not value:
        return None
    value = value.strip()
    if _RETRY_AFTER_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP dates are GMT
    seconds = when.timestamp() - now
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _failure(status: int, headers: Mapping[str, str], now: float) -> PublishFailed | None:
    """None for 2xx; otherwise what the status means for retrying."""
    if 200 <= status < 300:
        return None
    retry_after = _retry_after(headers.get("retry-after"), now) if status in (429, 503) else None
    if status >= 500 or status in RETRYABLE_4XX:
        return PublishFailed(f"webhook answered {status}", permanent=False, retry_after=retry_after)
    if 400 <= status < 500:
        return PublishFailed(f"webhook refused the event ({status})", permanent=True)
    if 300 <= status < 400:
        # Redirects are never followed (the signed event would go where the URL did not say);
        # the same URL redirects again on every retry, so the configuration must change.
        return PublishFailed(f"webhook redirected the event ({status})", permanent=True)
    return PublishFailed(f"webhook answered {status}", permanent=False)


class WebhookPublisher:
    """Publishes by POSTing a signed `post.publish` event to one URL (the creator's tooling or
    an integration service that posts to the platforms).

    Without `client`, it owns an httpx.AsyncClient and closes it in `aclose`; a given client is
    the caller's to close. `timeout` (seconds) bounds each of connect, write, read and waiting
    for a pooled connection. `clock` (unix seconds) dates the event and its signature."""

    name: str = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise ValueError("the webhook URL must be an absolute http(s) URL")
        if not secret:
            raise ValueError("the webhook secret must not be empty")
        if not timeout > 0:
            raise ValueError("timeout must be positive")
        self._url = parsed
        self._secret = secret
        self._timeout = timeout
        self._timeouts = httpx.Timeout(timeout)
        self._clock = clock
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(timeout=self._timeouts, follow_redirects=False)

    async def publish(self, delivery: Delivery) -> None:
        now = self._clock()
        body = event_body(delivery, now=datetime.fromtimestamp(now, UTC))
        request = self._client.build_request(
            "POST",
            self._url,
            content=body,
            headers={
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(self._secret, body, int(now)),
                "Idempotency-Key": delivery.idempotency_key,
                "User-Agent": USER_AGENT,
            },
            timeout=self._timeouts,
        )
        key = delivery.idempotency_key
        try:
            response = await self._client.send(request, stream=True, follow_redirects=False)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError) as e:
            # Nothing reached the receiver: a plain, retryable failure.
            logger.info("webhook unreachable for %s: %r", key, e)
            raise PublishFailed("could not connect to the webhook", permanent=False) from e
        except httpx.TimeoutException as e:  # write or read: the event may have arrived
            logger.info("webhook timed out for %s: %r", key, e)
            raise PublishOutcomeUnknown(f"webhook timed out after {self._timeout:g} s") from e
        except (httpx.LocalProtocolError, httpx.UnsupportedProtocol) as e:
            # Our request could not be sent as built: retrying sends the same bytes.
            logger.warning("webhook request for %s could not be sent: %r", key, e)
            raise PublishFailed("could not send the event", permanent=True) from e
        except httpx.TransportError as e:  # reset, closed, garbled answer: maybe delivered
            logger.info("webhook connection lost for %s: %r", key, e)
            raise PublishOutcomeUnknown("the webhook connection was lost") from e
        try:
            excerpt = await _read_some(response)
        finally:
            await response.aclose()
        failure = _failure(response.status_code, response.headers, self._clock())
        if failure is not None:
            logger.info("webhook answered %d for %s: %r", response.status_code, key, excerpt[:200])
            raise failure

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()


async def _read_some(response: httpx.Response) -> bytes:
    """Up to MAX_RESPONSE_BYTES of the body as sent (not decompressed); the rest is dropped
    with the connection. The status is already known, so a broken body changes nothing."""
    received = bytearray()
    try:
        async for chunk in response.aiter_raw():
            received += chunk[: MAX_RESPONSE_BYTES - len(received)]
            if len(received) >= MAX_RESPONSE_BYTES:
                break
    except httpx.StreamConsumed:  # already read by the transport (httpx.MockTransport)
        return response.content[:MAX_RESPONSE_BYTES]
    except httpx.HTTPError:
        pass
    return bytes(received)

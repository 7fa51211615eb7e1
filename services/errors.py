"""Domain errors. Use cases raise these; interceptors/errors.py alone maps them to gRPC status.

No gRPC or protobuf here: services/ stays transport-free.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    """One bad input field, named as the domain names it: the proto field names, snake_case,
    dotted, with [index] / ["key"] subscripts (`recipient.last_purchase_at`). The edge
    (interceptors/errors.py) turns it into the JSON path clients wrote (`recipient.lastPurchaseAt`).

    `reason` is a stable machine-readable rule id (e.g. "string.email") frontends can map to
    their own, translated messages."""

    field: str
    description: str
    reason: str = ""


class DomainError(Exception):
    """Base of every error a use case may raise on purpose. `message` is safe to show clients;
    so is `metadata` (google.rpc.ErrorInfo.metadata: what a frontend needs to act on it).

    `http_status`, when set, is the REST status for errors HTTP has a code for and gRPC has not
    (402, 413, 415, 416); `reason` overrides the ErrorInfo reason derived from the class name."""

    http_status: int | None = None
    reason: str | None = None

    def __init__(self, message: str, *, metadata: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata or {}


class InvalidArgument(DomainError):
    """The request is well-formed but its content is wrong (400)."""

    def __init__(
        self,
        message: str,
        violations: list[FieldViolation] | None = None,
        *,
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, metadata=metadata)
        self.violations = violations or []


class Unauthenticated(DomainError):
    """Missing, malformed, forged or expired credentials (401)."""


class PermissionDenied(DomainError):
    """The caller is known but may not do this (403)."""


class NotFound(DomainError):
    """The resource does not exist or is not the caller's (404)."""


class Conflict(DomainError):
    """The resource already exists or changed meanwhile (409)."""


class FailedPrecondition(DomainError):
    """The system is not in a state that allows the call (400)."""


class PaymentRequired(DomainError):
    """A paid resource is used up (messages: the month's allowance and the credits): buying
    more, or waiting for the next month, is the way on (402)."""

    http_status = 402


class RetryableError(DomainError):
    """An error the client may retry; `retry_after` in seconds when known."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class QuotaExceeded(RetryableError):
    """A rate limit or budget is used up (429)."""


class PayloadTooLarge(DomainError):
    """The request body exceeds what the endpoint accepts (413 over REST; INVALID_ARGUMENT over
    gRPC)."""

    http_status = 413


class UnsupportedMediaType(InvalidArgument):
    """The body is not of a type the endpoint accepts (an upload that is no allowed image or
    video format): 415 over REST."""

    http_status = 415


class RangeNotSatisfiable(InvalidArgument):
    """The requested byte range starts past the end (416 over REST); `size` when known."""

    http_status = 416

    def __init__(self, message: str, *, size: int | None = None) -> None:
        super().__init__(message)
        self.size = size


class Unavailable(RetryableError):
    """A dependency is down; the client may retry later (503)."""


class DatabaseUnavailable(Unavailable):
    """The database refuses connections, is locked or timed out: a 503, not a bug."""

    reason = "UNAVAILABLE"  # what clients have always been told

    def __init__(self) -> None:
        super().__init__("the database is unavailable, retry", retry_after=1)


class ConnectionLost(Unavailable):
    """The database connection died under a unit of work (a failover, a terminated backend).
    Nothing was committed; read-only use cases retry once (services.db.uow.retry_read)."""

    def __init__(self) -> None:
        super().__init__("the database connection was lost, retry", retry_after=1)

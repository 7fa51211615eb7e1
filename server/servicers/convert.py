"""Small protobuf <-> Python conversions shared by servicers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(moment: datetime) -> Timestamp:
    """A protobuf Timestamp; naive datetimes are taken as UTC (what the database returns)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    message = Timestamp()
    message.FromDatetime(moment)
    return message


def optional(message: Message, field: str) -> Any:
    """The value of a proto3 `optional` field (or of a message field), None when absent."""
    return getattr(message, field) if message.HasField(field) else None


def moment(message: Message, field: str) -> datetime | None:
    """A Timestamp field as an aware UTC datetime; None when absent."""
    return getattr(message, field).ToDatetime(UTC) if message.HasField(field) else None

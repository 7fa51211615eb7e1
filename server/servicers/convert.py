"""Small protobuf <-> Python conversions shared by servicers."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(moment: datetime) -> Timestamp:
    """A protobuf Timestamp; naive datetimes are taken as UTC (what the database returns)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    message = Timestamp()
    message.FromDatetime(moment)
    return message

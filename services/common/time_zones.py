"""IANA time zone names, as profiles and analytics windows take them."""

from __future__ import annotations

import functools
import zoneinfo

from services.errors import FieldViolation, InvalidArgument

EXAMPLE = "Europe/Paris"
MUST_BE = f"must be an IANA time zone name, e.g. {EXAMPLE}"


@functools.cache
def _names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone(name: str, field: str) -> zoneinfo.ZoneInfo:
    """The zone named `name`, or InvalidArgument (reason `timezone.iana`) naming `field`."""
    if name not in _names():
        raise InvalidArgument(
            f"unknown time zone {name!r}: use an IANA name such as {EXAMPLE}",
            [
                FieldViolation(
                    field, f"must be an IANA time zone name, e.g. {EXAMPLE}", "timezone.iana"
                )
            ],
        )
    return zoneinfo.ZoneInfo(name)

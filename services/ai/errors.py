"""Errors of the AI layer that use cases raise or see."""

from __future__ import annotations

from services.errors import InvalidArgument


class MalformedOutput(ValueError):
    """The model's answer did not parse or validate against the expected structure. The router
    retries or falls back; unparsed output never reaches the caller."""


class ContentRefused(InvalidArgument):
    """Every deployment that answered refused the request on content grounds (a 400: asking
    again unchanged will be refused again)."""


class StreamInterrupted(Exception):
    """The upstream failed after the first token: too late to fall back, the stream must end
    with an error event instead."""

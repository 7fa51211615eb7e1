"""Errors of the AI layer that use cases raise or see."""

from __future__ import annotations


class MalformedOutput(ValueError):
    """The model's answer did not parse or validate against the expected structure. The router
    retries or falls back; unparsed output never reaches the caller."""

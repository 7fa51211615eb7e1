"""The body limits the document states are the ones envoy.yaml's routes set."""

from __future__ import annotations

import pytest
from openapigen.body_limits import EnvoyBodyLimits

from server.envoy_config import TEMPLATE


@pytest.mark.parametrize(
    ("verb", "path", "limit"),
    [
        ("post", "/api/auth/signin", 64 * 1024),
        ("patch", "/api/users/me", 1024 * 1024),
        ("post", "/api/ai-assistant/generate", 1024 * 1024),
        ("post", "/api/billing/subscriptions/{id}/cancel", 1024 * 1024),
        ("post", "/api/billing/stripe/webhook", 1024 * 1024),
        # The upload streams: no buffer, no limit at Envoy.
        ("post", "/api/content-creation/upload", None),
    ],
)
def test_limits_come_from_the_first_route_a_request_takes(
    verb: str, path: str, limit: int | None
) -> None:
    assert EnvoyBodyLimits(TEMPLATE)(verb, path) == limit

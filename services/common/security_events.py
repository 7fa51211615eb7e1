"""Security events: one structured log record per event on the "huntaze.security" logger.

The JSON log formatter adds the time and the request id; callers pass the event name, the
user when known, the client address and small details. Never a password or a token.
"""

from __future__ import annotations

import logging

SECURITY_LOGGER = "huntaze.security"


class SecurityEvents:
    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger(SECURITY_LOGGER)

    def record(
        self,
        event: str,
        *,
        client_address: str,
        user_id: str | None = None,
        level: int = logging.INFO,
        **details: object,
    ) -> None:
        self._logger.log(
            level,
            event,
            extra={
                "event": event,
                "user_id": user_id,
                "client_address": client_address,
                **details,
            },
        )

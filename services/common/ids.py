"""Identifiers of new records (the composition root may hand use cases another generator)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

IdGenerator = Callable[[], str]


def new_id() -> str:
    return str(uuid.uuid4())

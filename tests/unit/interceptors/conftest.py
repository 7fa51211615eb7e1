from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from support.interceptor_harness import Stubs, serve


@pytest.fixture
async def stubs() -> AsyncIterator[Stubs]:
    async with serve() as running:
        yield running

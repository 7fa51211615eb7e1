"""SQLite writers of one process queue on the unit of work's lock, in order, instead of polling
SQLite's busy handler; readers never wait for it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from support.databases import sqlite_url

from services.db import create_engine, create_uow_factory


async def test_write_units_of_work_run_one_at_a_time_in_arrival_order(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    uow_factory = create_uow_factory(engine)
    events: list[str] = []
    first_inside = asyncio.Event()
    release_first = asyncio.Event()

    async def writer(name: str, hold: asyncio.Event | None = None) -> None:
        async with uow_factory():
            events.append(f"{name} in")
            if hold is not None:
                first_inside.set()
                await hold.wait()
            events.append(f"{name} out")

    try:
        first = asyncio.create_task(writer("a", release_first))
        await first_inside.wait()
        others = [asyncio.create_task(writer(name)) for name in ("b", "c")]
        async with uow_factory(write=False) as reader:  # a reader is not held up
            await reader.session.connection()
        events.append("read")
        release_first.set()
        await asyncio.gather(first, *others)
    finally:
        await engine.dispose()

    assert events == ["a in", "read", "a out", "b in", "b out", "c in", "c out"]


async def test_a_failed_unit_of_work_releases_the_writer_lock(tmp_path: Path) -> None:
    engine = create_engine(sqlite_url(tmp_path))
    uow_factory = create_uow_factory(engine)
    try:
        try:
            async with uow_factory():
                raise RuntimeError("use case failed")
        except RuntimeError:
            pass
        async with asyncio.timeout(5):
            async with uow_factory() as uow:
                await uow.commit()
    finally:
        await engine.dispose()

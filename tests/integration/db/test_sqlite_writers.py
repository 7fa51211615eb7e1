"""SQLite writers of one process queue on the unit of work's lock, in order, instead of polling
SQLite's busy handler; readers never wait for it."""

from __future__ import annotations

import asyncio
import fcntl
import os
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


async def test_writers_of_two_workers_take_turns_on_the_file_lock(tmp_path: Path) -> None:
    """Two unit-of-work factories on one file stand for two worker processes (a flock() is
    held per open file, so they exclude each other as processes do): a writer holds the lock
    file next to the database, the second writer waits for the first to finish, then goes in
    without SQLite refusing it."""
    url = sqlite_url(tmp_path)
    engines = [create_engine(url), create_engine(url)]
    first, second = (create_uow_factory(engine) for engine in engines)
    events: list[str] = []
    first_inside = asyncio.Event()
    release_first = asyncio.Event()

    async def hold() -> None:
        async with first() as uow:
            events.append("first in")
            first_inside.set()
            await release_first.wait()
            await uow.commit()
            events.append("first out")

    async def follow() -> None:
        async with second() as uow:
            events.append("second in")
            await uow.commit()

    try:
        holder = asyncio.create_task(hold())
        await first_inside.wait()
        assert not lock_file_is_free(tmp_path)
        follower = asyncio.create_task(follow())
        async with second(write=False) as reader:  # readers never queue
            await reader.session.connection()
        events.append("read")
        release_first.set()
        async with asyncio.timeout(10):
            await asyncio.gather(holder, follower)
    finally:
        for engine in engines:
            await engine.dispose()

    assert events == ["first in", "read", "first out", "second in"]
    assert lock_file_is_free(tmp_path)


def lock_file_is_free(directory: Path) -> bool:
    """Whether another process could take the writers' lock file now."""
    fd = os.open(directory / "huntaze.db.writer-lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


async def test_a_writer_cancelled_while_queued_leaves_the_file_lock_free(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    engines = [create_engine(url), create_engine(url)]
    first, second = (create_uow_factory(engine) for engine in engines)
    first_inside = asyncio.Event()
    release_first = asyncio.Event()

    async def hold() -> None:
        async with first():
            first_inside.set()
            await release_first.wait()

    async def write(factory: object) -> None:
        async with factory() as uow:  # type: ignore[operator]
            await uow.commit()

    try:
        holder = asyncio.create_task(hold())
        await first_inside.wait()
        queued = asyncio.create_task(write(second))
        for _ in range(20):  # let it reach the file lock's wait
            await asyncio.sleep(0)
        queued.cancel()
        release_first.set()
        await holder
        async with asyncio.timeout(10):  # neither worker is locked out afterwards
            await write(second)
            await write(first)
        assert queued.cancelled()
    finally:
        for engine in engines:
            await engine.dispose()

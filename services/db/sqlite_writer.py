"""One SQLite writer at a time across the host's worker processes, handed over at once.

SQLite lets one connection write at a time. A writer that finds the lock taken waits in
SQLite's busy handler, which sleeps and polls with growing sleeps (1, 2, 5, 10 ... 100 ms):
with two workers writing, a waiter slept long after the lock was free, and content ideas
(three write transactions a call) answered at p99 962 ms with 32 clients (measured through
Envoy). Here writers queue instead: in their process on an asyncio lock, in order, and the one
writer per process that is next on an exclusive flock() of a file next to the database, which
the kernel hands to the next process the moment it is released. SQLite's own lock still
guards the data; this only decides who asks for it next, so writers outside the server
(migrations, `python -m server.admin`) stay correct and merely do not queue here.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path


class SqliteWriterQueue:
    def __init__(self, database: Path | None) -> None:
        """`database`: the SQLite file (None: in memory, no other process can write)."""
        self._local = asyncio.Lock()
        self._lock_path = database.with_name(database.name + ".writer-lock") if database else None
        self._fd: int | None = None

    async def acquire(self) -> None:
        await self._local.acquire()
        try:
            await self._lock_file()
        except BaseException:
            self._local.release()
            raise

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._local.release()

    async def _lock_file(self) -> None:
        if self._lock_path is None:
            return
        fd = self._file()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        # Taken by another process: wait in a thread, which the kernel wakes on release.
        locked = asyncio.get_running_loop().run_in_executor(None, fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            await asyncio.shield(locked)
        except asyncio.CancelledError:
            # The thread still waits: hand the lock back as soon as it has it.
            locked.add_done_callback(lambda done: _unlock_if_locked(fd, done))
            raise

    def _file(self) -> int:
        """The lock file's descriptor, open for the life of the process."""
        if self._fd is None:
            assert self._lock_path is not None
            self._fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd


def _unlock_if_locked(fd: int, locked: asyncio.Future[None]) -> None:
    if not locked.cancelled() and locked.exception() is None:
        fcntl.flock(fd, fcntl.LOCK_UN)

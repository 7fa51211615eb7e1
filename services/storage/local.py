"""ObjectStorage on a local directory: a key is a file under the root.

Every blocking call (open, write, fsync, rename, stat, listing) runs in this storage's own small
thread pool, never on the event loop: file I/O does not queue behind the CPU work that use cases
send to the default executor (password hashing, the price optimiser), nor the reverse.

An object is written to a temporary file beside it (`.<name>.<random>.part`), fsynced, then
renamed over the key with `os.replace`, and the directory is fsynced: readers see the old object
or the new one, whole. Temporary names start with "." and keys never do (ports.check_key), so a
listing never shows one; a process killed mid-upload leaves its temporary file behind, which an
operator can sweep (`find ROOT -name '.*.part' -mmin +60 -delete`).

Content types are not stored: the application keeps them with its own record of the object.
Empty directories are left in place after a delete (removing them would race a concurrent put
into the same directory).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import IO, Any, TypeVar

from services.errors import Conflict, NotFound, Unavailable
from services.storage.ports import (
    DEFAULT_CHUNK_SIZE,
    MIB,
    RangeNotSatisfiable,
    check_key,
    check_prefix,
    check_range,
)

T = TypeVar("T")
_MISSING = (FileNotFoundError, NotADirectoryError)


class LocalStorage:
    def __init__(self, root: Path, *, threads: int = 4, write_buffer: int = MIB) -> None:
        """`threads`: the pool's size, so at most that many blocking file calls at once.
        `write_buffer`: small incoming chunks are gathered up to this size per write call."""
        self._root = Path(os.path.abspath(root))  # abspath does no I/O, unlike resolve()
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="storage")
        self._write_buffer = write_buffer

    def _path(self, key: str) -> Path:
        return self._root / check_key(key)

    async def _run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    async def put(self, key: str, chunks: AsyncIterator[bytes], *, content_type: str) -> int:
        path = self._path(key)
        file = _SerialFile(self._executor)
        opening = file.submit(_open_temp, path)
        written = 0
        try:
            handle, temp = await asyncio.wrap_future(opening)
            buffer = bytearray()
            async for chunk in chunks:
                buffer += chunk
                written += len(chunk)
                if len(buffer) >= self._write_buffer:
                    # The thread owns `data` from here: a cancelled write may still be running.
                    data, buffer = buffer, bytearray()
                    await file.run(_write, handle, data)
            await file.run(_write, handle, buffer)
            await file.run(_commit, handle, temp, path)
        except BaseException:
            # Also when cancelled while committing: then the object may already be there, whole.
            await file.run_to_end(_discard, opening)
            raise
        return written

    def read(
        self,
        key: str,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncIterator[bytes]:
        path = self._path(key)
        check_range(start, end, chunk_size)
        return self._read(key, path, start, end, chunk_size)

    async def _read(
        self, key: str, path: Path, start: int, end: int | None, chunk_size: int
    ) -> AsyncIterator[bytes]:
        file = _SerialFile(self._executor)
        # The open file is the object as it was when opened, even if replaced meanwhile.
        opening = file.submit(_open_read, key, path)
        try:
            handle, size = await asyncio.wrap_future(opening)
        except asyncio.CancelledError:
            await file.run_to_end(_close_opened, opening)  # the open may finish in its thread
            raise
        try:
            if start >= size and (start, end) != (0, None):
                raise RangeNotSatisfiable(
                    f"the range starts at byte {start} of a {size}-byte object", size=size
                )
            last = size - 1 if end is None else min(end, size - 1)
            position = start
            await file.run(handle.seek, start)
            while position <= last:
                data = await file.run(_read_some, handle, min(chunk_size, last - position + 1))
                if not data:
                    break
                position += len(data)
                yield data
        finally:
            await file.run_to_end(handle.close)

    async def size(self, key: str) -> int | None:
        return await self._run(_size, self._path(key))

    async def delete(self, key: str) -> None:
        await self._run(_delete, self._path(key))

    def keys(self, prefix: str) -> AsyncIterator[str]:
        check_prefix(prefix)
        return self._keys(prefix)

    async def _keys(self, prefix: str) -> AsyncIterator[str]:
        # Walk from the deepest directory the prefix names, one directory per thread call.
        pending = [prefix.rpartition("/")[0]]
        while pending:
            directory = pending.pop()
            entries = await self._run(_list_dir, self._root / directory)
            for name, is_dir in entries:
                if name.startswith("."):  # temporary files, and nothing a key can name
                    continue
                key = f"{directory}/{name}" if directory else name
                if is_dir:
                    if (key + "/").startswith(prefix) or prefix.startswith(key + "/"):
                        pending.append(key)
                elif key.startswith(prefix):
                    yield key

    async def purge_partial(self, older_than_seconds: float) -> int:
        return await self._run(_purge_partial, self._root, time.time() - older_than_seconds)

    async def presigned_url(
        self,
        key: str,
        *,
        expires_in: int,
        filename: str,
        content_type: str,
        inline: bool = False,
    ) -> str | None:
        """None: a directory cannot sign URLs; the server signs its own links."""
        check_key(key)
        return None

    async def aclose(self) -> None:
        # Calls already running finish in their threads; nothing waits for them on the loop.
        self._executor.shutdown(wait=False, cancel_futures=True)


class _SerialFile:
    """One open file's blocking calls, run in the pool one after another.

    When the awaiting task is cancelled, the call it awaited may still be running in its thread
    (a call not yet started is dropped). Each call therefore waits for the one before it, so
    the cleanup never closes or removes the file under a write still in progress."""

    def __init__(self, executor: ThreadPoolExecutor) -> None:
        self._executor = executor
        self._last: Future[Any] | None = None

    def submit(self, function: Callable[..., T], *args: Any) -> Future[T]:
        future = self._executor.submit(_after, self._last, function, *args)
        self._last = future
        return future

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        return await asyncio.wrap_future(self.submit(function, *args))

    async def run_to_end(self, function: Callable[..., T], *args: Any) -> T:
        """Like run, but the call completes even if this task is cancelled (again) meanwhile."""
        return await asyncio.shield(asyncio.wrap_future(self.submit(function, *args)))


def _after(previous: Future[Any] | None, function: Callable[..., T], *args: Any) -> T:
    # `previous` is done, cancelled before it started, or running: waiting cannot deadlock.
    if previous is not None:
        wait([previous])
    return function(*args)


# -- the blocking calls, run in the pool -----------------------------------------------------


def _open_temp(path: Path) -> tuple[IO[bytes], Path]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except (FileExistsError, NotADirectoryError) as error:
        raise _clash(path) from error
    except OSError as error:
        raise _unavailable(error) from error
    return os.fdopen(fd, "wb"), Path(temp)


def _write(handle: IO[bytes], data: bytes | bytearray) -> None:
    if data:
        try:
            handle.write(data)
        except OSError as error:
            raise _unavailable(error) from error


def _commit(handle: IO[bytes], temp: Path, path: Path) -> None:
    try:
        handle.flush()
        os.fsync(handle.fileno())
        handle.close()
        os.replace(temp, path)
        _fsync_dir(path.parent)  # makes the rename itself durable
    except IsADirectoryError as error:
        raise _clash(path) from error
    except OSError as error:
        raise _unavailable(error) from error


def _close_opened(opening: Future[tuple[IO[bytes], Any]]) -> None:
    """Closes the file `opening` (done by now) opened, if it did."""
    if not opening.cancelled() and opening.exception() is None:
        with contextlib.suppress(OSError):
            opening.result()[0].close()


def _discard(opening: Future[tuple[IO[bytes], Path]]) -> None:
    """Closes and removes the temporary file, if `opening` (done by now) made one."""
    _close_opened(opening)
    if not opening.cancelled() and opening.exception() is None:
        with contextlib.suppress(FileNotFoundError):
            opening.result()[1].unlink()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_read(key: str, path: Path) -> tuple[IO[bytes], int]:
    try:
        handle = path.open("rb")
    except (*_MISSING, IsADirectoryError) as error:
        raise NotFound(f"no stored object {key}") from error
    except OSError as error:
        raise _unavailable(error) from error
    info = os.fstat(handle.fileno())
    if not stat.S_ISREG(info.st_mode):
        handle.close()
        raise NotFound(f"no stored object {key}")
    return handle, info.st_size


def _read_some(handle: IO[bytes], size: int) -> bytes:
    try:
        return handle.read(size)
    except OSError as error:
        raise _unavailable(error) from error


def _size(path: Path) -> int | None:
    try:
        info = path.stat()
    except _MISSING:
        return None
    except OSError as error:
        raise _unavailable(error) from error
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _delete(path: Path) -> None:
    try:
        path.unlink()
    except (*_MISSING, IsADirectoryError):
        pass  # no such object (a directory is no object): deleting is idempotent
    except OSError as error:
        raise _unavailable(error) from error


def _list_dir(directory: Path) -> list[tuple[str, bool]]:
    try:
        with os.scandir(directory) as entries:
            return [
                (entry.name, entry.is_dir(follow_symlinks=False))
                for entry in entries
                if entry.is_dir(follow_symlinks=False) or entry.is_file(follow_symlinks=False)
            ]
    except _MISSING:
        return []
    except OSError as error:
        raise _unavailable(error) from error


def _unavailable(error: OSError) -> Unavailable:
    return Unavailable(f"the local object storage failed: {error.strerror or error}")


def _clash(path: Path) -> Conflict:
    return Conflict(
        f"{path.name}: a directory holds a file where the key needs a directory, or the reverse "
        "(local storage cannot hold both 'a' and 'a/b')"
    )


def _purge_partial(root: Path, before: float) -> int:
    """Delete the temporary `.<name>.<random>.part` files last written before `before`."""
    removed = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if not (name.startswith(".") and name.endswith(".part")):
                continue
            path = Path(folder, name)
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < before:
                    path.unlink()
                    removed += 1
    return removed

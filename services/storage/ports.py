"""What the media vault needs of object storage, and the rules every adapter shares.

Objects are creators' images and videos, up to GiBs: bytes go through as streams both ways, and
an adapter's memory stays bounded whatever the size. An object appears whole or not at all.

Keys are relative paths (`users/<uuid>/<asset-id>`) that the application builds itself: a key
that could escape its root is a bug, refused with ValueError, not a domain error. Errors of the
storage itself are domain errors: NotFound for a missing object, Unavailable for the storage down
(or refusing our credentials), RangeNotSatisfiable for a range that starts past the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol
from urllib.parse import quote

from services.errors import RangeNotSatisfiable

__all__ = ["RangeNotSatisfiable"]

MIB = 1024 * 1024
DEFAULT_CHUNK_SIZE = MIB
MAX_KEY_BYTES = 1024  # S3's limit, applied everywhere so the adapters accept the same keys


class ObjectStorage(Protocol):
    async def put(self, key: str, chunks: AsyncIterator[bytes], *, content_type: str) -> int:
        """Streams the chunks to the object, replacing any previous one; returns bytes written.

        The object becomes visible only once complete. If the iterator raises, or the task is
        cancelled, nothing is left behind (a previous object stays as it was) and the exception
        propagates as it came. The one ambiguity: cancelled while the final commit is in flight
        (the rename, S3's CompleteMultipartUpload), the object may exist afterwards, whole;
        it is never partial."""
        ...

    def read(
        self,
        key: str,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncIterator[bytes]:
        """Bytes `start`..`end` (inclusive, as in HTTP Range; `end` None or past the last byte:
        to the end), in chunks of at most `chunk_size` (their boundaries mean nothing). A bad
        key or range raises ValueError at the call; NotFound and RangeNotSatisfiable arrive with
        the first chunk (callers answering HTTP ask `size` first: they need it for the headers
        anyway). Close the iterator (`aclose`) when stopping early: it holds a file or a
        connection."""
        ...

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, None when there is no such object."""
        ...

    async def delete(self, key: str) -> None:
        """Removes the object; a missing object is not an error."""
        ...

    def keys(self, prefix: str) -> AsyncIterator[str]:
        """The keys starting with `prefix` (a string prefix, as S3's: "users/a" also matches
        "users/ab/x"; "" lists everything), in no particular order. For orphan cleanup."""
        ...

    async def purge_partial(self, older_than_seconds: float) -> int:
        """Remove what interrupted writes left behind (a killed process's temporary files,
        S3's incomplete multipart uploads) started more than `older_than_seconds` ago;
        returns how many. Writes in progress are younger than that and stay."""
        ...

    async def presigned_url(
        self,
        key: str,
        *,
        expires_in: int,
        filename: str,
        content_type: str,
        inline: bool = False,
    ) -> str | None:
        """A URL that serves the object directly for `expires_in` seconds, with that file name
        (as an attachment, or inline for players and previews) and content type; None when the
        storage cannot sign one (then the server streams the object through its own links).
        Signing is local: it says nothing about whether the object exists."""
        ...

    async def aclose(self) -> None:
        """Releases connections and threads; the storage is not used afterwards."""
        ...


def check_key(key: str) -> str:
    """The key, if it is a relative path that cannot escape the storage's root."""
    if not key or key.endswith("/"):
        raise ValueError(f"an object key is a relative path to a file, not {key!r}")
    check_prefix(key)
    return key


def check_prefix(prefix: str) -> str:
    """The prefix, if every complete segment of it could be part of a key ("" is everything).

    Segments may not be empty or start with "." (no "..", no hidden files: the local adapter's
    temporary files start with one), nor hold backslashes or control characters."""
    if len(prefix.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"an object key has at most {MAX_KEY_BYTES} bytes")
    if prefix.startswith("/") or "\\" in prefix or any(ord(c) < 32 or c == "\x7f" for c in prefix):
        raise ValueError(f"not a relative key: {prefix!r}")
    segments = prefix.split("/")
    # The last segment of a prefix may be partial ("users/a"), or empty after a trailing "/".
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if (not segment and not last) or segment.startswith("."):
            raise ValueError(f"not a relative key: {prefix!r}")
    return prefix


def check_range(start: int, end: int | None, chunk_size: int) -> None:
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"not a byte range: {start}-{'' if end is None else end}")
    if chunk_size <= 0:
        raise ValueError("chunk_size must be positive")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """A Content-Disposition value naming the file (RFC 6266): an ASCII `filename` for old
    clients and the exact name, percent-encoded UTF-8, in `filename*`. Path separators, quotes
    and control characters are replaced: the name is a label, never a path."""
    cleaned = (
        "".join("_" if c in '/\\"' or not c.isprintable() else c for c in filename.strip())
        or "download"
    )
    fallback = "".join(c if " " <= c <= "~" else "_" for c in cleaned)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe='')}"

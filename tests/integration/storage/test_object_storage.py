"""The ObjectStorage port's behaviour, one suite for both adapters: LocalStorage on a temporary
directory, and S3Storage over real HTTP against moto's S3 server (in a thread of this process).

What S3 did is checked through S3's own API, as on the real service: HeadObject with
`PartNumber` tells an object's part count and each part's size, ListMultipartUploads the uploads
still in progress.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiobotocore.session import get_session
from moto.server import ThreadedMotoServer

from services.errors import NotFound, Unavailable
from services.storage.local import LocalStorage
from services.storage.ports import MIB, ObjectStorage, RangeNotSatisfiable
from services.storage.s3 import S3Storage

KIB = 1024
REGION = "us-east-1"


@dataclass
class Backend:
    name: str
    storage: ObjectStorage
    # What an interrupted upload could leave: temporary files, or multipart uploads in progress.
    leftovers: Callable[[], Awaitable[list[str]]]
    # The sizes of a stored object's parts as S3 reports them; None for a single-part object.
    parts: Callable[[str], Awaitable[list[int] | None]]


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.WARNING)  # it logs every request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug.setLevel(level)


@pytest.fixture(scope="module")
async def s3_admin(moto_endpoint: str) -> AsyncIterator[Any]:
    """The test's own client (explicit dummy keys): buckets, and what S3 says it did."""
    async with get_session().create_client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    ) as client:
        yield client


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Dummy credentials, and none of this machine's AWS configuration."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["local", "s3"])
async def backend(
    request: pytest.FixtureRequest, tmp_path: Path, moto_endpoint: str, s3_admin: Any
) -> AsyncIterator[Backend]:
    if request.param == "local":
        root = tmp_path / "objects"
        local = LocalStorage(root)

        async def temp_files() -> list[str]:
            return sorted(str(path.relative_to(root)) for path in root.rglob(".*"))

        async def no_parts(key: str) -> list[int] | None:
            return None

        try:
            yield Backend("local", local, temp_files, no_parts)
        finally:
            await local.aclose()
        return

    request.getfixturevalue("aws_env")  # the adapter finds its credentials as in production
    bucket = f"vault-{uuid.uuid4().hex[:12]}"
    await s3_admin.create_bucket(Bucket=bucket)

    async def uploads() -> list[str]:
        listed = await s3_admin.list_multipart_uploads(Bucket=bucket)
        return sorted(f"{u['Key']} {u['UploadId']}" for u in listed.get("Uploads", []))

    async def parts(key: str) -> list[int] | None:
        first = await s3_admin.head_object(Bucket=bucket, Key=key, PartNumber=1)
        if "PartsCount" not in first:
            return None
        sizes = [first["ContentLength"]]
        for number in range(2, first["PartsCount"] + 1):
            part = await s3_admin.head_object(Bucket=bucket, Key=key, PartNumber=number)
            sizes.append(part["ContentLength"])
        return sizes

    s3 = S3Storage(bucket, endpoint_url=moto_endpoint, region=REGION)
    try:
        yield Backend("s3", s3, uploads, parts)
    finally:
        await s3.aclose()


@pytest.fixture(scope="module")
def big() -> bytes:
    return random.Random(20).randbytes(20 * MIB)


async def chunks_of(
    data: bytes, *, largest: int = 128 * KIB, seed: int = 1
) -> AsyncIterator[bytes]:
    """The data in chunks of random sizes (and a few empty ones), as a client sends them."""
    sizes = random.Random(seed)
    view = memoryview(data)
    position = 0
    while position < len(data):
        size = sizes.randint(0, largest)
        yield bytes(view[position : position + size])
        position += size


async def read_all(storage: ObjectStorage, key: str, **options: Any) -> bytes:
    chunk_size = options.get("chunk_size", MIB)
    out = bytearray()
    async for chunk in storage.read(key, **options):
        assert 0 < len(chunk) <= chunk_size
        out += chunk
    return bytes(out)


async def all_keys(storage: ObjectStorage, prefix: str) -> list[str]:
    return sorted([key async for key in storage.keys(prefix)])


async def test_a_large_object_goes_round_trip_from_small_chunks(
    backend: Backend, big: bytes
) -> None:
    key = "users/0d7f/video-1"
    written = await backend.storage.put(key, chunks_of(big), content_type="video/mp4")

    assert written == len(big)
    assert await backend.storage.size(key) == len(big)
    assert await read_all(backend.storage, key) == big
    assert await all_keys(backend.storage, "users/") == [key]
    # S3: streamed as 8 MiB parts (the default part size), only the last one smaller.
    expected = [8 * MIB, 8 * MIB, 4 * MIB] if backend.name == "s3" else None
    assert await backend.parts(key) == expected
    assert await backend.leftovers() == []


@pytest.mark.parametrize("size", [0, 1, 16 * KIB, 8 * MIB, 8 * MIB + 1])
async def test_small_and_boundary_sizes(backend: Backend, size: int) -> None:
    data = random.Random(size).randbytes(size)
    key = f"users/0d7f/file-{size}"

    assert await backend.storage.put(key, chunks_of(data), content_type="image/png") == size
    assert await backend.storage.size(key) == size
    assert await read_all(backend.storage, key) == data
    # S3: one PutObject up to a whole part; beyond, a multipart upload whose last part is 1 byte.
    expected = [8 * MIB, 1] if backend.name == "s3" and size > 8 * MIB else None
    assert await backend.parts(key) == expected


async def test_ranges_follow_http_semantics(backend: Backend) -> None:
    data = random.Random(3).randbytes(3 * MIB + 123)
    size = len(data)
    key = "users/0d7f/image-1"
    await backend.storage.put(key, chunks_of(data), content_type="image/jpeg")

    async def ranged(start: int, end: int | None, chunk_size: int = MIB) -> bytes:
        return await read_all(backend.storage, key, start=start, end=end, chunk_size=chunk_size)

    assert await ranged(0, 0) == data[:1]
    assert await ranged(0, 99) == data[:100]
    assert await ranged(1_000_000, 2_500_000, chunk_size=64 * KIB) == data[1_000_000:2_500_001]
    assert await ranged(size - 10, None) == data[-10:]  # from a byte to the end
    assert await ranged(size - 1, size - 1) == data[-1:]
    assert await ranged(size - 5, size + 100) == data[-5:]  # an end past the last byte: clamped
    with pytest.raises(RangeNotSatisfiable) as refused:
        await ranged(size, None)
    assert refused.value.size == size
    for start, end in [(-1, None), (10, 9)]:
        with pytest.raises(ValueError):
            backend.storage.read(key, start=start, end=end)


async def test_an_iterator_that_raises_leaves_nothing_behind(backend: Backend) -> None:
    key = "users/0d7f/video-2"
    await backend.storage.put(key, chunks_of(b"the first version"), content_type="video/mp4")
    seen: list[str] = []

    class ClientWentAway(Exception):
        pass

    async def failing() -> AsyncIterator[bytes]:
        for _ in range(10):  # 10 MiB: past the first part on S3
            yield bytes(MIB)
        seen.extend(await backend.leftovers())
        raise ClientWentAway

    with pytest.raises(ClientWentAway):
        await backend.storage.put(key, failing(), content_type="video/mp4")
    with pytest.raises(ClientWentAway):
        await backend.storage.put("users/0d7f/video-3", failing(), content_type="video/mp4")

    assert len(seen) == 2  # the upload was under way when the iterator raised...
    assert await backend.leftovers() == []  # ...and nothing of it is left
    assert await read_all(backend.storage, key) == b"the first version"
    assert await backend.storage.size("users/0d7f/video-3") is None
    assert await all_keys(backend.storage, "") == [key]


async def test_a_cancelled_upload_is_invisible_then_leaves_nothing(backend: Backend) -> None:
    key = "users/0d7f/video-4"
    stalled = asyncio.Event()

    async def stalling() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield bytes(MIB)
        stalled.set()
        await asyncio.Event().wait()  # the client stops sending
        yield b"never"

    upload = asyncio.create_task(backend.storage.put(key, stalling(), content_type="video/mp4"))
    await asyncio.wait_for(stalled.wait(), timeout=10)

    assert len(await backend.leftovers()) == 1  # 10 MiB are stored somewhere...
    assert await backend.storage.size(key) is None  # ...but no object is visible
    assert await all_keys(backend.storage, "") == []

    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload
    assert await backend.leftovers() == []
    assert await backend.storage.size(key) is None


async def test_an_overwrite_replaces_the_object(backend: Backend) -> None:
    key = "users/0d7f/avatar"
    await backend.storage.put(key, chunks_of(b"old" * 1000), content_type="image/png")
    await backend.storage.put(key, chunks_of(b"new!"), content_type="image/png")

    assert await read_all(backend.storage, key) == b"new!"
    assert await backend.storage.size(key) == 4


async def test_a_missing_object(backend: Backend) -> None:
    assert await backend.storage.size("users/0d7f/missing") is None
    with pytest.raises(NotFound):
        await read_all(backend.storage, "users/0d7f/missing")
    with pytest.raises(NotFound):
        await read_all(backend.storage, "users/0d7f/missing", start=10, end=20)


async def test_delete_is_idempotent(backend: Backend) -> None:
    key = "users/0d7f/photo"
    await backend.storage.put(key, chunks_of(b"x" * 5000), content_type="image/jpeg")

    await backend.storage.delete(key)
    await backend.storage.delete(key)
    await backend.storage.delete("users/never/was")

    assert await backend.storage.size(key) is None
    with pytest.raises(NotFound):
        await read_all(backend.storage, key)


async def test_keys_are_listed_by_string_prefix(backend: Backend) -> None:
    stored = ["users/a/1", "users/a/2", "users/ab/1", "users/b/x/y", "other/1"]
    for key in stored:
        await backend.storage.put(key, chunks_of(key.encode()), content_type="text/plain")

    assert await all_keys(backend.storage, "users/a/") == ["users/a/1", "users/a/2"]
    assert await all_keys(backend.storage, "users/a") == ["users/a/1", "users/a/2", "users/ab/1"]
    assert await all_keys(backend.storage, "users/") == sorted(stored[:4])
    assert await all_keys(backend.storage, "users/b/x/y") == ["users/b/x/y"]
    assert await all_keys(backend.storage, "") == sorted(stored)
    assert await all_keys(backend.storage, "nobody/") == []


BAD_KEYS = [
    "",
    "/etc/passwd",
    "../outside",
    "users/../../outside",
    "users/./a",
    "users//a",
    "users\\a",
    "users/a/",
    ".hidden",
    "users/.a.part",
    "users/a\x00b",
    "users/a\nb",
    "a" * 1025,
]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_keys_that_could_escape_are_refused(backend: Backend, key: str) -> None:
    storage = backend.storage
    with pytest.raises(ValueError):
        await storage.put(key, chunks_of(b"x"), content_type="text/plain")
    with pytest.raises(ValueError):
        storage.read(key)
    with pytest.raises(ValueError):
        await storage.size(key)
    with pytest.raises(ValueError):
        await storage.delete(key)
    with pytest.raises(ValueError):
        await storage.presigned_url(key, expires_in=60, filename="a", content_type="text/plain")
    assert await backend.leftovers() == []


@pytest.mark.parametrize("prefix", ["/", "/users/", "..", "../", "users/../", "users//", "a\\b"])
async def test_prefixes_that_could_escape_are_refused(backend: Backend, prefix: str) -> None:
    with pytest.raises(ValueError):
        backend.storage.keys(prefix)


async def test_presigned_url(backend: Backend) -> None:
    data = random.Random(5).randbytes(300 * KIB)
    key = "users/0d7f/clip"
    await backend.storage.put(key, chunks_of(data), content_type="video/mp4")

    url = await backend.storage.presigned_url(
        key, expires_in=300, filename='clip "été".mp4', content_type="video/mp4"
    )

    if backend.name == "local":
        assert url is None  # the server signs its own links
        return
    assert url is not None
    async with httpx.AsyncClient() as client:
        whole = await client.get(url)
        seek = await client.get(url, headers={"Range": "bytes=100-199"})
    assert whole.status_code == 200
    assert whole.content == data
    assert whole.headers["content-type"] == "video/mp4"
    # Quotes replaced, an ASCII name for old clients, the exact one in filename*.
    assert whole.headers["content-disposition"] == (
        "attachment; filename=\"clip __t__.mp4\"; filename*=UTF-8''clip%20_%C3%A9t%C3%A9_.mp4"
    )
    assert (seek.status_code, seek.content) == (206, data[100:200])


@pytest.mark.usefixtures("aws_env")
async def test_s3_down_or_misconfigured_is_unavailable(moto_endpoint: str) -> None:
    unreachable = S3Storage(
        "vault", endpoint_url="http://127.0.0.1:9", region=REGION, max_attempts=1
    )
    no_bucket = S3Storage("no-such-bucket-here", endpoint_url=moto_endpoint, region=REGION)
    try:
        with pytest.raises(Unavailable):
            await unreachable.size("users/a/1")
        with pytest.raises(Unavailable):
            await unreachable.put("users/a/1", chunks_of(b"x"), content_type="text/plain")
        with pytest.raises(Unavailable, match="does not exist"):
            await no_bucket.put("users/a/1", chunks_of(b"x"), content_type="text/plain")
        with pytest.raises(Unavailable):
            await all_keys(no_bucket, "users/")
    finally:
        await unreachable.aclose()
        await no_bucket.aclose()


async def test_purge_partial_removes_only_old_interrupted_writes(backend: Backend) -> None:
    stalled = asyncio.Event()

    async def stalling() -> AsyncIterator[bytes]:
        for _ in range(10):  # past S3's first part: a multipart upload is open
            yield bytes(MIB)
        stalled.set()
        await asyncio.Event().wait()  # a process that dies here leaves its partial write
        yield b"never"

    upload = asyncio.create_task(
        backend.storage.put("users/0d7f/dead", stalling(), content_type="video/mp4")
    )
    await asyncio.wait_for(stalled.wait(), timeout=10)
    await backend.storage.put("users/0d7f/kept", chunks_of(b"whole"), content_type="image/png")

    if backend.name == "local":  # moto dates every multipart upload 2010-11-10: always old
        assert await backend.storage.purge_partial(3600) == 0  # younger: still in progress
        assert len(await backend.leftovers()) == 1
    assert await backend.storage.purge_partial(0) == 1
    assert await backend.leftovers() == []
    assert await all_keys(backend.storage, "") == ["users/0d7f/kept"]

    upload.cancel()  # the writer's own cleanup copes with its partial write gone
    with pytest.raises(asyncio.CancelledError):
        await upload

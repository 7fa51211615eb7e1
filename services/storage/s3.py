"""ObjectStorage on S3 or any S3-compatible service (MinIO, R2, ...), through aiobotocore.

Credentials come from where botocore looks for them (the standard AWS environment variables,
the shared config and credentials files, a container or instance role): none are in our
settings. S3's errors become domain errors: a missing object is NotFound; S3 down, slow,
throttling, unreachable or refusing our credentials is Unavailable (503, retry later).

Uploads stream: chunks are gathered into parts of `part_size` bytes (8 MiB by default; S3 wants
5 MiB to 5 GiB, all but the last part) sent one after another with UploadPart, so memory stays
about two parts per upload whatever the object's size. An object smaller than one part goes up
in a single PutObject. S3 makes a multipart object visible only at CompleteMultipartUpload;
when the chunks' iterator raises or the task is cancelled, the upload is aborted, so no parts
stay stored (and billed). An abort can fail too (S3 down at that moment): give the bucket a
lifecycle rule `AbortIncompleteMultipartUpload` (a day, say) as the backstop.

One ambiguity is S3's, not ours: cancelled while CompleteMultipartUpload (or a single
PutObject) is in flight, the object may exist afterwards, whole; it is never partial.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from services.errors import DomainError, NotFound, PayloadTooLarge, Unavailable
from services.storage.ports import (
    DEFAULT_CHUNK_SIZE,
    MIB,
    RangeNotSatisfiable,
    check_key,
    check_prefix,
    check_range,
    content_disposition,
)

logger = logging.getLogger("huntaze.storage")

MIN_PART_SIZE = 5 * MIB
MAX_PART_SIZE = 5 * 1024 * MIB
MAX_PARTS = 10_000
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # SigV4's limit
_CHECKSUMS = (
    "ChecksumCRC32",
    "ChecksumCRC32C",
    "ChecksumCRC64NVME",
    "ChecksumSHA1",
    "ChecksumSHA256",
)
_MISSING = {"NoSuchKey", "NotFound", "404"}
_REFUSED = {
    "AccessDenied",
    "AllAccessDisabled",
    "ExpiredToken",
    "InvalidAccessKeyId",
    "InvalidToken",
    "SignatureDoesNotMatch",
}


class S3Storage:
    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        part_size: int = 8 * MIB,
        addressing_style: str = "auto",
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_attempts: int = 3,
        max_connections: int = 10,
    ) -> None:
        """`endpoint_url` for S3-compatible services (and tests); `addressing_style` "path"
        where bucket names cannot be host names (most self-hosted services). `max_attempts`
        counts the first: botocore's standard retry mode retries throttling, 5xx and
        connection errors with backoff."""
        if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
            raise ValueError(f"part_size must be within {MIN_PART_SIZE}..{MAX_PART_SIZE} bytes")
        if addressing_style not in ("auto", "path", "virtual"):
            raise ValueError("addressing_style is auto, path or virtual")
        self._bucket = bucket
        self._endpoint_url = endpoint_url
        self._region = region
        self._part_size = part_size
        self._config = AioConfig(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            retries={"mode": "standard", "total_max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_connections,
            warm_up_loader_caches=True,  # botocore's JSON models load in a thread, not the loop
        )
        self._session = get_session()
        self._client: Any = None
        self._exits = AsyncExitStack()
        self._lock = asyncio.Lock()
        self._cleanups: set[asyncio.Task[None]] = set()

    async def _s3(self) -> Any:
        """The client, created on first use (it belongs to the running loop)."""
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    try:
                        # The shared config files are read once, in a thread.
                        await asyncio.to_thread(lambda: self._session.full_config)
                        self._client = await self._exits.enter_async_context(
                            self._session.create_client(
                                "s3",
                                region_name=self._region,
                                endpoint_url=self._endpoint_url,
                                config=self._config,
                            )
                        )
                    except BotoCoreError as error:
                        raise self._error(error, "") from error
        return self._client

    async def _call(self, operation: str, key: str, **params: Any) -> dict[str, Any]:
        client = await self._s3()
        try:
            response: dict[str, Any] = await getattr(client, operation)(
                Bucket=self._bucket, **params
            )
        except (ClientError, BotoCoreError) as error:
            raise self._error(error, key) from error
        return response

    # -- put --------------------------------------------------------------------------------

    async def put(self, key: str, chunks: AsyncIterator[bytes], *, content_type: str) -> int:
        check_key(key)
        buffer = bytearray()
        written = 0
        creating: asyncio.Task[dict[str, Any]] | None = None
        parts: list[dict[str, Any]] = []
        try:
            async for chunk in chunks:
                buffer += chunk
                written += len(chunk)
                # Strictly more than a part: an object of exactly one part is one PutObject,
                # and the last part is never empty.
                while len(buffer) > self._part_size:
                    if creating is None:
                        creating = asyncio.ensure_future(
                            self._call(
                                "create_multipart_upload",
                                key,
                                Key=key,
                                ContentType=content_type,
                            )
                        )
                    # Shielded: cancelled meanwhile, the upload may still be created, and the
                    # cleanup below needs its id to abort it.
                    upload_id = (await asyncio.shield(creating))["UploadId"]
                    parts.append(await self._upload_part(key, upload_id, parts, buffer))
            if creating is None:
                await self._call(
                    "put_object", key, Key=key, Body=bytes(buffer), ContentType=content_type
                )
                return written
            upload_id = (await creating)["UploadId"]
            if buffer:
                parts.append(await self._upload_part(key, upload_id, parts, buffer))
            await self._call(
                "complete_multipart_upload",
                key,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            if creating is not None:
                cleanup = asyncio.ensure_future(self._abort(key, creating))
                self._cleanups.add(cleanup)  # the loop holds tasks weakly
                cleanup.add_done_callback(self._cleanups.discard)
                await asyncio.shield(cleanup)
            raise
        return written

    async def _upload_part(
        self, key: str, upload_id: str, parts: list[dict[str, Any]], buffer: bytearray
    ) -> dict[str, Any]:
        """Sends the next part (the first part_size bytes of the buffer, removed from it)."""
        number = len(parts) + 1
        if number > MAX_PARTS:
            raise PayloadTooLarge(
                f"an object has at most {MAX_PARTS} parts of {self._part_size} bytes"
            )
        body = _take(buffer, self._part_size)
        response = await self._call(
            "upload_part", key, Key=key, UploadId=upload_id, PartNumber=number, Body=body
        )
        # With flexible checksums (botocore's default), S3 wants each part's checksum again.
        part = {"PartNumber": number, "ETag": response["ETag"]}
        part |= {name: response[name] for name in _CHECKSUMS if response.get(name)}
        return part

    async def _abort(self, key: str, creating: asyncio.Task[dict[str, Any]]) -> None:
        try:
            upload_id = (await creating)["UploadId"]
        except Exception:
            return  # never created: nothing to abort
        try:
            await self._call("abort_multipart_upload", key, Key=key, UploadId=upload_id)
        except NotFound:
            pass  # already gone (or completed: cancelled during the completion)
        except DomainError as error:
            logger.warning(
                "could not abort the multipart upload %s of %s: %s "
                "(the bucket's AbortIncompleteMultipartUpload rule will)",
                upload_id,
                key,
                error.message,
            )

    # -- read -------------------------------------------------------------------------------

    def read(
        self,
        key: str,
        *,
        start: int = 0,
        end: int | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
    ) -> AsyncIterator[bytes]:
        check_key(key)
        check_range(start, end, chunk_size)
        return self._read(key, start, end, chunk_size)

    async def _read(
        self, key: str, start: int, end: int | None, chunk_size: int
    ) -> AsyncIterator[bytes]:
        params: dict[str, Any] = {}
        if (start, end) != (0, None):  # the whole object without Range: an empty one too
            params["Range"] = f"bytes={start}-{'' if end is None else end}"
        body = (await self._call("get_object", key, Key=key, **params))["Body"]
        try:
            while True:
                try:
                    data = await body.read(chunk_size)  # at most chunk_size, as it arrives
                except BotoCoreError as error:
                    raise self._error(error, key) from error
                if not data:
                    return
                yield data
        finally:
            body.close()

    # -- the rest ---------------------------------------------------------------------------

    async def size(self, key: str) -> int | None:
        check_key(key)
        try:
            response = await self._call("head_object", key, Key=key)
        except NotFound:
            return None
        return int(response["ContentLength"])

    async def delete(self, key: str) -> None:
        check_key(key)
        await self._call("delete_object", key, Key=key)  # S3 answers 204 for a missing key too

    def keys(self, prefix: str) -> AsyncIterator[str]:
        check_prefix(prefix)
        return self._keys(prefix)

    async def _keys(self, prefix: str) -> AsyncIterator[str]:
        client = await self._s3()
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=self._bucket, Prefix=prefix)
        try:
            async for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"]
        except (ClientError, BotoCoreError) as error:
            raise self._error(error, prefix) from error

    async def purge_partial(self, older_than_seconds: float) -> int:
        client = await self._s3()
        before = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        removed = 0
        pages = client.get_paginator("list_multipart_uploads").paginate(Bucket=self._bucket)
        try:
            async for page in pages:
                for upload in page.get("Uploads", []):
                    if upload["Initiated"] < before:
                        await client.abort_multipart_upload(
                            Bucket=self._bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                        )
                        removed += 1
        except (ClientError, BotoCoreError) as error:
            raise self._error(error, "") from error
        return removed

    async def presigned_url(
        self,
        key: str,
        *,
        expires_in: int,
        filename: str,
        content_type: str,
        inline: bool = False,
    ) -> str | None:
        """A presigned GetObject URL whose answer carries this file name and content type.
        Range requests work on it (players seek with them)."""
        check_key(key)
        if not 1 <= expires_in <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"expires_in must be within 1..{MAX_PRESIGN_SECONDS} seconds")
        client = await self._s3()
        try:
            url: str = await client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self._bucket,
                    "Key": key,
                    "ResponseContentDisposition": content_disposition(filename, inline=inline),
                    "ResponseContentType": content_type,
                },
                ExpiresIn=expires_in,
            )
        except BotoCoreError as error:
            raise self._error(error, key) from error
        return url

    async def aclose(self) -> None:
        if self._cleanups:
            await asyncio.gather(*self._cleanups, return_exceptions=True)
        await self._exits.aclose()
        self._client = None

    # -- errors -----------------------------------------------------------------------------

    def _error(self, error: ClientError | BotoCoreError, key: str) -> DomainError:
        if isinstance(error, NoCredentialsError):
            return Unavailable(
                "no AWS credentials for S3: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(or a profile, or a role) where the server runs"
            )
        if not isinstance(error, ClientError):  # unreachable, timed out, connection dropped
            return Unavailable(f"S3 is unreachable, retry: {error}", retry_after=2)
        info = error.response.get("Error", {})
        code = str(info.get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _MISSING or (status == 404 and code != "NoSuchBucket"):
            return NotFound(f"no stored object {key}")
        if code == "NoSuchUpload":
            return NotFound(f"no multipart upload in progress for {key}")
        if code == "InvalidRange":
            size = info.get("ActualObjectSize")
            return RangeNotSatisfiable(
                f"the range starts past the end of {key}",
                size=int(size) if str(size or "").isdigit() else None,
            )
        if code == "NoSuchBucket":
            return Unavailable(f"the S3 bucket {self._bucket} does not exist")
        if code in _REFUSED or status == 403:
            return Unavailable(f"S3 refused our credentials ({code or status})")
        if status >= 500 or status == 429 or code in ("SlowDown", "RequestTimeout"):
            return Unavailable(f"S3 is unavailable, retry ({code or status})", retry_after=2)
        return Unavailable(f"S3 refused the request: {code or status} {info.get('Message', '')}")


def _take(buffer: bytearray, size: int) -> bytes:
    """The first `size` bytes of the buffer, removed from it (one copy)."""
    with memoryview(buffer) as view:
        head = view[:size].tobytes()
    del buffer[:size]
    return head

"""The media vault on S3 through Envoy: uploads stream into an S3-protocol server (moto's
server mode, started here) with multipart, assets link to presigned URLs that serve the bytes
(ranges included) straight from the bucket, and deletion removes the objects."""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from collections.abc import Iterator

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer
from support.e2e_client import bearer, signed_in
from support.e2e_stack import Stack, stack_on
from support.media_samples import image_bytes, mp4

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def bucket(moto_endpoint: str) -> object:
    name = f"vault-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_bucket(Bucket=name)
    return client, name


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str, bucket: tuple[object, str]
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("vault-s3")
    env = {
        "RATE_LIMIT_AUTH": "10000/60",
        "RATE_LIMIT_STANDARD": "10000/60",
        "STORAGE_BACKEND": "s3",
        "STORAGE_S3_BUCKET": bucket[1],
        "STORAGE_S3_ENDPOINT_URL": moto_endpoint,
        "STORAGE_S3_REGION": REGION,
        "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **CREDENTIALS,
    }
    with stack_on("sqlite", workdir, env=env) as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=60) as http:
        yield http


def objects(bucket: tuple[object, str]) -> list[str]:
    client, name = bucket
    listed = client.list_objects_v2(Bucket=name)  # type: ignore[attr-defined]
    return sorted(item["Key"] for item in listed.get("Contents", []))


def chunked(data: bytes, size: int = 512 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_multipart_video_round_trips_through_presigned_urls(
    client: httpx.Client, stack: Stack, bucket: tuple[object, str]
) -> None:
    _, access, _ = signed_in(client)
    video = mp4(seconds=9.0, mdat=os.urandom(20 * MIB))  # past the 8 MiB parts: multipart
    uploaded = client.post(
        "/api/content-creation/upload",
        params={"filename": "clip.mp4"},
        content=chunked(video),
        headers=bearer(access),
    )
    assert uploaded.status_code == 200, uploaded.text
    asset = uploaded.json()["asset"]
    assert asset["sha256"] == hashlib.sha256(video).hexdigest()
    assert asset["url"].startswith(stack.settings.storage_s3_endpoint_url)  # presigned

    fetched = httpx.get(asset["url"])
    assert fetched.status_code == 200
    assert fetched.content == video
    part = httpx.get(asset["url"], headers={"range": "bytes=100-199"})
    assert (part.status_code, part.content) == (206, video[100:200])
    assert objects(bucket).count(f"users/{_user_id(client, access)}/{asset['id']}.mp4") == 1

    deleted = client.delete(f"/api/content-creation/assets/{asset['id']}", headers=bearer(access))
    assert deleted.status_code == 200
    assert not [key for key in objects(bucket) if asset["id"] in key]


def test_a_refused_upload_leaves_no_object(
    client: httpx.Client, bucket: tuple[object, str]
) -> None:
    _, access, _ = signed_in(client)
    before = objects(bucket)
    refused = client.post(
        "/api/content-creation/upload",
        params={"filename": "bomb.png"},
        content=image_bytes("JPEG", (400, 300))[:700],
        headers=bearer(access),
    )
    assert refused.status_code == 400
    assert objects(bucket) == before


def _user_id(client: httpx.Client, access: str) -> str:
    return client.get("/api/users/me", headers=bearer(access)).json()["user"]["id"]

"""The media vault through Envoy (REST): streamed uploads, signed downloads with ranges, tags,
filters, duplicates, deletion, and hostile uploads that must leave nothing behind. SQLite and
PostgreSQL, local storage; the per-plan limits are small here so the 413s are cheap to reach."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from support.e2e_client import bearer, signed_in
from support.e2e_stack import Stack, stack_on
from support.media_samples import image_bytes, mp4, png_header

pytestmark = pytest.mark.e2e

UPLOAD = "/api/content-creation/upload"
ASSETS = "/api/content-creation/assets"
MIB = 1024 * 1024
LIMITS = {
    "RATE_LIMIT_AUTH": "10000/60",
    "RATE_LIMIT_STANDARD": "10000/60",
    "UPLOAD_MAX_MIB_FREE": "4",
    "STORAGE_QUOTA_MIB_FREE": "12",
}


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp(f"vault-{request.param}")
    with stack_on(request.param, workdir, env=LIMITS) as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        yield http


def stored_files(stack: Stack) -> list[str]:
    """Every file under the stack's storage root, temporary ones included."""
    root = stack.workdir / "storage"
    return sorted(
        str(Path(folder, name).relative_to(root))
        for folder, _, names in os.walk(root)
        for name in names
    )


def user_files(stack: Stack, access: str, client: httpx.Client) -> list[str]:
    user_id = client.get("/api/users/me", headers=bearer(access)).json()["user"]["id"]
    return [name for name in stored_files(stack) if f"/{user_id}/" in f"/{name}"]


def upload(
    client: httpx.Client, access: str, body: bytes | Iterator[bytes], filename: str = "x.bin"
) -> httpx.Response:
    return client.post(
        UPLOAD,
        params={"filename": filename},
        content=body,
        headers={**bearer(access), "content-type": "application/octet-stream"},
    )


def chunked(data: bytes, size: int = 256 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_an_image_round_trips_with_its_facts_and_thumbnail(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    photo = image_bytes("PNG", (640, 480))
    response = upload(client, access, photo, "Beach day.png")
    assert response.status_code == 200, response.text
    body = response.json()
    asset = body["asset"]
    assert body["duplicate"] is False
    assert (asset["type"], asset["contentType"], asset["filename"]) == (
        "photo",
        "image/png",
        "Beach day.png",
    )
    assert (asset["width"], asset["height"], asset["sizeBytes"]) == (640, 480, len(photo))
    assert asset["sha256"] == hashlib.sha256(photo).hexdigest()

    fetched = httpx.get(asset["url"])  # no session: the signed link is the credential
    assert fetched.status_code == 200
    assert fetched.content == photo
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["accept-ranges"] == "bytes"

    thumb = httpx.get(asset["thumbnailUrl"])
    assert thumb.headers["content-type"] == "image/webp"
    assert Image.open(io.BytesIO(thumb.content)).size == (320, 240)


def test_a_large_video_streams_in_and_out_with_ranges(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    video = mp4(seconds=42.0, width=1080, height=1920, mdat=os.urandom(3 * MIB))
    response = upload(client, access, chunked(video), "clip.mp4")
    assert response.status_code == 200, response.text
    asset = response.json()["asset"]
    assert (asset["type"], asset["contentType"]) == ("video", "video/mp4")
    assert (asset["width"], asset["height"], asset["durationSeconds"]) == (1080, 1920, 42.0)
    assert asset["thumbnailUrl"] == ""

    assert httpx.get(asset["url"]).content == video
    part = httpx.get(asset["url"], headers={"range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 1000-1999/{len(video)}"
    assert part.content == video[1000:2000]
    tail = httpx.get(asset["url"], headers={"range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, video[-10:])
    past = httpx.get(asset["url"], headers={"range": f"bytes={len(video)}-"})
    assert past.status_code == 416, (past.headers, past.content[:300])
    assert past.json()["details"][0]["reason"] == "RANGE_NOT_SATISFIABLE"


def test_the_same_file_twice_is_one_asset(client: httpx.Client, stack: Stack) -> None:
    _, access, _ = signed_in(client)
    photo = image_bytes("JPEG", (300, 200))
    first = upload(client, access, photo, "a.jpg").json()
    again = upload(client, access, photo, "copy of a.jpg").json()
    assert again["duplicate"] is True
    assert again["asset"]["id"] == first["asset"]["id"]
    listed = client.get(ASSETS, headers=bearer(access)).json()["assets"]
    assert [a["id"] for a in listed] == [first["asset"]["id"]]
    assert len(user_files(stack, access, client)) == 2  # the original and its thumbnail


def test_tags_filters_and_deletion(client: httpx.Client, stack: Stack) -> None:
    _, access, _ = signed_in(client)
    photo = upload(client, access, image_bytes("PNG", (50, 50)), "p.png").json()["asset"]
    video = upload(client, access, mp4(), "v.mp4").json()["asset"]

    tagged = client.patch(
        f"{ASSETS}/{photo['id']}",
        json={"tags": [" Beach ", "summer", "beach"]},
        headers=bearer(access),
    )
    assert tagged.status_code == 200, tagged.text
    assert tagged.json()["asset"]["tags"] == ["beach", "summer"]

    def ids(**query: str) -> list[str]:
        found = client.get(ASSETS, params=query, headers=bearer(access))
        assert found.status_code == 200, found.text
        return [a["id"] for a in found.json()["assets"]]

    assert ids() == [video["id"], photo["id"]]
    assert ids(type="video") == [video["id"]]
    assert ids(tag="BEACH") == [photo["id"]]
    assert ids(usage="unused") == [video["id"], photo["id"]]
    assert ids(usage="used") == []
    assert ids(**{"page.limit": "1"}) == [video["id"]]

    assert client.delete(f"{ASSETS}/{photo['id']}", headers=bearer(access)).status_code == 200
    assert client.get(f"{ASSETS}/{photo['id']}", headers=bearer(access)).status_code == 404
    assert httpx.get(photo["url"]).status_code == 404
    assert len(user_files(stack, access, client)) == 1  # the video alone


def test_someone_elses_asset_is_not_found(client: httpx.Client) -> None:
    _, owner, _ = signed_in(client)
    _, other, _ = signed_in(client)
    asset = upload(client, owner, image_bytes("PNG"), "p.png").json()["asset"]
    for call in (client.get, client.delete):
        assert call(f"{ASSETS}/{asset['id']}", headers=bearer(other)).status_code == 404


def test_a_tampered_link_is_refused(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    asset = upload(client, access, image_bytes("PNG"), "p.png").json()["asset"]
    url = httpx.URL(asset["url"])
    forged = url.copy_set_param("expires", str(int(url.params["expires"]) + 3600))
    assert httpx.get(forged).status_code == 403
    other = url.copy_set_param("variant", "thumbnail")
    assert httpx.get(other).status_code == 403


@pytest.mark.parametrize(
    ("body", "filename", "status", "reason"),
    [
        (b"MZ\x90\x00" + b"\x00" * 400, "holiday.jpg", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (b"#!/bin/sh\nrm -rf /\n" * 30, "clip.mp4", 415, "UNSUPPORTED_MEDIA_TYPE"),
        (image_bytes("JPEG", (400, 300))[:600], "cut.jpg", 400, "INVALID_ARGUMENT"),
        (png_header(30_000, 30_000), "bomb.png", 400, "INVALID_ARGUMENT"),
        (b"", "empty.png", 400, "INVALID_ARGUMENT"),
    ],
    ids=["renamed-executable", "script", "truncated-jpeg", "decompression-bomb", "empty"],
)
def test_hostile_uploads_leave_nothing(
    client: httpx.Client, stack: Stack, body: bytes, filename: str, status: int, reason: str
) -> None:
    _, access, _ = signed_in(client)
    response = upload(client, access, body, filename)
    assert response.status_code == status, response.text
    assert response.json()["details"][0]["reason"] == reason
    assert client.get(ASSETS, headers=bearer(access)).json()["assets"] == []
    assert user_files(stack, access, client) == []


def test_a_file_over_the_plan_limit_is_413_and_leaves_nothing(
    client: httpx.Client, stack: Stack
) -> None:
    _, access, _ = signed_in(client)
    big = mp4(mdat=os.urandom(5 * MIB))  # the free plan's limit here is 4 MiB
    response = upload(client, access, chunked(big), "big.mp4")
    assert response.status_code == 413, response.text
    assert response.json()["details"][0]["reason"] == "FILE_TOO_LARGE"
    assert client.get(ASSETS, headers=bearer(access)).json()["assets"] == []
    assert user_files(stack, access, client) == []


def test_the_quota_counts_every_upload(client: httpx.Client, stack: Stack) -> None:
    _, access, _ = signed_in(client)
    for index in range(3):  # 3 x 3.5 MiB of the 12 MiB quota
        kept = upload(client, access, chunked(mp4(mdat=os.urandom(3 * MIB + MIB // 2))), "v.mp4")
        assert kept.status_code == 200, (index, kept.text)
    over = upload(client, access, chunked(mp4(mdat=os.urandom(3 * MIB))), "one-more.mp4")
    assert over.status_code == 413, over.text
    assert over.json()["details"][0]["reason"] == "STORAGE_QUOTA_EXCEEDED"
    assert len(client.get(ASSETS, headers=bearer(access)).json()["assets"]) == 3
    assert len(user_files(stack, access, client)) == 3


def test_a_client_that_disconnects_mid_upload_leaves_nothing(
    client: httpx.Client, stack: Stack
) -> None:
    _, access, _ = signed_in(client)
    video = mp4(mdat=os.urandom(3 * MIB))

    def dies_halfway() -> Iterator[bytes]:
        yield video[:MIB]
        raise ConnectionAbortedError("the client went away")

    with pytest.raises(ConnectionAbortedError):
        upload(client, access, dies_halfway(), "half.mp4")
    # Envoy resets the stream to the worker, which discards the partial file: ask until the
    # vault shows nothing and no temporary file is left (the worker may still be cleaning up).
    assert client.get(ASSETS, headers=bearer(access)).json()["assets"] == []
    assert_eventually_empty(stack, access, client)


def assert_eventually_empty(stack: Stack, access: str, client: httpx.Client) -> None:
    import time

    deadline = time.monotonic() + 10
    while user_files(stack, access, client) or _partials(stack):
        assert time.monotonic() < deadline, (user_files(stack, access, client), _partials(stack))
        time.sleep(0.05)


def _partials(stack: Stack) -> list[str]:
    return [name for name in stored_files(stack) if Path(name).name.startswith(".")]


def test_an_upload_needs_a_name(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    response = client.post(UPLOAD, content=image_bytes("PNG"), headers=bearer(access))
    assert response.status_code == 400
    named = client.post(
        UPLOAD, content=image_bytes("PNG"), headers={**bearer(access), "x-filename": "h.png"}
    )
    assert named.status_code == 200, named.text
    assert named.json()["asset"]["filename"] == "h.png"


def test_uploads_need_a_session(client: httpx.Client) -> None:
    assert client.post(UPLOAD, params={"filename": "a.png"}, content=b"x").status_code == 401

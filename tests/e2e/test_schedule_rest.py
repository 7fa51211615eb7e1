"""The schedule through Envoy (REST) with the scheduler running in the workers: a post made
from an uploaded asset and a content item is published within seconds, shows in its campaign,
and the webhook publisher's receiver gets one signed event per platform; cancelled and
rescheduled posts never go out early. SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from support.e2e_client import bearer, signed_in
from support.e2e_stack import Stack, stack_on
from support.media_samples import image_bytes
from support.publish_receiver import PublishReceiver

from services.scheduling.publishing import SIGNATURE_HEADER, verify

pytestmark = pytest.mark.e2e

SCHEDULE = "/api/content-creation/schedule"
SECRET = "whsec_publish_test_secret_0123456789"
PUBLISHED_WITHIN_SECONDS = 20.0


@pytest.fixture(scope="module")
def receiver() -> Iterator[PublishReceiver]:
    with PublishReceiver(SECRET, fail_first_n=2) as running:
        yield running


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    receiver: PublishReceiver,
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp(f"schedule-{request.param}")
    env = {
        "RATE_LIMIT_AUTH": "10000/60",
        "RATE_LIMIT_STANDARD": "10000/60",
        "SCHEDULER_POLL_SECONDS": "0.2",
        "PUBLISH_RETRY_BASE_SECONDS": "0.2",
        "PUBLISH_RETRY_MAX_SECONDS": "1",
        "PUBLISH_WEBHOOK_URL": receiver.url,
        "PUBLISH_WEBHOOK_SECRET": SECRET,
    }
    with stack_on(request.param, workdir, env=env) as running:
        yield running


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        yield http


def soon(seconds: float = 1.5) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def a_post(**fields: Any) -> dict[str, Any]:
    return {
        "title": "Beach set",
        "contentType": "photo",
        "platforms": ["onlyfans", "instagram"],
        "scheduledAt": soon(),
        **fields,
    }


def wait_for_status(client: httpx.Client, access: str, post_id: str, status: str) -> dict:
    deadline = time.monotonic() + PUBLISHED_WITHIN_SECONDS
    while True:
        posts = client.get(SCHEDULE, headers=bearer(access)).json()["posts"]
        post = next(p for p in posts if p["id"] == post_id)
        if post["status"] == status or time.monotonic() > deadline:
            assert post["status"] == status, post
            return post
        time.sleep(0.1)


def test_upload_schedule_publish_and_see_it_in_the_campaign(
    client: httpx.Client, receiver: PublishReceiver
) -> None:
    _, access, _ = signed_in(client)
    asset = client.post(
        "/api/content-creation/upload",
        params={"filename": "beach.png"},
        content=image_bytes("PNG", (64, 64)),
        headers=bearer(access),
    ).json()["asset"]
    campaign = client.post(
        "/api/content-creation/campaigns", json={"title": "Summer"}, headers=bearer(access)
    ).json()["campaign"]
    item = client.post(
        "/api/content-creation/content",
        json={"title": "Beach set", "type": "photo"},
        headers=bearer(access),
    ).json()["item"]

    scheduled = client.post(
        SCHEDULE,
        json=a_post(assetIds=[asset["id"]], campaignId=campaign["id"], contentId=item["id"]),
        headers=bearer(access),
    )
    assert scheduled.status_code == 200, scheduled.text
    post = scheduled.json()["post"]
    assert post["status"] == "scheduled"
    content = f"/api/content-creation/content/{item['id']}"
    assert client.get(content, headers=bearer(access)).json()["item"]["status"] == "scheduled"
    in_use = client.delete(f"/api/content-creation/assets/{asset['id']}", headers=bearer(access))
    assert in_use.status_code == 409
    assert in_use.json()["details"][0]["reason"] == "ASSET_IN_USE"

    published = wait_for_status(client, access, post["id"], "published")
    assert [(d["platform"], d["status"]) for d in published["deliveries"]] == [
        ("onlyfans", "sent"),
        ("instagram", "sent"),
    ]
    assert published["publishedAt"] >= post["scheduledAt"]  # never early
    assert client.get(content, headers=bearer(access)).json()["item"]["status"] == "published"
    counts = client.get(
        f"/api/content-creation/campaigns/{campaign['id']}", headers=bearer(access)
    ).json()["campaign"]["postCounts"]
    assert counts == {"scheduled": 0, "published": 1, "failed": 0, "cancelled": 0}
    of_campaign = client.get(
        SCHEDULE, params={"campaignId": campaign["id"]}, headers=bearer(access)
    ).json()["posts"]
    assert [p["id"] for p in of_campaign] == [post["id"]]

    with receiver.lock:
        events = [receiver.by_key[f"{post['id']}:{p}"] for p in ("onlyfans", "instagram")]
        calls = [c for c in receiver.calls if c.key and c.key.startswith(post["id"])]
    assert [e["data"]["assetIds"] for e in events] == [[asset["id"]], [asset["id"]]]
    for call in calls:
        assert verify(SECRET, call.headers[SIGNATURE_HEADER.lower()], call.body, now=int(call.at))
    assert json.loads(calls[-1].body)["type"] == "post.publish"


def test_cancelled_and_rescheduled_posts_do_not_go_out_early(
    client: httpx.Client, receiver: PublishReceiver
) -> None:
    _, access, _ = signed_in(client)
    cancelled = client.post(SCHEDULE, json=a_post(scheduledAt=soon(2)), headers=bearer(access))
    moved = client.post(SCHEDULE, json=a_post(scheduledAt=soon(2)), headers=bearer(access))
    marker = client.post(SCHEDULE, json=a_post(scheduledAt=soon(3)), headers=bearer(access))
    cancelled_id, moved_id = cancelled.json()["post"]["id"], moved.json()["post"]["id"]

    gone = client.delete(f"{SCHEDULE}/{cancelled_id}", headers=bearer(access))
    assert gone.json()["post"]["status"] == "cancelled"
    later = soon(3600)
    patched = client.patch(
        f"{SCHEDULE}/{moved_id}",
        json={"scheduledAt": later, "title": "Moved"},
        headers=bearer(access),
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["post"]["title"] == "Moved"

    wait_for_status(client, access, marker.json()["post"]["id"], "published")  # a second later
    with receiver.lock:
        keys = set(receiver.by_key)
    assert not any(key.startswith((cancelled_id, moved_id)) for key in keys)
    assert client.delete(f"{SCHEDULE}/{cancelled_id}", headers=bearer(access)).status_code == 409
    again = client.patch(f"{SCHEDULE}/{cancelled_id}", json={"title": "x"}, headers=bearer(access))
    assert again.json()["details"][0]["reason"] == "POST_NOT_SCHEDULED"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"scheduledAt": "2020-01-01T00:00:00Z"}, "scheduledAt"),
        ({"scheduledAt": "2099-01-01T00:00:00Z"}, "scheduledAt"),
        ({"platforms": []}, "platforms"),
    ],
)
def test_bad_times_and_platforms_are_400(
    client: httpx.Client, fields: dict[str, Any], field: str
) -> None:
    _, access, _ = signed_in(client)
    refused = client.post(SCHEDULE, json=a_post(**fields), headers=bearer(access))
    assert refused.status_code == 400, refused.text
    violations = [d for d in refused.json()["details"] if "fieldViolations" in d]
    assert violations[0]["fieldViolations"][0]["field"] == field


def test_someone_elses_asset_is_404(client: httpx.Client) -> None:
    _, owner, _ = signed_in(client)
    _, other, _ = signed_in(client)
    asset = client.post(
        "/api/content-creation/upload",
        params={"filename": "mine.png"},
        content=image_bytes("PNG", (9, 9)),
        headers=bearer(owner),
    ).json()["asset"]
    refused = client.post(SCHEDULE, json=a_post(assetIds=[asset["id"]]), headers=bearer(other))
    assert refused.status_code == 404


def test_a_campaign_with_scheduled_posts_cannot_be_deleted(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    campaign = client.post(
        "/api/content-creation/campaigns", json={"title": "Later"}, headers=bearer(access)
    ).json()["campaign"]
    client.post(
        SCHEDULE,
        json=a_post(scheduledAt=soon(3600), campaignId=campaign["id"]),
        headers=bearer(access),
    )
    refused = client.delete(
        f"/api/content-creation/campaigns/{campaign['id']}", headers=bearer(access)
    )
    assert refused.status_code == 409
    assert refused.json()["details"][0]["reason"] == "CAMPAIGN_HAS_SCHEDULED_POSTS"


def test_health_reports_the_scheduler(client: httpx.Client) -> None:
    deadline = time.monotonic() + 10
    while True:
        scheduler = client.get("/api/health").json()["checks"]["scheduler"]
        if scheduler["status"] == "ok" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert scheduler["status"] == "ok", scheduler

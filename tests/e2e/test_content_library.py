"""The content library through Envoy (REST), on SQLite and PostgreSQL: the drafts content ideas
save are listed; items are created, paged, filtered, changed and deleted by their owner only."""

from __future__ import annotations

import httpx
import pytest
from support.e2e_client import bearer, signed_in
from support.media_samples import image_bytes

pytestmark = pytest.mark.e2e

LIBRARY = "/api/content-creation/content"
IDEAS_REQUEST = {
    "creatorProfile": {"id": "me", "niche": ["fitness"], "contentTypes": ["photo", "video"]},
    "options": {"count": 3},
}


def test_the_drafts_content_ideas_save_are_in_the_library(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    generated = client.post(
        "/api/content-ideas/generate", json=IDEAS_REQUEST, headers=bearer(access)
    )
    assert generated.status_code == 200, generated.text
    titles = {idea["title"] for idea in generated.json()["data"]["ideas"]}

    listed = client.get(LIBRARY, params={"status": "draft"}, headers=bearer(access))
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert {item["title"] for item in items} == titles
    assert all(item["aiGenerated"] and item["status"] == "draft" for item in items)


def test_create_page_change_delete(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    ids = []
    for index in range(5):
        created = client.post(
            LIBRARY,
            json={"title": f"Set {index}", "body": "golden hour", "type": "photo"},
            headers=bearer(access),
        )
        assert created.status_code == 200, created.text
        ids.append(created.json()["item"]["id"])

    seen, cursor = [], ""
    while True:
        page = client.get(
            LIBRARY, params={"page.limit": 2, "page.cursor": cursor}, headers=bearer(access)
        ).json()
        seen += [item["id"] for item in page["items"]]
        if not page["page"]["hasMore"]:
            assert page["page"]["nextCursor"] == ""
            break
        cursor = page["page"]["nextCursor"]
    assert seen == ids[::-1]

    item = f"{LIBRARY}/{ids[0]}"
    changed = client.patch(item, json={"status": "ready"}, headers=bearer(access))
    assert changed.status_code == 200, changed.text
    assert (changed.json()["item"]["status"], changed.json()["item"]["title"]) == ("ready", "Set 0")
    refused = client.patch(item, json={"status": "published"}, headers=bearer(access))
    assert refused.status_code == 400
    assert client.delete(item, headers=bearer(access)).status_code == 200
    assert client.get(item, headers=bearer(access)).status_code == 404


def test_another_users_items_are_not_found(client: httpx.Client) -> None:
    _, owner, _ = signed_in(client)
    _, stranger, _ = signed_in(client)
    created = client.post(
        LIBRARY, json={"title": "Mine", "type": "video"}, headers=bearer(owner)
    ).json()["item"]
    item = f"{LIBRARY}/{created['id']}"
    assert client.get(item, headers=bearer(stranger)).status_code == 404
    assert client.patch(item, json={"title": "x"}, headers=bearer(stranger)).status_code == 404
    assert client.delete(item, headers=bearer(stranger)).status_code == 404
    assert client.get(LIBRARY, headers=bearer(stranger)).json()["items"] == []


def test_a_cursor_of_other_filters_or_made_up_is_400(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    for _ in range(3):
        client.post(LIBRARY, json={"title": "x", "type": "photo"}, headers=bearer(access))
    page = client.get(LIBRARY, params={"page.limit": 1}, headers=bearer(access)).json()
    for params in (
        {"page.cursor": page["page"]["nextCursor"], "type": "video"},
        {"page.cursor": "not-a-cursor"},
    ):
        refused = client.get(LIBRARY, params=params, headers=bearer(access))
        assert refused.status_code == 400
        (bad_request,) = [d for d in refused.json()["details"] if "fieldViolations" in d]
        assert bad_request["fieldViolations"][0]["field"] == "page.cursor"


def test_a_content_item_links_the_owners_vault_assets(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    _, other, _ = signed_in(client)

    def upload(token: str, width: int) -> str:
        uploaded = client.post(
            "/api/content-creation/upload",
            params={"filename": "set.png"},
            content=image_bytes("PNG", (width, 10)),
            headers=bearer(token),
        )
        assert uploaded.status_code == 200, uploaded.text
        return str(uploaded.json()["asset"]["id"])

    first, second, foreign = upload(access, 11), upload(access, 12), upload(other, 13)
    created = client.post(
        LIBRARY,
        json={"title": "Beach set", "type": "photo", "assetIds": [second, first]},
        headers=bearer(access),
    )
    assert created.status_code == 200, created.text
    item = created.json()["item"]
    assert item["assetIds"] == [second, first]
    path = f"{LIBRARY}/{item['id']}"
    assert client.get(path, headers=bearer(access)).json()["item"]["assetIds"] == [second, first]

    refused = client.patch(path, json={"assetIds": [first, foreign]}, headers=bearer(access))
    assert refused.status_code == 404
    assert refused.json()["details"][0]["metadata"]["fields"] == "asset_ids[1]"
    cleared = client.patch(path, json={"clearAssets": True}, headers=bearer(access))
    assert cleared.json()["item"]["assetIds"] == []
    listed = client.get(LIBRARY, headers=bearer(access)).json()["items"]
    assert [i["assetIds"] for i in listed if i["id"] == item["id"]] == [[]]

"""Campaigns through Envoy (REST), on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from support.e2e_client import bearer, signed_in

pytestmark = pytest.mark.e2e

CAMPAIGNS = "/api/content-creation/campaigns"
SUMMER = {
    "title": "Summer launch",
    "platforms": ["onlyfans", "instagram"],
    "budget": 250.5,
    "startsAt": "2027-06-01T00:00:00Z",
    "endsAt": "2027-06-30T00:00:00Z",
}


def test_create_list_change_delete(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    created = client.post(CAMPAIGNS, json=SUMMER, headers=bearer(access))
    assert created.status_code == 200, created.text
    campaign = created.json()["campaign"]
    assert (campaign["status"], campaign["budget"], campaign["platforms"]) == (
        "draft",
        250.5,
        ["onlyfans", "instagram"],
    )
    assert campaign["endsAt"] == "2027-06-30T00:00:00Z"

    listed = client.get(CAMPAIGNS, headers=bearer(access)).json()
    assert [c["id"] for c in listed["campaigns"]] == [campaign["id"]]

    item = f"{CAMPAIGNS}/{campaign['id']}"
    changed = client.patch(item, json={"status": "active", "budget": 300}, headers=bearer(access))
    assert changed.status_code == 200, changed.text
    assert (changed.json()["campaign"]["status"], changed.json()["campaign"]["budget"]) == (
        "active",
        300,
    )
    assert client.get(item, headers=bearer(access)).json()["campaign"]["title"] == "Summer launch"
    assert client.delete(item, headers=bearer(access)).status_code == 200
    assert client.get(item, headers=bearer(access)).status_code == 404


def test_a_campaign_cannot_end_before_it_starts(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    backwards = {**SUMMER, "endsAt": "2027-05-01T00:00:00Z"}
    assert client.post(CAMPAIGNS, json=backwards, headers=bearer(access)).status_code == 400
    campaign = client.post(CAMPAIGNS, json=SUMMER, headers=bearer(access)).json()["campaign"]
    moved = client.patch(
        f"{CAMPAIGNS}/{campaign['id']}",
        json={"endsAt": "2027-05-01T00:00:00Z"},
        headers=bearer(access),
    )
    assert moved.status_code == 400
    (bad_request,) = [d for d in moved.json()["details"] if "fieldViolations" in d]
    assert bad_request["fieldViolations"][0] == {
        "field": "endsAt",
        "description": "must be after the start",
        "reason": "campaign.dates_ordered",
    }


def test_another_users_campaign_is_not_found(client: httpx.Client) -> None:
    _, owner, _ = signed_in(client)
    _, stranger, _ = signed_in(client)
    campaign = client.post(CAMPAIGNS, json=SUMMER, headers=bearer(owner)).json()["campaign"]
    item = f"{CAMPAIGNS}/{campaign['id']}"
    assert client.get(item, headers=bearer(stranger)).status_code == 404
    assert client.patch(item, json={"title": "x"}, headers=bearer(stranger)).status_code == 404
    assert client.delete(item, headers=bearer(stranger)).status_code == 404

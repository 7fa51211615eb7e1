"""Captions through Envoy (REST), offline AI, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from support.e2e_client import bearer, signed_in

pytestmark = pytest.mark.e2e

CAPTIONS = "/api/content-creation/captions"


def test_captions_for_a_content_item_respect_the_restricted_words(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    profile = {"profile": {"niches": ["fitness"], "restrictedWords": ["cheap"]}}
    assert client.patch("/api/users/me", json=profile, headers=bearer(access)).status_code == 200
    item = client.post(
        "/api/content-creation/content",
        json={"title": "Beach set", "body": "Golden hour. Cheap seats!", "type": "photo"},
        headers=bearer(access),
    ).json()["item"]

    answered = client.post(
        CAPTIONS,
        json={"contentId": item["id"], "platform": "tiktok", "variants": 2, "maxHashtags": 30},
        headers=bearer(access),
    )
    assert answered.status_code == 200, answered.text
    body = answered.json()
    assert len(body["captions"]) == 2
    for caption in body["captions"]:
        assert "Beach set" in caption["text"]
        assert "cheap" not in caption["text"].lower()
        assert 0 < len(caption["hashtags"]) <= 10  # TikTok's limit, whatever was asked
        assert all(tag.startswith("#") and tag == tag.lower() for tag in caption["hashtags"])
    assert body["model"]


def test_one_source_exactly_and_a_restricted_draft_is_refused(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    both = {
        "contentId": "00000000-0000-4000-8000-000000000000",
        "caption": "x",
        "platform": "instagram",
    }
    assert client.post(CAPTIONS, json=both, headers=bearer(access)).status_code == 400
    missing = {"contentId": "00000000-0000-4000-8000-000000000000", "platform": "instagram"}
    assert client.post(CAPTIONS, json=missing, headers=bearer(access)).status_code == 404
    profile = {"profile": {"restrictedWords": ["meet up"]}}
    client.patch("/api/users/me", json=profile, headers=bearer(access))
    refused = client.post(
        CAPTIONS,
        json={"caption": "Let's meet  up soon", "platform": "onlyfans"},
        headers=bearer(access),
    )
    assert refused.status_code == 400
    (bad_request,) = [d for d in refused.json()["details"] if "fieldViolations" in d]
    assert bad_request["fieldViolations"][0]["reason"] == "caption.restricted_word"

"""The AI endpoints through Envoy: content ideas, the streamed assistant and its tools.

The stack's "openai" deployment is the local OpenAI-compatible server (real SDK, real HTTP);
content ideas and messages are routed to the offline provider, free text to "openai" first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from huntaze.v1 import ai_assistant_pb2, ai_assistant_pb2_grpc
from support.databases import postgres_database, sqlite_url
from support.e2e_client import bearer, sign_in, signed_in, sse_events
from support.e2e_db import query, set_plan
from support.e2e_stack import Stack, running_stack
from support.fake_openai import ErrorMidStream, Fail, FakeOpenAI, StreamReply

pytestmark = pytest.mark.e2e

MODEL = "gpt-4o-mini"

SPEC_REQUEST: dict[str, Any] = {
    "creatorProfile": {
        "id": "creator-123",
        "niche": ["fitness", "lifestyle"],
        "contentTypes": ["photo", "video"],
        "audiencePreferences": ["workout tips", "healthy recipes"],
        "performanceHistory": {
            "topPerformingContent": [
                {"title": "Morning routine", "type": "video", "revenue": 420, "likes": 1300}
            ],
            "engagementPatterns": {"bestHours": [20, 21], "video": {"likes": 900}},
            "revenueByCategory": {"photo": 1200.5, "video": 3400},
        },
        "currentGoals": ["grow subscribers"],
        "constraints": {
            "equipment": ["smartphone", "ring light"],
            "location": ["home", "gym"],
            "timeAvailability": "2h/day",
        },
    },
    "options": {
        "count": 3,
        "creativity": "creative",
        "includeHashtags": True,
        "includeCaptions": True,
        "targetPlatforms": ["instagram", "onlyfans"],
    },
}
IDEA_KEYS = {
    "id",
    "title",
    "description",
    "contentType",
    "estimatedEngagement",
    "estimatedRevenue",
    "difficulty",
    "timeRequired",
    "tips",
    "generatedAt",
}


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_scripts(fake_openai: FakeOpenAI) -> None:
    fake_openai.reset()


# Messages a free account may generate per month on these stacks.
FREE_MESSAGES = 5


def ai_env(fake: FakeOpenAI, **extra: str) -> dict[str, str]:
    deployment = {
        "name": "openai",
        "provider": "openai",
        "model": MODEL,
        "base_url": fake.base_url,
        "api_key": "sk-e2e-test",
    }
    return {
        "RATE_LIMIT_AUTH": "10000/60",
        "RATE_LIMIT_STANDARD": "10000/60",
        "RATE_LIMIT_AI": "10000/60",
        "AI_DEPLOYMENTS": json.dumps([deployment]),
        "AI_ROUTES": json.dumps(
            {"default": ["openai"], "content_ideas": ["offline"], "messages": ["offline"]}
        ),
        "AI_OFFLINE_TOKEN_DELAY_MS": "0",
        "AI_BREAKER_FAILURE_THRESHOLD": "1000",
        "MESSAGE_ALLOWANCE_FREE": str(FREE_MESSAGES),
        **extra,
    }


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def ai_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fake_openai: FakeOpenAI,
) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp(f"ai-{request.param}")
    if request.param == "sqlite":
        with running_stack(workdir, sqlite_url(workdir), env=ai_env(fake_openai)) as stack:
            yield stack
    else:
        with (
            postgres_database() as url,
            running_stack(workdir, url, env=ai_env(fake_openai)) as stack,
        ):
            yield stack


@pytest.fixture
def client(ai_stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ai_stack.base_url, timeout=15) as http:
        yield http


def generate(client: httpx.Client, access: str, prompt: str) -> list[tuple[float, dict[str, Any]]]:
    """POST /api/ai-assistant/generate; every (arrival time, event) of the SSE answer."""
    with client.stream(
        "POST", "/api/ai-assistant/generate", json={"prompt": prompt}, headers=bearer(access)
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(sse_events(response))


def user_id(client: httpx.Client, access: str) -> str:
    return client.get("/api/users/me", headers=bearer(access)).json()["user"]["id"]


def pro_user(client: httpx.Client, stack: Stack) -> str:
    """A fresh account upgraded to pro (billing is a later issue); its new access token."""
    email, _, _ = signed_in(client)
    set_plan(stack.database_url, email, "pro")
    return sign_in(client, email).json()["accessToken"]


# --- content ideas -------------------------------------------------------------------------


def test_spec_request_gets_the_spec_response(client: httpx.Client, ai_stack: Stack) -> None:
    _, access, _ = signed_in(client)
    response = client.post("/api/content-ideas/generate", json=SPEC_REQUEST, headers=bearer(access))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "data", "meta"}
    assert body["success"] is True
    ideas = body["data"]["ideas"]
    assert len(ideas) == 3
    for idea in ideas:
        assert set(idea) == IDEA_KEYS | {"caption", "hashtags"}
        assert idea["contentType"] in {"photo", "video"}
        assert idea["difficulty"] in {"easy", "medium", "hard"}
        assert 0 <= idea["estimatedEngagement"] <= 1
        assert idea["estimatedRevenue"] >= 0
        assert idea["caption"]
        assert idea["hashtags"] and all(tag.startswith("#") for tag in idea["hashtags"])
        assert idea["tips"]
        assert idea["generatedAt"].endswith("Z")
    metadata = body["data"]["metadata"]
    assert metadata["count"] == 3
    assert metadata["profile"] == "creator-123"
    assert metadata["options"] == SPEC_REQUEST["options"]
    meta = body["meta"]
    assert meta["requestId"] == response.headers["x-request-id"]
    assert meta["duration"] > 0
    assert meta["timestamp"].endswith("Z")

    saved = query(
        ai_stack.database_url,
        "SELECT id, type, ai_generated FROM content WHERE user_id = %s",
        (user_id(client, access),),
    )
    assert sorted(row[0] for row in saved) == sorted(idea["id"] for idea in ideas)
    assert all(bool(row[2]) for row in saved)
    assert {row[1] for row in saved} <= {"photo", "video"}


def test_defaults_give_five_ideas_without_captions_or_hashtags(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    request = {"creatorProfile": SPEC_REQUEST["creatorProfile"], "options": {}}
    response = client.post("/api/content-ideas/generate", json=request, headers=bearer(access))
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert len(data["ideas"]) == 5
    assert all(set(idea) == IDEA_KEYS for idea in data["ideas"])
    assert data["metadata"]["options"] == {
        "count": 5,
        "creativity": "balanced",
        "includeHashtags": False,
        "includeCaptions": False,
        "targetPlatforms": [],
    }


def test_more_revenue_in_a_category_means_higher_estimates(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    profile = {**SPEC_REQUEST["creatorProfile"], "contentTypes": ["photo"]}

    def revenue_with(history: dict[str, float]) -> float:
        request = {
            "creatorProfile": {
                **profile,
                "performanceHistory": {"revenueByCategory": history},
            },
            "options": {"count": 1, "creativity": "conservative"},
        }
        response = client.post("/api/content-ideas/generate", json=request, headers=bearer(access))
        assert response.status_code == 200, response.text
        return response.json()["data"]["ideas"][0]["estimatedRevenue"]

    assert revenue_with({"photo": 5000}) > revenue_with({"photo": 50})


@pytest.mark.parametrize(
    ("options", "field"),
    [({"count": 21}, "options.count"), ({"creativity": "wild"}, "options.creativity")],
)
def test_bad_options_are_400_naming_the_field(
    client: httpx.Client, options: dict[str, Any], field: str
) -> None:
    _, access, _ = signed_in(client)
    request = {"creatorProfile": SPEC_REQUEST["creatorProfile"], "options": options}
    response = client.post("/api/content-ideas/generate", json=request, headers=bearer(access))
    assert response.status_code == 400
    (bad_request,) = [d for d in response.json()["details"] if "fieldViolations" in d]
    assert [v["field"] for v in bad_request["fieldViolations"]] == [field]


def test_content_ideas_need_a_signed_in_user(client: httpx.Client) -> None:
    assert client.post("/api/content-ideas/generate", json=SPEC_REQUEST).status_code == 401


def test_the_assistant_tool_has_the_same_engine_and_shape(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    response = client.post(
        "/api/ai-assistant/tools/content-ideas", json=SPEC_REQUEST, headers=bearer(access)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert len(body["data"]["ideas"]) == 3
    assert all(set(i) == IDEA_KEYS | {"caption", "hashtags"} for i in body["data"]["ideas"])


# --- streamed generation -------------------------------------------------------------------


def test_stream_arrives_incrementally_as_server_sent_events(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    pieces = [f"word{index} " for index in range(8)]
    fake_openai.script(MODEL, StreamReply(pieces, delay=0.15))
    _, access, _ = signed_in(client)
    events = generate(client, access, "Write a teaser for my beach shoot")
    deltas = [event["delta"] for _, event in events if event.get("delta")]
    assert "".join(deltas) == "".join(pieces)
    first_at, last_at = events[0][0], events[-1][0]
    # Eight pieces 150 ms apart: the first must not wait for the rest.
    assert last_at - first_at > 0.75
    final = events[-1][1]
    assert final["done"] is True
    assert final["usage"]["model"] == "openai"
    assert final["usage"]["completionTokens"] > 0
    assert "error" not in final


def test_failure_after_the_first_token_is_an_error_event(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(MODEL, ErrorMidStream(["half ", "an "]))
    _, access, _ = signed_in(client)
    events = [event for _, event in generate(client, access, "hello")]
    assert "".join(event.get("delta", "") for event in events) == "half an "
    assert events[-1]["done"] is True
    assert events[-1]["error"]["code"] == "UNAVAILABLE"
    # No fallback after the first token: the offline provider never took over.
    assert len(fake_openai.requests) == 1


def test_failure_before_the_first_token_falls_back(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    fake_openai.always(MODEL, Fail(503))
    _, access, _ = signed_in(client)
    events = [event for _, event in generate(client, access, "Plan my week of fitness posts")]
    assert events[-1]["usage"]["model"] == "offline"
    assert "fitness" in "".join(event.get("delta", "") for event in events)
    assert len(fake_openai.requests) >= 1


def test_client_disconnect_cancels_the_upstream_request(
    client: httpx.Client, fake_openai: FakeOpenAI
) -> None:
    fake_openai.script(MODEL, StreamReply([f"w{index} " for index in range(100)], delay=0.1))
    _, access, _ = signed_in(client)
    with client.stream(
        "POST", "/api/ai-assistant/generate", json={"prompt": "long"}, headers=bearer(access)
    ) as response:
        first = next(sse_events(response))
        assert first[1]["delta"]
    # Leaving the `with` closed the connection after one event of a ten-second stream.
    assert fake_openai.wait_for_disconnect(within=5.0)


def test_native_grpc_stream_through_envoy(ai_stack: Stack, client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    with grpc.insecure_channel(ai_stack.grpc_target) as channel:
        stub = ai_assistant_pb2_grpc.AIAssistantServiceStub(channel)
        events = list(
            stub.GenerateText(
                ai_assistant_pb2.GenerateTextRequest(prompt="Say hi to my fans"),
                metadata=[("authorization", f"Bearer {access}")],
                timeout=15,
            )
        )
    assert events[-1].done
    assert events[-1].usage.total_tokens > 0
    assert "".join(event.delta for event in events).startswith("echo: ")


def test_health_reports_each_ai_deployment(client: httpx.Client) -> None:
    checks = client.get("/api/health").json()["checks"]
    assert checks["ai.openai"]["status"] == "ok"
    assert checks["ai.offline"]["status"] == "ok"


def test_ai_metrics_are_exported(client: httpx.Client) -> None:
    _, access, _ = signed_in(client)
    generate(client, access, "hi")
    metrics = client.get("/api/metrics").text
    assert 'huntaze_ai_requests_total{cached="false",deployment="openai"' in metrics
    assert "huntaze_ai_time_to_first_token_seconds_bucket" in metrics
    assert 'huntaze_ai_breaker_state{deployment="openai"}' in metrics


# --- budget ----------------------------------------------------------------------------------


def test_over_budget_is_429_with_retry_after(tmp_path: Path, fake_openai: FakeOpenAI) -> None:
    # A budget smaller than one worst-case call of the priced deployment.
    env = ai_env(fake_openai, AI_BUDGET_FREE_USD="0.0001")
    with (
        running_stack(tmp_path, sqlite_url(tmp_path), env=env) as stack,
        httpx.Client(base_url=stack.base_url, timeout=15) as http,
    ):
        _, access, _ = signed_in(http)
        response = http.post(
            "/api/ai-assistant/generate", json={"prompt": "hi"}, headers=bearer(access)
        )
        assert response.status_code == 429
        assert int(response.headers["retry-after"]) > 0
        assert "budget" in response.json()["message"]
        assert fake_openai.requests == []


# --- tools -----------------------------------------------------------------------------------


def test_message_generator_is_metered_on_every_plan(client: httpx.Client) -> None:
    """A free account spends its monthly allowance, then gets 402 (not 429: buying credits
    helps, waiting does not) with what it needs to act; a refused call spends nothing."""
    _, access, _ = signed_in(client)

    def generate_messages(variants: int) -> httpx.Response:
        return client.post(
            "/api/ai-assistant/tools/message-generator",
            json={"template": "Hi {{name}}", "recipient": {"name": "Sam"}, "variants": variants},
            headers=bearer(access),
        )

    assert generate_messages(3).status_code == 200
    refused = generate_messages(3)
    assert refused.status_code == 402, refused.text
    assert "grpc-status" not in refused.headers
    (info,) = [d for d in refused.json()["details"] if d["@type"].endswith("ErrorInfo")]
    assert info["reason"] == "PAYMENT_REQUIRED"
    assert info["metadata"]["monthlyAllowance"] == str(FREE_MESSAGES)
    assert info["metadata"]["buy"] == "/api/billing/message-packs/checkout"
    assert generate_messages(2).status_code == 200
    credits = client.get("/api/billing/credits", headers=bearer(access)).json()
    assert (credits["usedThisMonth"], credits["monthlyAllowance"]) == (5, FREE_MESSAGES)
    assert [entry["kind"] for entry in credits["entries"]] == ["usage", "usage"]


def test_message_generator_fills_the_template_for_the_fan(
    client: httpx.Client, ai_stack: Stack
) -> None:
    access = pro_user(client, ai_stack)
    response = client.post(
        "/api/ai-assistant/tools/message-generator",
        json={
            "template": "Hey {{first_name}}, thank you for being here!",
            "recipient": {"name": "Sam Rivera", "spendTier": "vip"},
            "context": {"tone": "grateful", "occasion": "birthday"},
            "variants": 4,
        },
        headers=bearer(access),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["messages"]) == 4
    assert len({message["text"] for message in body["messages"]}) == 4
    assert all("Sam" in message["text"] for message in body["messages"])
    assert all("{{" not in message["text"] for message in body["messages"])
    assert {message["tone"] for message in body["messages"]} == {"grateful"}
    assert body["model"]


def test_restricted_words_of_the_creator_are_enforced(
    client: httpx.Client, ai_stack: Stack
) -> None:
    access = pro_user(client, ai_stack)
    patched = client.patch(
        "/api/users/me",
        json={"profile": {"restrictedWords": ["discount"]}},
        headers=bearer(access),
    )
    assert patched.status_code == 200, patched.text
    response = client.post(
        "/api/ai-assistant/tools/message-generator",
        json={"template": "Big DISCOUNT for you {{name}}", "recipient": {"name": "Sam"}},
        headers=bearer(access),
    )
    assert response.status_code == 400
    (bad_request,) = [d for d in response.json()["details"] if "fieldViolations" in d]
    assert bad_request["fieldViolations"][0]["field"] == "template"
    assert bad_request["fieldViolations"][0]["reason"] == "template.restricted_word"


def test_pricing_optimizer_recommends_within_bounds(client: httpx.Client, ai_stack: Stack) -> None:
    access = pro_user(client, ai_stack)
    response = client.post(
        "/api/ai-assistant/tools/pricing-optimizer",
        json={
            "contentType": "video",
            "history": [
                {"price": 10, "offers": 400, "purchases": 60},
                {"price": 20, "offers": 400, "purchases": 44},
                {"price": 30, "offers": 400, "purchases": 20},
            ],
            "minPrice": 8,
            "maxPrice": 40,
        },
        headers=bearer(access),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert 8 <= body["priceRange"]["low"] <= body["recommendedPrice"] <= body["priceRange"]["high"]
    assert body["priceRange"]["high"] <= 40
    assert 0 < body["expectedConversion"] < 1
    assert body["expectedRevenuePerOffer"] == pytest.approx(
        body["recommendedPrice"] * body["expectedConversion"],
        abs=0.01,  # rounded to cents
    )
    assert 0 < body["confidence"] <= 1
    assert body["rationale"]


def test_pricing_optimizer_refuses_nonsense(client: httpx.Client, ai_stack: Stack) -> None:
    access = pro_user(client, ai_stack)
    response = client.post(
        "/api/ai-assistant/tools/pricing-optimizer",
        json={"contentType": "photo", "history": [{"price": 5, "offers": 10, "purchases": 11}]},
        headers=bearer(access),
    )
    assert response.status_code == 400
    (bad_request,) = [d for d in response.json()["details"] if "fieldViolations" in d]
    assert bad_request["fieldViolations"][0]["field"] == "history[0]"
    empty = client.post(
        "/api/ai-assistant/tools/pricing-optimizer",
        json={"contentType": "photo", "history": []},
        headers=bearer(access),
    )
    assert empty.status_code == 400

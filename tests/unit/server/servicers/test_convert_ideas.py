"""Content ideas, protobuf <-> domain (shared by both RPCs): no server, no database."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message
from huntaze.v1 import ai_assistant_pb2, content_ideas_pb2

from interceptors.context import RequestContext
from server.servicers.convert_ideas import ideas_response, options_of, profile_of
from services.content_ideas.model import (
    CreatorConstraints,
    Idea,
    IdeaOptions,
    IdeasProfile,
    IdeasResult,
    PerformanceHistory,
)

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
SPEC_PROFILE = {
    "id": "creator-123",
    "niche": ["fitness"],
    "contentTypes": ["photo", "video"],
    "audiencePreferences": ["workout tips"],
    "performanceHistory": {
        "topPerformingContent": [{"title": "Morning routine", "type": "video", "likes": 1300}],
        "engagementPatterns": {"bestHours": [20, 21]},
        "revenueByCategory": {"photo": 1200.5},
    },
    "currentGoals": ["grow subscribers"],
    "constraints": {"equipment": ["ring light"], "location": ["home"], "timeAvailability": "2h"},
}


def as_json(message: Message) -> dict[str, Any]:
    """The JSON Envoy's transcoder writes (fields without presence always printed)."""
    return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)


def idea(**changes: object) -> Idea:
    fields: dict[str, object] = {
        "id": "idea-1",
        "title": "Sunrise stretch",
        "description": "Ten minutes of stretching at dawn.",
        "content_type": "video",
        "estimated_engagement": 0.07,
        "estimated_revenue": 60.0,
        "difficulty": "medium",
        "time_required": "1 hour",
        "caption": None,
        "hashtags": None,
        "tips": ("Film at golden hour",),
        "generated_at": AT,
        **changes,
    }
    return Idea(**fields)  # type: ignore[arg-type]


def test_the_profile_keeps_every_field_with_free_form_history_as_json() -> None:
    message = json_format.ParseDict(SPEC_PROFILE, content_ideas_pb2.ContentIdeasProfile())
    assert profile_of(message) == IdeasProfile(
        id="creator-123",
        niche=("fitness",),
        content_types=("photo", "video"),
        audience_preferences=("workout tips",),
        performance_history=PerformanceHistory(
            top_performing_content=[{"title": "Morning routine", "type": "video", "likes": 1300}],
            engagement_patterns={"bestHours": [20, 21]},
            revenue_by_category={"photo": 1200.5},
        ),
        current_goals=("grow subscribers",),
        constraints=CreatorConstraints(
            equipment=("ring light",), location=("home",), time_availability="2h"
        ),
    )


def test_absent_options_take_the_specs_defaults() -> None:
    assert options_of(content_ideas_pb2.ContentIdeasOptions()) == IdeaOptions()
    given = content_ideas_pb2.ContentIdeasOptions(
        count=2,
        creativity="creative",
        include_hashtags=True,
        include_captions=False,
        target_platforms=["tiktok"],
    )
    assert options_of(given) == IdeaOptions(
        count=2,
        creativity="creative",
        include_hashtags=True,
        include_captions=False,
        target_platforms=("tiktok",),
    )


@pytest.mark.parametrize(
    "kind",
    [
        content_ideas_pb2.GenerateContentIdeasResponse,
        ai_assistant_pb2.GenerateContentIdeasToolResponse,
    ],
)
def test_both_rpcs_answer_the_same_envelope(kind: type) -> None:
    options = IdeaOptions(count=2, include_hashtags=True, include_captions=True)
    result = IdeasResult(
        ideas=(idea(caption="Rise and stretch", hashtags=("#yoga",)), idea(id="idea-2")),
        generated_at=AT,
        profile_id="creator-123",
        options=options,
    )
    request = RequestContext(
        request_id="req-1",
        method="/huntaze.v1.ContentIdeasService/GenerateContentIdeas",
        client_address="local",
        started_at=time.perf_counter() - 0.25,
    )
    body = as_json(ideas_response(kind, result, request, AT))
    assert body["success"] is True
    assert body["meta"]["requestId"] == "req-1"
    assert body["meta"]["timestamp"] == "2026-03-01T09:30:00Z"
    assert 250 <= body["meta"]["duration"] < 5000
    first, second = body["data"]["ideas"]
    assert first == {
        "id": "idea-1",
        "title": "Sunrise stretch",
        "description": "Ten minutes of stretching at dawn.",
        "contentType": "video",
        "estimatedEngagement": 0.07,
        "estimatedRevenue": 60.0,
        "difficulty": "medium",
        "timeRequired": "1 hour",
        "caption": "Rise and stretch",
        "hashtags": ["#yoga"],
        "tips": ["Film at golden hour"],
        "generatedAt": "2026-03-01T09:30:00Z",
    }
    assert "caption" not in second and "hashtags" not in second  # not asked for
    assert body["data"]["metadata"] == {
        "generatedAt": "2026-03-01T09:30:00Z",
        "count": 2,
        "profile": "creator-123",
        "options": {
            "count": 2,
            "creativity": "balanced",
            "includeHashtags": True,
            "includeCaptions": True,
            "targetPlatforms": [],
        },
    }


def test_hashtags_asked_for_but_none_found_are_an_empty_list() -> None:
    result = IdeasResult(
        ideas=(idea(hashtags=()),), generated_at=AT, profile_id="p", options=IdeaOptions()
    )
    request = RequestContext(request_id="r", method="/m/m", client_address="local")
    response = ideas_response(content_ideas_pb2.GenerateContentIdeasResponse, result, request, AT)
    assert as_json(response.data.ideas[0])["hashtags"] == []

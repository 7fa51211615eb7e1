"""Analytics through Envoy (REST), SQLite and PostgreSQL: events in (a batch, a CSV statement),
the spec's revenue shape, time zones (whole- and half-hour offsets), the content library's
items linked to their performance, the plan-gated reports, and a deleted account's events gone.
The numbers themselves are checked against brute force in tests/integration/analytics."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import grpc
import httpx
import pytest
from huntaze.v1 import analytics_pb2, analytics_pb2_grpc
from support.e2e_client import bearer, sign_in, signed_in
from support.e2e_db import query, set_plan
from support.e2e_stack import Stack

pytestmark = pytest.mark.e2e

EVENTS = "/api/analytics/events"
IMPORT = "/api/analytics/import"
REVENUE = "/api/analytics/revenue"
MARCH = {"startDate": "2026-03-01", "endDate": "2026-03-31"}


def revenue_event(event_id: str, at: str, amount: float, **extra: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "revenue",
        "occurredAt": at,
        "source": "tip",
        "amount": amount,
        **extra,
    }


def engagement_event(event_id: str, at: str, **counts: Any) -> dict[str, Any]:
    return {"id": event_id, "type": "engagement", "occurredAt": at, **counts}


def send(client: httpx.Client, token: str, events: list[dict[str, Any]]) -> httpx.Response:
    return client.post(EVENTS, json={"events": events}, headers=bearer(token))


def revenue_of(client: httpx.Client, token: str, **params: str) -> dict[str, Any]:
    response = client.get(REVENUE, params=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    return response.json()


def violation_fields(response: httpx.Response) -> list[str]:
    assert response.status_code == 400, response.text
    (bad_request,) = [
        d for d in response.json()["details"] if d["@type"].endswith("google.rpc.BadRequest")
    ]
    return [violation["field"] for violation in bad_request["fieldViolations"]]


def upgraded(client: httpx.Client, stack: Stack, email: str) -> str:
    """The account moved to pro; a new access token (the plan is one of its claims)."""
    set_plan(stack.database_url, email, "pro")
    response = sign_in(client, email)
    assert response.status_code == 200
    return str(response.json()["accessToken"])


def stored_events(stack: Stack, email: str) -> int:
    rows = query(
        stack.database_url,
        "SELECT count(*) FROM analytics_events e JOIN users u ON u.id = e.user_id "
        "WHERE u.email = %s",
        (email,),
    )
    return int(rows[0][0])


def test_a_batch_is_stored_once_and_a_resent_event_is_a_duplicate(client: httpx.Client) -> None:
    _, token, _ = signed_in(client)
    batch = [
        revenue_event("a", "2026-03-02T10:00:00Z", 10.25, source="subscription", fanId="f1"),
        revenue_event("b", "2026-03-02T11:00:00Z", 4.75, source="tip", fanId="f1"),
        revenue_event("c", "2026-03-03T09:00:00Z", -2.5, source="tip", fanId="f1"),
        engagement_event("d", "2026-03-03T09:00:00Z", views=100, likes=9, comments=1),
    ]
    first = send(client, token, batch)
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 4, "duplicates": 0}

    again = send(client, token, [*batch[:2], revenue_event("e", "2026-03-04T10:00:00Z", 1)])
    assert again.json() == {"accepted": 1, "duplicates": 2}
    twice_in_one = send(client, token, [revenue_event("f", "2026-03-04T10:00:00Z", 1)] * 2)
    assert twice_in_one.json() == {"accepted": 1, "duplicates": 1}

    report = revenue_of(client, token, **MARCH)
    assert report["totalRevenue"] == 14.5
    assert report["revenueBySource"] == {"subscription": 10.25, "tip": 4.25}


def test_one_bad_event_refuses_the_whole_batch(stack: Stack, client: httpx.Client) -> None:
    email, token, _ = signed_in(client)
    good = revenue_event("ok", "2026-03-02T10:00:00Z", 10)
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    cases = {
        "events[1].amount": revenue_event("x", "2026-03-02T10:00:00Z", 1.005),
        "events[1].currency": revenue_event("x", "2026-03-02T10:00:00Z", 1, currency="EUR"),
        "events[1].occurredAt": revenue_event("x", future, 1),
        "events[1]": engagement_event("x", "2026-03-02T10:00:00Z"),
        "events[1].source": revenue_event("x", "2026-03-02T10:00:00Z", 1, source="gift"),
        "events[1].id": revenue_event("x" * 65, "2026-03-02T10:00:00Z", 1),
    }
    for field, bad in cases.items():
        assert violation_fields(send(client, token, [good, bad])) == [field]
    old = revenue_event("x", "1999-12-31T23:59:59Z", 1)
    assert send(client, token, [good, old]).status_code == 400
    assert send(client, token, []).status_code == 400
    too_many = [revenue_event(f"n{i}", "2026-03-02T10:00:00Z", 1) for i in range(1001)]
    assert send(client, token, too_many).status_code == 400
    assert stored_events(stack, email) == 0


def test_a_batch_of_a_thousand_bad_events_is_a_400_naming_the_first_hundred(
    client: httpx.Client,
) -> None:
    """Found by the fuzzer: every violation went into the status details, whose trailer grew
    past Envoy's header limit, and the client got a 503 instead of the 400."""
    _, token, _ = signed_in(client)
    bad = [
        {"id": str(i), "type": "revenue", "occurredAt": "2026-03-01T00:00:00Z"} for i in range(1000)
    ]
    response = send(client, token, bad)
    fields = violation_fields(response)
    assert fields == [f"events[{i}]" for i in range(100)]
    assert "1000 violations" in response.json()["message"]


def test_revenue_has_the_specs_shape_every_day_zero_filled(client: httpx.Client) -> None:
    _, token, _ = signed_in(client)
    today = datetime.now(UTC)
    at = (today - timedelta(days=2)).replace(hour=12, minute=0, second=0, microsecond=0)
    earlier = at - timedelta(days=7)
    send(
        client,
        token,
        [
            revenue_event("now", at.isoformat().replace("+00:00", "Z"), 19.99, source="ppv"),
            revenue_event("before", earlier.isoformat().replace("+00:00", "Z"), 10, source="tip"),
        ],
    )
    report = revenue_of(client, token, period="7d", timezone="UTC")
    assert set(report) == {"totalRevenue", "revenueByDay", "revenueBySource", "growth"}
    days = report["revenueByDay"]
    assert [set(day) for day in days] == [{"date", "revenue"}] * 7
    expected = [(today.date() - timedelta(days=6 - i)).isoformat() for i in range(7)]
    assert [day["date"] for day in days] == expected
    by_date = {day["date"]: day["revenue"] for day in days}
    assert by_date[at.date().isoformat()] == 19.99
    assert sum(by_date.values()) == pytest.approx(19.99)
    assert report["totalRevenue"] == 19.99
    assert report["revenueBySource"] == {"ppv": 19.99}
    assert report["growth"] == {"percentage": 99.9, "trend": "up"}

    default = revenue_of(client, token)
    assert len(default["revenueByDay"]) == 30
    assert len(revenue_of(client, token, period="1y")["revenueByDay"]) == 365


def test_days_are_the_requested_time_zones_including_half_hour_offsets(
    client: httpx.Client,
) -> None:
    _, token, _ = signed_in(client)
    send(
        client,
        token,
        [
            # 18:15 UTC is 23:45 in Kolkata (+5:30), 18:45 UTC is 00:15 the next day there.
            revenue_event("k1", "2026-03-10T18:15:00Z", 1),
            revenue_event("k2", "2026-03-10T18:45:00Z", 2),
            # 23:30 UTC on the 11th is the 12th in Tokyo, the 11th in New York.
            revenue_event("t1", "2026-03-11T23:30:00Z", 4),
        ],
    )

    def day_totals(zone: str) -> dict[str, float]:
        report = revenue_of(
            client, token, startDate="2026-03-10", endDate="2026-03-12", timezone=zone
        )
        return {day["date"]: day["revenue"] for day in report["revenueByDay"]}

    assert day_totals("UTC") == {"2026-03-10": 3, "2026-03-11": 4, "2026-03-12": 0}
    assert day_totals("Asia/Kolkata") == {"2026-03-10": 1, "2026-03-11": 2, "2026-03-12": 4}
    assert day_totals("Asia/Tokyo") == {"2026-03-10": 0, "2026-03-11": 3, "2026-03-12": 4}
    assert day_totals("America/New_York") == {"2026-03-10": 3, "2026-03-11": 4, "2026-03-12": 0}

    # The profile's zone is the default.
    client.patch(
        "/api/users/me", json={"profile": {"timezone": "Asia/Kolkata"}}, headers=bearer(token)
    )
    report = revenue_of(client, token, startDate="2026-03-10", endDate="2026-03-12")
    assert [day["revenue"] for day in report["revenueByDay"]] == [1, 2, 4]


def test_bad_windows_and_zones_are_400(client: httpx.Client) -> None:
    _, token, _ = signed_in(client)
    cases = [
        {"startDate": "2025-01-01", "endDate": "2026-03-01"},  # 425 days
        {"startDate": "2026-03-02", "endDate": "2026-03-01"},
        {"startDate": "2026-02-30", "endDate": "2026-03-01"},
        {"startDate": "2026-03-01"},
        {"period": "2w"},
        {"timezone": "Mars/Olympus"},
    ]
    for params in cases:
        response = client.get(REVENUE, params=params, headers=bearer(token))
        assert response.status_code == 400, (params, response.text)
    exactly_400 = {"startDate": "2025-01-01", "endDate": "2026-02-04"}
    assert client.get(REVENUE, params=exactly_400, headers=bearer(token)).status_code == 200


def test_a_csv_statement_imports_all_or_nothing(stack: Stack, client: httpx.Client) -> None:
    email, token, _ = signed_in(client)
    headers = {**bearer(token), "content-type": "text/csv"}
    statement = (
        "\ufeffid,type,occurredAt,source,amount,fanId,contentType,views,likes\r\n"
        "s1,revenue,2026-03-05T10:00:00Z,subscription,9.99,fan-1,,,\r\n"
        '"s2",revenue,2026-03-05T11:00:00Z,"tip",5,fan-2,,,\r\n'
        "s3,engagement,2026-03-05T12:00:00Z,,,,photo,200,20\r\n"
    )
    imported = client.post(IMPORT, content=statement.encode(), headers=headers)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"rows": 3, "accepted": 3, "duplicates": 0}
    again = client.post(IMPORT, content=statement.encode(), headers=headers)
    assert again.json() == {"rows": 3, "accepted": 0, "duplicates": 3}
    assert revenue_of(client, token, **MARCH)["totalRevenue"] == 14.99

    bad = (
        "id,type,occurredAt,source,amount\n"
        "b1,revenue,2026-03-06T10:00:00Z,tip,3\n"
        "b2,revenue,yesterday,tip,3\n"
        "b3,revenue,2026-03-06T10:00:00Z,tip,3.333\n"
        "b4,revenue,2026-03-06T10:00:00Z,,3\n"
    )
    refused = client.post(IMPORT, content=bad.encode(), headers=headers)
    assert violation_fields(refused) == ["line 3.occurredAt", "line 4.amount", "line 5"]
    assert stored_events(stack, email) == 3

    missing_column = client.post(IMPORT, content=b"id,type\nx,revenue\n", headers=headers)
    assert missing_column.status_code == 400
    assert client.post(IMPORT, content=b"", headers=headers).status_code == 400
    assert client.post(IMPORT, content=b"\xff\xfe", headers=headers).status_code == 400


def test_a_statement_over_the_row_limit_is_413_and_nothing_is_kept(
    stack: Stack, client: httpx.Client
) -> None:
    email, token, _ = signed_in(client)
    rows = "".join(f"r{i},revenue,2026-03-01T10:00:00Z,tip,1\n" for i in range(100_001))
    response = client.post(
        IMPORT,
        content=("id,type,occurredAt,source,amount\n" + rows).encode(),
        headers={**bearer(token), "content-type": "text/csv"},
        timeout=60,
    )
    assert response.status_code == 413, response.text
    (info,) = [d for d in response.json()["details"] if d["@type"].endswith("ErrorInfo")]
    assert info["reason"] == "IMPORT_TOO_LARGE"
    assert stored_events(stack, email) == 0


def test_content_library_items_are_linked_to_their_performance(
    stack: Stack, client: httpx.Client
) -> None:
    email, _, _ = signed_in(client)
    token = upgraded(client, stack, email)
    item = client.post(
        "/api/content-creation/content",
        json={"title": "Beach set", "body": "golden hour", "type": "video"},
        headers=bearer(token),
    ).json()["item"]["id"]
    send(
        client,
        token,
        [
            revenue_event("p1", "2026-03-05T10:00:00Z", 30, source="ppv", contentId=item),
            engagement_event(
                "p2", "2026-03-05T11:00:00Z", contentId=item, views=1000, likes=80, comments=20
            ),
            engagement_event(
                "p3",
                "2026-03-05T11:00:00Z",
                contentId="external-9",
                contentType="photo",
                views=50,
                likes=5,
            ),
            revenue_event(
                "p4",
                "2026-03-05T12:00:00Z",
                3,
                source="ppv",
                contentId="external-9",
                contentType="photo",
            ),
        ],
    )
    response = client.get("/api/analytics/performance", params=MARCH, headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["topContent"][0] == {
        "contentId": item,
        "title": "Beach set",
        "contentType": "video",
        "revenue": 30,
        "views": 1000,
        "engagementRate": 0.1,
    }
    assert body["topContent"][1]["contentId"] == "external-9"
    assert body["byContentType"]["video"] == {
        "posts": 1,
        "revenue": 30,
        "averageRevenue": 30,
        "engagementRate": 0.1,
    }

    engagement = client.get(
        "/api/analytics/engagement",
        params={**MARCH, "timezone": "Asia/Tokyo"},
        headers=bearer(token),
    ).json()
    assert engagement["totalViews"] == 1050
    assert engagement["engagementRateByContentType"] == {"photo": 0.1, "video": 0.1}
    # 11:00 UTC is 20:00 in Tokyo, on Thursday 2026-03-05.
    assert engagement["bestHours"] == [20]
    assert engagement["bestDays"] == ["thursday"]
    assert len(engagement["engagementByHour"]) == 24
    assert engagement["engagementByHour"][20]["interactions"] == 105


def test_fans_cohorts_and_forecast_need_a_paid_plan(stack: Stack, client: httpx.Client) -> None:
    email, token, _ = signed_in(client)
    routes = ["/api/analytics/fans", "/api/analytics/cohorts", "/api/analytics/forecast"]
    for route in routes:
        assert client.get(route, headers=bearer(token)).status_code == 403
    token = upgraded(client, stack, email)
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    events = []
    for back in range(1, 41):
        day = today - timedelta(days=back)
        events.append(
            revenue_event(
                f"r{back}",
                day.isoformat().replace("+00:00", "Z"),
                10 + back % 7,
                fanId=f"fan-{back % 4}",
            )
        )
    send(client, token, events)
    fans = client.get("/api/analytics/fans", params={"period": "7d"}, headers=bearer(token)).json()
    assert fans["payingFans"] == 4
    assert fans["returningFans"] == 4 and fans["newFans"] == 0
    assert [fan["fanId"] for fan in fans["topFans"]][:1] and len(fans["topFans"]) == 4
    cohorts = client.get(
        "/api/analytics/cohorts", params={"months": 3}, headers=bearer(token)
    ).json()
    assert len(cohorts["cohorts"]) == 3
    assert sum(cohort["fans"] for cohort in cohorts["cohorts"]) == 4
    forecast = client.get("/api/analytics/forecast", headers=bearer(token)).json()
    assert forecast["model"] == "weekly_mean"
    assert len(forecast["days"]) == 30
    assert forecast["days"][0]["date"] == (today.date() + timedelta(days=1)).isoformat()
    assert forecast["totalLower"] <= forecast["totalRevenue"] <= forecast["totalUpper"]


def test_deleting_the_account_deletes_its_events_and_rollups(
    stack: Stack, client: httpx.Client
) -> None:
    email, token, _ = signed_in(client)
    user_id = client.get("/api/users/me", headers=bearer(token)).json()["user"]["id"]
    send(client, token, [revenue_event("z", "2026-03-05T10:00:00Z", 5, fanId="f", contentId="c")])
    assert client.delete("/api/users/me", headers=bearer(token)).status_code == 200
    for table in (
        "analytics_events",
        "analytics_hourly",
        "analytics_quarter_hourly",
        "analytics_content_days",
        "analytics_fans",
        "analytics_fan_days",
    ):
        rows = query(
            stack.database_url, f"SELECT count(*) FROM {table} WHERE user_id = %s", (user_id,)
        )
        assert rows[0][0] == 0, table
    assert stored_events(stack, email) == 0


def test_native_grpc_callers_get_the_same_reports(stack: Stack, client: httpx.Client) -> None:
    """The same RPC over gRPC through Envoy (internal services)."""
    _, token, _ = signed_in(client)
    send(client, token, [revenue_event("g", "2026-03-05T10:00:00Z", 7.5)])
    with grpc.insecure_channel(stack.runner.base_url.removeprefix("http://")) as channel:
        stub = analytics_pb2_grpc.AnalyticsServiceStub(channel)
        reply = stub.GetRevenue(
            analytics_pb2.GetRevenueRequest(start_date="2026-03-01", end_date="2026-03-31"),
            metadata=[("authorization", f"Bearer {token}")],
        )
    assert reply.total_revenue == 7.5
    assert [d.revenue for d in reply.revenue_by_day if d.revenue] == [7.5]
    assert date.fromisoformat(reply.revenue_by_day[0].date) == date(2026, 3, 1)


def test_content_ideas_without_a_history_use_the_measured_one(client: httpx.Client) -> None:
    """Two creators ask for the same ideas with no performanceHistory; the one whose videos
    earned (measured by analytics) gets higher video estimates than the one with no events,
    and the same request with a history of its own keeps it."""
    request = {
        "creatorProfile": {"id": "me", "niche": ["fitness"], "contentTypes": ["video"]},
        "options": {"count": 2},
    }

    def video_revenue(token: str, body: dict[str, Any]) -> list[float]:
        response = client.post("/api/content-ideas/generate", json=body, headers=bearer(token))
        assert response.status_code == 200, response.text
        return [idea["estimatedRevenue"] for idea in response.json()["data"]["ideas"]]

    _, measured, _ = signed_in(client)
    _, newcomer, _ = signed_in(client)
    recent = (datetime.now(UTC) - timedelta(days=3)).isoformat().replace("+00:00", "Z")
    sent = send(
        client,
        measured,
        [
            revenue_event(
                f"v{i}", recent, 900, source="ppv", contentId=f"clip-{i}", contentType="video"
            )
            for i in range(5)
        ],
    )
    assert sent.json()["accepted"] == 5
    with_history = video_revenue(measured, request)
    without = video_revenue(newcomer, request)
    assert min(with_history) > max(without)

    given = {
        **request,
        "creatorProfile": {
            **request["creatorProfile"],
            "performanceHistory": {"revenueByCategory": {"video": 1}},
        },
    }
    assert video_revenue(measured, given) == video_revenue(newcomer, given)

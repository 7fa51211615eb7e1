"""Analytics messages <-> the domain's drafts and reports."""

from __future__ import annotations

from datetime import timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from huntaze.v1 import analytics_pb2 as pb

from server.servicers.convert import timestamp
from services.analytics.ingest import EventDraft
from services.analytics.model import EPOCH
from services.analytics.reports import (
    CohortReport,
    EngagementReport,
    FansReport,
    ForecastReport,
    PerformanceReport,
    RevenueReport,
    WindowQuery,
    dollars,
)
from services.analytics.reports import Growth as GrowthReport


def draft_of(event: pb.AnalyticsEvent, label: str, position: int) -> EventDraft:
    return EventDraft(
        label=label,
        position=position,
        id=event.id,
        type=event.type,
        # Exact: seconds and nanoseconds as integers (nanos below a millisecond dropped).
        occurred_ms=event.occurred_at.seconds * 1000 + event.occurred_at.nanos // 1_000_000,
        platform=event.platform,
        source=event.source,
        amount=event.amount if event.HasField("amount") else None,
        fan_id=event.fan_id,
        content_id=event.content_id,
        content_type=event.content_type,
        views=event.views,
        likes=event.likes,
        comments=event.comments,
        messages=event.messages,
    )


def window_query(
    request: pb.GetRevenueRequest
    | pb.GetEngagementRequest
    | pb.GetPerformanceRequest
    | pb.GetFansRequest,
) -> WindowQuery:
    return WindowQuery(
        period=request.period,
        start_date=request.start_date,
        end_date=request.end_date,
        timezone=request.timezone,
    )


def growth_message(growth: GrowthReport) -> pb.Growth:
    return pb.Growth(percentage=growth.percentage, trend=growth.trend)


def revenue_response(report: RevenueReport) -> pb.GetRevenueResponse:
    return pb.GetRevenueResponse(
        total_revenue=dollars(report.total_cents),
        revenue_by_day=[
            pb.DailyRevenue(date=day.isoformat(), revenue=dollars(cents))
            for day, cents in report.by_day
        ],
        revenue_by_source={source: dollars(c) for source, c in report.by_source.items()},
        growth=growth_message(report.growth),
    )


def _count(value: int) -> int:
    """Counts are int32 in the contract (JSON numbers): a total beyond it saturates."""
    return min(value, 2**31 - 1)


def engagement_response(report: EngagementReport) -> pb.GetEngagementResponse:
    totals = report.totals
    return pb.GetEngagementResponse(
        total_views=_count(totals.views),
        total_likes=_count(totals.likes),
        total_comments=_count(totals.comments),
        total_messages=_count(totals.messages),
        engagement_rate=report.rate,
        engagement_by_day=[
            pb.DailyEngagement(
                date=day.isoformat(),
                views=_count(day_totals.views),
                likes=_count(day_totals.likes),
                comments=_count(day_totals.comments),
                messages=_count(day_totals.messages),
            )
            for day, day_totals in report.by_day
        ],
        engagement_rate_by_content_type=report.rate_by_content_type,
        growth=growth_message(report.growth),
        engagement_by_hour=[
            pb.HourEngagement(
                hour=int(cell.key),
                interactions=_count(cell.interactions),
                views=_count(cell.views),
                revenue=dollars(cell.revenue_cents),
            )
            for cell in report.by_hour
        ],
        engagement_by_weekday=[
            pb.WeekdayEngagement(
                day=str(cell.key),
                interactions=_count(cell.interactions),
                views=_count(cell.views),
                revenue=dollars(cell.revenue_cents),
            )
            for cell in report.by_weekday
        ],
        best_hours=report.best_hours,
        best_days=report.best_days,
    )


def performance_response(report: PerformanceReport) -> pb.GetPerformanceResponse:
    return pb.GetPerformanceResponse(
        top_content=[
            pb.ContentPerformance(
                content_id=item.content_id,
                title=item.title,
                content_type=item.content_type,
                revenue=dollars(item.revenue_cents),
                views=_count(item.views),
                engagement_rate=item.engagement_rate,
            )
            for item in report.top
        ],
        by_content_type={
            kind: pb.ContentTypePerformance(
                posts=kind_report.posts,
                revenue=dollars(kind_report.revenue_cents),
                average_revenue=round(kind_report.average_cents / 100, 2),
                engagement_rate=kind_report.engagement_rate,
            )
            for kind, kind_report in report.by_type.items()
        },
    )


def fans_response(report: FansReport) -> pb.GetFansResponse:
    return pb.GetFansResponse(
        paying_fans=report.paying_fans,
        average_spend=round(report.average_spend_cents / 100, 2),
        new_fans=report.new_fans,
        returning_fans=report.returning_fans,
        revenue_from_new_fans=dollars(report.new_cents),
        revenue_from_returning_fans=dollars(report.returning_cents),
        top_fans=[
            pb.FanValue(
                fan_id=fan.fan_id,
                lifetime_value=dollars(fan.net_cents),
                purchases=fan.purchases,
                first_purchase_at=_moment(fan.first_purchase_ms),
                last_purchase_at=_moment(fan.last_purchase_ms),
            )
            for fan in report.top
        ],
    )


def _moment(epoch_ms: int | None) -> Timestamp | None:
    return timestamp(EPOCH + timedelta(milliseconds=epoch_ms)) if epoch_ms is not None else None


def cohorts_response(reports: list[CohortReport]) -> pb.GetCohortsResponse:
    return pb.GetCohortsResponse(
        cohorts=[
            pb.Cohort(
                month=cohort.month,
                fans=cohort.fans,
                retention=cohort.retention,
                revenue=[dollars(cents) for cents in cohort.revenue_cents],
            )
            for cohort in reports
        ]
    )


def forecast_response(report: ForecastReport) -> pb.GetForecastResponse:
    return pb.GetForecastResponse(
        days=[
            pb.DailyForecast(
                date=day.day.isoformat(), revenue=day.expected, lower=day.lower, upper=day.upper
            )
            for day in report.days
        ],
        total_revenue=report.total,
        total_lower=report.total_lower,
        total_upper=report.total_upper,
        model=report.model,
        history_days=report.history_days,
        note=report.note,
    )

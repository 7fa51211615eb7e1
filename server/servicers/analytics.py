"""AnalyticsService: events in (a JSON batch or a CSV statement), reports out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import protovalidate
from google.api import httpbody_pb2
from huntaze.v1 import analytics_pb2 as pb
from huntaze.v1 import analytics_pb2_grpc

from interceptors.context import current_principal
from server.servicers.convert_analytics import (
    cohorts_response,
    draft_of,
    engagement_response,
    fans_response,
    forecast_response,
    performance_response,
    revenue_response,
    window_query,
)
from server.servicers.csv_events import decode_statement
from services.analytics.ingest import EventIntake
from services.analytics.reports import AnalyticsReports


class AnalyticsServicer(analytics_pb2_grpc.AnalyticsServiceServicer):
    def __init__(
        self, intake: EventIntake, reports: AnalyticsReports, validator: protovalidate.Validator
    ) -> None:
        self._intake = intake
        self._reports = reports
        self._validator = validator

    async def IngestEvents(
        self, request: pb.IngestEventsRequest, context: grpc.aio.ServicerContext
    ) -> pb.IngestEventsResponse:
        drafts = [draft_of(event, f"events[{i}]", i) for i, event in enumerate(request.events)]
        result = await self._intake.ingest(current_principal(), drafts)
        return pb.IngestEventsResponse(accepted=result.accepted, duplicates=result.duplicates)

    async def ImportEvents(
        self,
        request_iterator: AsyncIterator[httpbody_pb2.HttpBody],
        context: grpc.aio.ServicerContext,
    ) -> pb.ImportEventsResponse:
        statement = await decode_statement(_bodies(request_iterator), self._validator)
        result = await self._intake.ingest(
            current_principal(), statement.drafts, statement.rejected
        )
        return pb.ImportEventsResponse(
            rows=statement.rows, accepted=result.accepted, duplicates=result.duplicates
        )

    async def GetRevenue(
        self, request: pb.GetRevenueRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetRevenueResponse:
        report = await self._reports.revenue(current_principal(), window_query(request))
        return revenue_response(report)

    async def GetEngagement(
        self, request: pb.GetEngagementRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetEngagementResponse:
        report = await self._reports.engagement(current_principal(), window_query(request))
        return engagement_response(report)

    async def GetPerformance(
        self, request: pb.GetPerformanceRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetPerformanceResponse:
        report = await self._reports.performance(
            current_principal(), window_query(request), request.limit
        )
        return performance_response(report)

    async def GetFans(
        self, request: pb.GetFansRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetFansResponse:
        report = await self._reports.fans(current_principal(), window_query(request), request.limit)
        return fans_response(report)

    async def GetCohorts(
        self, request: pb.GetCohortsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetCohortsResponse:
        reports = await self._reports.cohorts(current_principal(), request.months, request.timezone)
        return cohorts_response(reports)

    async def GetForecast(
        self, request: pb.GetForecastRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetForecastResponse:
        report = await self._reports.forecast(current_principal(), request.timezone)
        return forecast_response(report)


async def _bodies(messages: AsyncIterator[httpbody_pb2.HttpBody]) -> AsyncIterator[bytes]:
    async for message in messages:
        yield message.data

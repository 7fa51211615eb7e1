"""The creator's measured history, in the shape content ideas read (services.content_ideas):
what fills a request whose `performanceHistory` is empty, so estimates come from real numbers.

Over the last HISTORY_PERIOD in the profile's time zone:
- revenueByCategory: revenue per content type (the performance report's);
- engagementPatterns: {"bestHours": [...], "bestDays": [...], "engagementRate": overall,
  "<type>": {"engagementRate": rate}} (the engagement report's);
- topPerformingContent: the top TOP_CONTENT items, {title, type, revenue, views, engagementRate}.
None when the creator has sent no events in that window: the ideas then use the priors.
"""

from __future__ import annotations

from typing import Any

from services.analytics.reports import AnalyticsReports, WindowQuery, dollars
from services.common.principal import Principal
from services.content_ideas.model import PerformanceHistory

HISTORY_PERIOD = "90d"
TOP_CONTENT = 5


class MeasuredHistory:
    def __init__(self, reports: AnalyticsReports) -> None:
        self._reports = reports

    async def __call__(self, caller: Principal) -> PerformanceHistory | None:
        window = WindowQuery(period=HISTORY_PERIOD)
        performance = await self._reports.performance(caller, window, TOP_CONTENT)
        engagement = await self._reports.engagement(caller, window)
        if not (performance.by_type or performance.top or engagement.totals.views):
            return None
        patterns: dict[str, Any] = {
            "bestHours": engagement.best_hours,
            "bestDays": engagement.best_days,
        }
        if engagement.totals.views:
            patterns["engagementRate"] = engagement.rate
        for kind, rate in engagement.rate_by_content_type.items():
            patterns[kind] = {"engagementRate": rate}
        return PerformanceHistory(
            top_performing_content=[
                {
                    "title": item.title or item.content_id,
                    "type": item.content_type,
                    "revenue": dollars(item.revenue_cents),
                    "views": item.views,
                    "engagementRate": item.engagement_rate,
                }
                for item in performance.top
            ],
            engagement_patterns=patterns,
            revenue_by_category={
                kind: dollars(report.revenue_cents)
                for kind, report in performance.by_type.items()
                if report.revenue_cents > 0
            },
        )

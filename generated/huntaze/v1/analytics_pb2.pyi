import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from huntaze.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Growth(_message.Message):
    __slots__ = ("percentage", "trend")
    PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    TREND_FIELD_NUMBER: _ClassVar[int]
    percentage: float
    trend: str
    def __init__(self, percentage: _Optional[float] = ..., trend: _Optional[str] = ...) -> None: ...

class GetRevenueRequest(_message.Message):
    __slots__ = ("period", "start_date", "end_date", "timezone")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    period: str
    start_date: str
    end_date: str
    timezone: str
    def __init__(self, period: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., timezone: _Optional[str] = ...) -> None: ...

class DailyRevenue(_message.Message):
    __slots__ = ("date", "revenue")
    DATE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    date: str
    revenue: float
    def __init__(self, date: _Optional[str] = ..., revenue: _Optional[float] = ...) -> None: ...

class GetRevenueResponse(_message.Message):
    __slots__ = ("total_revenue", "revenue_by_day", "revenue_by_source", "growth")
    class RevenueBySourceEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    TOTAL_REVENUE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_BY_DAY_FIELD_NUMBER: _ClassVar[int]
    REVENUE_BY_SOURCE_FIELD_NUMBER: _ClassVar[int]
    GROWTH_FIELD_NUMBER: _ClassVar[int]
    total_revenue: float
    revenue_by_day: _containers.RepeatedCompositeFieldContainer[DailyRevenue]
    revenue_by_source: _containers.ScalarMap[str, float]
    growth: Growth
    def __init__(self, total_revenue: _Optional[float] = ..., revenue_by_day: _Optional[_Iterable[_Union[DailyRevenue, _Mapping]]] = ..., revenue_by_source: _Optional[_Mapping[str, float]] = ..., growth: _Optional[_Union[Growth, _Mapping]] = ...) -> None: ...

class GetEngagementRequest(_message.Message):
    __slots__ = ("period", "start_date", "end_date", "timezone")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    period: str
    start_date: str
    end_date: str
    timezone: str
    def __init__(self, period: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., timezone: _Optional[str] = ...) -> None: ...

class DailyEngagement(_message.Message):
    __slots__ = ("date", "views", "likes", "comments", "messages")
    DATE_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    date: str
    views: int
    likes: int
    comments: int
    messages: int
    def __init__(self, date: _Optional[str] = ..., views: _Optional[int] = ..., likes: _Optional[int] = ..., comments: _Optional[int] = ..., messages: _Optional[int] = ...) -> None: ...

class GetEngagementResponse(_message.Message):
    __slots__ = ("total_views", "total_likes", "total_comments", "total_messages", "engagement_rate", "engagement_by_day", "engagement_rate_by_content_type", "growth", "engagement_by_hour", "engagement_by_weekday", "best_hours", "best_days")
    class EngagementRateByContentTypeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    TOTAL_VIEWS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LIKES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COMMENTS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_RATE_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_BY_DAY_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_RATE_BY_CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    GROWTH_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_BY_HOUR_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_BY_WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    BEST_HOURS_FIELD_NUMBER: _ClassVar[int]
    BEST_DAYS_FIELD_NUMBER: _ClassVar[int]
    total_views: int
    total_likes: int
    total_comments: int
    total_messages: int
    engagement_rate: float
    engagement_by_day: _containers.RepeatedCompositeFieldContainer[DailyEngagement]
    engagement_rate_by_content_type: _containers.ScalarMap[str, float]
    growth: Growth
    engagement_by_hour: _containers.RepeatedCompositeFieldContainer[HourEngagement]
    engagement_by_weekday: _containers.RepeatedCompositeFieldContainer[WeekdayEngagement]
    best_hours: _containers.RepeatedScalarFieldContainer[int]
    best_days: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, total_views: _Optional[int] = ..., total_likes: _Optional[int] = ..., total_comments: _Optional[int] = ..., total_messages: _Optional[int] = ..., engagement_rate: _Optional[float] = ..., engagement_by_day: _Optional[_Iterable[_Union[DailyEngagement, _Mapping]]] = ..., engagement_rate_by_content_type: _Optional[_Mapping[str, float]] = ..., growth: _Optional[_Union[Growth, _Mapping]] = ..., engagement_by_hour: _Optional[_Iterable[_Union[HourEngagement, _Mapping]]] = ..., engagement_by_weekday: _Optional[_Iterable[_Union[WeekdayEngagement, _Mapping]]] = ..., best_hours: _Optional[_Iterable[int]] = ..., best_days: _Optional[_Iterable[str]] = ...) -> None: ...

class GetPerformanceRequest(_message.Message):
    __slots__ = ("period", "start_date", "end_date", "timezone", "limit")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    period: str
    start_date: str
    end_date: str
    timezone: str
    limit: int
    def __init__(self, period: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., timezone: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class ContentPerformance(_message.Message):
    __slots__ = ("content_id", "title", "content_type", "revenue", "views", "engagement_rate")
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_RATE_FIELD_NUMBER: _ClassVar[int]
    content_id: str
    title: str
    content_type: str
    revenue: float
    views: int
    engagement_rate: float
    def __init__(self, content_id: _Optional[str] = ..., title: _Optional[str] = ..., content_type: _Optional[str] = ..., revenue: _Optional[float] = ..., views: _Optional[int] = ..., engagement_rate: _Optional[float] = ...) -> None: ...

class ContentTypePerformance(_message.Message):
    __slots__ = ("posts", "revenue", "average_revenue", "engagement_rate")
    POSTS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_REVENUE_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_RATE_FIELD_NUMBER: _ClassVar[int]
    posts: int
    revenue: float
    average_revenue: float
    engagement_rate: float
    def __init__(self, posts: _Optional[int] = ..., revenue: _Optional[float] = ..., average_revenue: _Optional[float] = ..., engagement_rate: _Optional[float] = ...) -> None: ...

class GetPerformanceResponse(_message.Message):
    __slots__ = ("top_content", "by_content_type")
    class ByContentTypeEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ContentTypePerformance
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ContentTypePerformance, _Mapping]] = ...) -> None: ...
    TOP_CONTENT_FIELD_NUMBER: _ClassVar[int]
    BY_CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    top_content: _containers.RepeatedCompositeFieldContainer[ContentPerformance]
    by_content_type: _containers.MessageMap[str, ContentTypePerformance]
    def __init__(self, top_content: _Optional[_Iterable[_Union[ContentPerformance, _Mapping]]] = ..., by_content_type: _Optional[_Mapping[str, ContentTypePerformance]] = ...) -> None: ...

class AnalyticsEvent(_message.Message):
    __slots__ = ("id", "type", "occurred_at", "platform", "source", "amount", "currency", "fan_id", "content_id", "content_type", "views", "likes", "comments", "messages")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    FAN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    LIKES_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    occurred_at: _timestamp_pb2.Timestamp
    platform: str
    source: str
    amount: float
    currency: str
    fan_id: str
    content_id: str
    content_type: str
    views: int
    likes: int
    comments: int
    messages: int
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., platform: _Optional[str] = ..., source: _Optional[str] = ..., amount: _Optional[float] = ..., currency: _Optional[str] = ..., fan_id: _Optional[str] = ..., content_id: _Optional[str] = ..., content_type: _Optional[str] = ..., views: _Optional[int] = ..., likes: _Optional[int] = ..., comments: _Optional[int] = ..., messages: _Optional[int] = ...) -> None: ...

class IngestEventsRequest(_message.Message):
    __slots__ = ("events",)
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[AnalyticsEvent]
    def __init__(self, events: _Optional[_Iterable[_Union[AnalyticsEvent, _Mapping]]] = ...) -> None: ...

class IngestEventsResponse(_message.Message):
    __slots__ = ("accepted", "duplicates")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    duplicates: int
    def __init__(self, accepted: _Optional[int] = ..., duplicates: _Optional[int] = ...) -> None: ...

class ImportEventsResponse(_message.Message):
    __slots__ = ("rows", "accepted", "duplicates")
    ROWS_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    DUPLICATES_FIELD_NUMBER: _ClassVar[int]
    rows: int
    accepted: int
    duplicates: int
    def __init__(self, rows: _Optional[int] = ..., accepted: _Optional[int] = ..., duplicates: _Optional[int] = ...) -> None: ...

class HourEngagement(_message.Message):
    __slots__ = ("hour", "interactions", "views", "revenue")
    HOUR_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    hour: int
    interactions: int
    views: int
    revenue: float
    def __init__(self, hour: _Optional[int] = ..., interactions: _Optional[int] = ..., views: _Optional[int] = ..., revenue: _Optional[float] = ...) -> None: ...

class WeekdayEngagement(_message.Message):
    __slots__ = ("day", "interactions", "views", "revenue")
    DAY_FIELD_NUMBER: _ClassVar[int]
    INTERACTIONS_FIELD_NUMBER: _ClassVar[int]
    VIEWS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    day: str
    interactions: int
    views: int
    revenue: float
    def __init__(self, day: _Optional[str] = ..., interactions: _Optional[int] = ..., views: _Optional[int] = ..., revenue: _Optional[float] = ...) -> None: ...

class GetFansRequest(_message.Message):
    __slots__ = ("period", "start_date", "end_date", "limit", "timezone")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    period: str
    start_date: str
    end_date: str
    limit: int
    timezone: str
    def __init__(self, period: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., limit: _Optional[int] = ..., timezone: _Optional[str] = ...) -> None: ...

class FanValue(_message.Message):
    __slots__ = ("fan_id", "lifetime_value", "purchases", "first_purchase_at", "last_purchase_at")
    FAN_ID_FIELD_NUMBER: _ClassVar[int]
    LIFETIME_VALUE_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    FIRST_PURCHASE_AT_FIELD_NUMBER: _ClassVar[int]
    LAST_PURCHASE_AT_FIELD_NUMBER: _ClassVar[int]
    fan_id: str
    lifetime_value: float
    purchases: int
    first_purchase_at: _timestamp_pb2.Timestamp
    last_purchase_at: _timestamp_pb2.Timestamp
    def __init__(self, fan_id: _Optional[str] = ..., lifetime_value: _Optional[float] = ..., purchases: _Optional[int] = ..., first_purchase_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_purchase_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetFansResponse(_message.Message):
    __slots__ = ("paying_fans", "average_spend", "new_fans", "returning_fans", "revenue_from_new_fans", "revenue_from_returning_fans", "top_fans")
    PAYING_FANS_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_SPEND_FIELD_NUMBER: _ClassVar[int]
    NEW_FANS_FIELD_NUMBER: _ClassVar[int]
    RETURNING_FANS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FROM_NEW_FANS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FROM_RETURNING_FANS_FIELD_NUMBER: _ClassVar[int]
    TOP_FANS_FIELD_NUMBER: _ClassVar[int]
    paying_fans: int
    average_spend: float
    new_fans: int
    returning_fans: int
    revenue_from_new_fans: float
    revenue_from_returning_fans: float
    top_fans: _containers.RepeatedCompositeFieldContainer[FanValue]
    def __init__(self, paying_fans: _Optional[int] = ..., average_spend: _Optional[float] = ..., new_fans: _Optional[int] = ..., returning_fans: _Optional[int] = ..., revenue_from_new_fans: _Optional[float] = ..., revenue_from_returning_fans: _Optional[float] = ..., top_fans: _Optional[_Iterable[_Union[FanValue, _Mapping]]] = ...) -> None: ...

class GetCohortsRequest(_message.Message):
    __slots__ = ("months", "timezone")
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    months: int
    timezone: str
    def __init__(self, months: _Optional[int] = ..., timezone: _Optional[str] = ...) -> None: ...

class Cohort(_message.Message):
    __slots__ = ("month", "fans", "retention", "revenue")
    MONTH_FIELD_NUMBER: _ClassVar[int]
    FANS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    month: str
    fans: int
    retention: _containers.RepeatedScalarFieldContainer[float]
    revenue: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, month: _Optional[str] = ..., fans: _Optional[int] = ..., retention: _Optional[_Iterable[float]] = ..., revenue: _Optional[_Iterable[float]] = ...) -> None: ...

class GetCohortsResponse(_message.Message):
    __slots__ = ("cohorts",)
    COHORTS_FIELD_NUMBER: _ClassVar[int]
    cohorts: _containers.RepeatedCompositeFieldContainer[Cohort]
    def __init__(self, cohorts: _Optional[_Iterable[_Union[Cohort, _Mapping]]] = ...) -> None: ...

class GetForecastRequest(_message.Message):
    __slots__ = ("timezone",)
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    timezone: str
    def __init__(self, timezone: _Optional[str] = ...) -> None: ...

class DailyForecast(_message.Message):
    __slots__ = ("date", "revenue", "lower", "upper")
    DATE_FIELD_NUMBER: _ClassVar[int]
    REVENUE_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    date: str
    revenue: float
    lower: float
    upper: float
    def __init__(self, date: _Optional[str] = ..., revenue: _Optional[float] = ..., lower: _Optional[float] = ..., upper: _Optional[float] = ...) -> None: ...

class GetForecastResponse(_message.Message):
    __slots__ = ("days", "total_revenue", "total_lower", "total_upper", "model", "history_days", "note")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_REVENUE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_LOWER_FIELD_NUMBER: _ClassVar[int]
    TOTAL_UPPER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    HISTORY_DAYS_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[DailyForecast]
    total_revenue: float
    total_lower: float
    total_upper: float
    model: str
    history_days: int
    note: str
    def __init__(self, days: _Optional[_Iterable[_Union[DailyForecast, _Mapping]]] = ..., total_revenue: _Optional[float] = ..., total_lower: _Optional[float] = ..., total_upper: _Optional[float] = ..., model: _Optional[str] = ..., history_days: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
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
    __slots__ = ("period", "start_date", "end_date")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    period: str
    start_date: str
    end_date: str
    def __init__(self, period: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("period", "start_date", "end_date")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    period: str
    start_date: str
    end_date: str
    def __init__(self, period: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("total_views", "total_likes", "total_comments", "total_messages", "engagement_rate", "engagement_by_day", "engagement_rate_by_content_type", "growth")
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
    total_views: int
    total_likes: int
    total_comments: int
    total_messages: int
    engagement_rate: float
    engagement_by_day: _containers.RepeatedCompositeFieldContainer[DailyEngagement]
    engagement_rate_by_content_type: _containers.ScalarMap[str, float]
    growth: Growth
    def __init__(self, total_views: _Optional[int] = ..., total_likes: _Optional[int] = ..., total_comments: _Optional[int] = ..., total_messages: _Optional[int] = ..., engagement_rate: _Optional[float] = ..., engagement_by_day: _Optional[_Iterable[_Union[DailyEngagement, _Mapping]]] = ..., engagement_rate_by_content_type: _Optional[_Mapping[str, float]] = ..., growth: _Optional[_Union[Growth, _Mapping]] = ...) -> None: ...

class GetPerformanceRequest(_message.Message):
    __slots__ = ("period", "start_date", "end_date", "limit")
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    period: str
    start_date: str
    end_date: str
    limit: int
    def __init__(self, period: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

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

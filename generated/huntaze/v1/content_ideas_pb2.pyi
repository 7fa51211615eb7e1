import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from huntaze.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PerformanceHistory(_message.Message):
    __slots__ = ("top_performing_content", "engagement_patterns", "revenue_by_category")
    class RevenueByCategoryEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    TOP_PERFORMING_CONTENT_FIELD_NUMBER: _ClassVar[int]
    ENGAGEMENT_PATTERNS_FIELD_NUMBER: _ClassVar[int]
    REVENUE_BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    top_performing_content: _containers.RepeatedCompositeFieldContainer[_struct_pb2.Value]
    engagement_patterns: _struct_pb2.Struct
    revenue_by_category: _containers.ScalarMap[str, float]
    def __init__(self, top_performing_content: _Optional[_Iterable[_Union[_struct_pb2.Value, _Mapping]]] = ..., engagement_patterns: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., revenue_by_category: _Optional[_Mapping[str, float]] = ...) -> None: ...

class CreatorConstraints(_message.Message):
    __slots__ = ("equipment", "location", "time_availability")
    EQUIPMENT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TIME_AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    equipment: _containers.RepeatedScalarFieldContainer[str]
    location: _containers.RepeatedScalarFieldContainer[str]
    time_availability: str
    def __init__(self, equipment: _Optional[_Iterable[str]] = ..., location: _Optional[_Iterable[str]] = ..., time_availability: _Optional[str] = ...) -> None: ...

class ContentIdeasProfile(_message.Message):
    __slots__ = ("id", "niche", "content_types", "audience_preferences", "performance_history", "current_goals", "constraints")
    ID_FIELD_NUMBER: _ClassVar[int]
    NICHE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_PREFERENCES_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    CURRENT_GOALS_FIELD_NUMBER: _ClassVar[int]
    CONSTRAINTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    niche: _containers.RepeatedScalarFieldContainer[str]
    content_types: _containers.RepeatedScalarFieldContainer[str]
    audience_preferences: _containers.RepeatedScalarFieldContainer[str]
    performance_history: PerformanceHistory
    current_goals: _containers.RepeatedScalarFieldContainer[str]
    constraints: CreatorConstraints
    def __init__(self, id: _Optional[str] = ..., niche: _Optional[_Iterable[str]] = ..., content_types: _Optional[_Iterable[str]] = ..., audience_preferences: _Optional[_Iterable[str]] = ..., performance_history: _Optional[_Union[PerformanceHistory, _Mapping]] = ..., current_goals: _Optional[_Iterable[str]] = ..., constraints: _Optional[_Union[CreatorConstraints, _Mapping]] = ...) -> None: ...

class ContentIdeasOptions(_message.Message):
    __slots__ = ("count", "creativity", "include_hashtags", "include_captions", "target_platforms")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    CREATIVITY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_HASHTAGS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CAPTIONS_FIELD_NUMBER: _ClassVar[int]
    TARGET_PLATFORMS_FIELD_NUMBER: _ClassVar[int]
    count: int
    creativity: str
    include_hashtags: bool
    include_captions: bool
    target_platforms: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, count: _Optional[int] = ..., creativity: _Optional[str] = ..., include_hashtags: _Optional[bool] = ..., include_captions: _Optional[bool] = ..., target_platforms: _Optional[_Iterable[str]] = ...) -> None: ...

class ContentIdea(_message.Message):
    __slots__ = ("id", "title", "description", "content_type", "estimated_engagement", "estimated_revenue", "difficulty", "time_required", "caption", "hashtags", "tips", "generated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_ENGAGEMENT_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_REVENUE_FIELD_NUMBER: _ClassVar[int]
    DIFFICULTY_FIELD_NUMBER: _ClassVar[int]
    TIME_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    CAPTION_FIELD_NUMBER: _ClassVar[int]
    HASHTAGS_FIELD_NUMBER: _ClassVar[int]
    TIPS_FIELD_NUMBER: _ClassVar[int]
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    title: str
    description: str
    content_type: str
    estimated_engagement: float
    estimated_revenue: float
    difficulty: str
    time_required: str
    caption: str
    hashtags: _struct_pb2.ListValue
    tips: _containers.RepeatedScalarFieldContainer[str]
    generated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., title: _Optional[str] = ..., description: _Optional[str] = ..., content_type: _Optional[str] = ..., estimated_engagement: _Optional[float] = ..., estimated_revenue: _Optional[float] = ..., difficulty: _Optional[str] = ..., time_required: _Optional[str] = ..., caption: _Optional[str] = ..., hashtags: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ..., tips: _Optional[_Iterable[str]] = ..., generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ContentIdeasMetadata(_message.Message):
    __slots__ = ("generated_at", "count", "profile", "options")
    GENERATED_AT_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    generated_at: _timestamp_pb2.Timestamp
    count: int
    profile: str
    options: ContentIdeasOptions
    def __init__(self, generated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., count: _Optional[int] = ..., profile: _Optional[str] = ..., options: _Optional[_Union[ContentIdeasOptions, _Mapping]] = ...) -> None: ...

class ContentIdeasData(_message.Message):
    __slots__ = ("ideas", "metadata")
    IDEAS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ideas: _containers.RepeatedCompositeFieldContainer[ContentIdea]
    metadata: ContentIdeasMetadata
    def __init__(self, ideas: _Optional[_Iterable[_Union[ContentIdea, _Mapping]]] = ..., metadata: _Optional[_Union[ContentIdeasMetadata, _Mapping]] = ...) -> None: ...

class ResponseMeta(_message.Message):
    __slots__ = ("request_id", "timestamp", "duration")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DURATION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    timestamp: _timestamp_pb2.Timestamp
    duration: float
    def __init__(self, request_id: _Optional[str] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration: _Optional[float] = ...) -> None: ...

class GenerateContentIdeasRequest(_message.Message):
    __slots__ = ("creator_profile", "options")
    CREATOR_PROFILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    creator_profile: ContentIdeasProfile
    options: ContentIdeasOptions
    def __init__(self, creator_profile: _Optional[_Union[ContentIdeasProfile, _Mapping]] = ..., options: _Optional[_Union[ContentIdeasOptions, _Mapping]] = ...) -> None: ...

class GenerateContentIdeasResponse(_message.Message):
    __slots__ = ("success", "data", "meta")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: ContentIdeasData
    meta: ResponseMeta
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[ContentIdeasData, _Mapping]] = ..., meta: _Optional[_Union[ResponseMeta, _Mapping]] = ...) -> None: ...

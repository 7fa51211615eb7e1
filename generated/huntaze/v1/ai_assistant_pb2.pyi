import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from huntaze.v1 import content_ideas_pb2 as _content_ideas_pb2
from huntaze.v1 import options_pb2 as _options_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GenerateTextRequest(_message.Message):
    __slots__ = ("prompt", "system", "max_tokens", "temperature")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    SYSTEM_FIELD_NUMBER: _ClassVar[int]
    MAX_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    system: str
    max_tokens: int
    temperature: float
    def __init__(self, prompt: _Optional[str] = ..., system: _Optional[str] = ..., max_tokens: _Optional[int] = ..., temperature: _Optional[float] = ...) -> None: ...

class TokenUsage(_message.Message):
    __slots__ = ("prompt_tokens", "completion_tokens", "total_tokens", "cost", "model")
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COST_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cost: float
    model: str
    def __init__(self, prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ..., cost: _Optional[float] = ..., model: _Optional[str] = ...) -> None: ...

class StreamError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class GenerateTextResponse(_message.Message):
    __slots__ = ("delta", "done", "usage", "error")
    DELTA_FIELD_NUMBER: _ClassVar[int]
    DONE_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    delta: str
    done: bool
    usage: TokenUsage
    error: StreamError
    def __init__(self, delta: _Optional[str] = ..., done: _Optional[bool] = ..., usage: _Optional[_Union[TokenUsage, _Mapping]] = ..., error: _Optional[_Union[StreamError, _Mapping]] = ...) -> None: ...

class GenerateContentIdeasToolRequest(_message.Message):
    __slots__ = ("creator_profile", "options")
    CREATOR_PROFILE_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    creator_profile: _content_ideas_pb2.ContentIdeasProfile
    options: _content_ideas_pb2.ContentIdeasOptions
    def __init__(self, creator_profile: _Optional[_Union[_content_ideas_pb2.ContentIdeasProfile, _Mapping]] = ..., options: _Optional[_Union[_content_ideas_pb2.ContentIdeasOptions, _Mapping]] = ...) -> None: ...

class GenerateContentIdeasToolResponse(_message.Message):
    __slots__ = ("success", "data", "meta")
    SUCCESS_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    success: bool
    data: _content_ideas_pb2.ContentIdeasData
    meta: _content_ideas_pb2.ResponseMeta
    def __init__(self, success: _Optional[bool] = ..., data: _Optional[_Union[_content_ideas_pb2.ContentIdeasData, _Mapping]] = ..., meta: _Optional[_Union[_content_ideas_pb2.ResponseMeta, _Mapping]] = ...) -> None: ...

class MessageRecipient(_message.Message):
    __slots__ = ("name", "spend_tier", "last_purchase_at", "subscription_status")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SPEND_TIER_FIELD_NUMBER: _ClassVar[int]
    LAST_PURCHASE_AT_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_STATUS_FIELD_NUMBER: _ClassVar[int]
    name: str
    spend_tier: str
    last_purchase_at: _timestamp_pb2.Timestamp
    subscription_status: str
    def __init__(self, name: _Optional[str] = ..., spend_tier: _Optional[str] = ..., last_purchase_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., subscription_status: _Optional[str] = ...) -> None: ...

class MessageContext(_message.Message):
    __slots__ = ("tone", "occasion", "language")
    TONE_FIELD_NUMBER: _ClassVar[int]
    OCCASION_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    tone: str
    occasion: str
    language: str
    def __init__(self, tone: _Optional[str] = ..., occasion: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class GenerateMessagesRequest(_message.Message):
    __slots__ = ("template", "recipient", "context", "variants")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    VARIANTS_FIELD_NUMBER: _ClassVar[int]
    template: str
    recipient: MessageRecipient
    context: MessageContext
    variants: int
    def __init__(self, template: _Optional[str] = ..., recipient: _Optional[_Union[MessageRecipient, _Mapping]] = ..., context: _Optional[_Union[MessageContext, _Mapping]] = ..., variants: _Optional[int] = ...) -> None: ...

class GeneratedMessage(_message.Message):
    __slots__ = ("text", "tone")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TONE_FIELD_NUMBER: _ClassVar[int]
    text: str
    tone: str
    def __init__(self, text: _Optional[str] = ..., tone: _Optional[str] = ...) -> None: ...

class GenerateMessagesResponse(_message.Message):
    __slots__ = ("messages", "model")
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    messages: _containers.RepeatedCompositeFieldContainer[GeneratedMessage]
    model: str
    def __init__(self, messages: _Optional[_Iterable[_Union[GeneratedMessage, _Mapping]]] = ..., model: _Optional[str] = ...) -> None: ...

class PricePoint(_message.Message):
    __slots__ = ("price", "offers", "purchases")
    PRICE_FIELD_NUMBER: _ClassVar[int]
    OFFERS_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    price: float
    offers: int
    purchases: int
    def __init__(self, price: _Optional[float] = ..., offers: _Optional[int] = ..., purchases: _Optional[int] = ...) -> None: ...

class OptimizePricingRequest(_message.Message):
    __slots__ = ("content_type", "history", "min_price", "max_price")
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    MIN_PRICE_FIELD_NUMBER: _ClassVar[int]
    MAX_PRICE_FIELD_NUMBER: _ClassVar[int]
    content_type: str
    history: _containers.RepeatedCompositeFieldContainer[PricePoint]
    min_price: float
    max_price: float
    def __init__(self, content_type: _Optional[str] = ..., history: _Optional[_Iterable[_Union[PricePoint, _Mapping]]] = ..., min_price: _Optional[float] = ..., max_price: _Optional[float] = ...) -> None: ...

class PriceRange(_message.Message):
    __slots__ = ("low", "high")
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    low: float
    high: float
    def __init__(self, low: _Optional[float] = ..., high: _Optional[float] = ...) -> None: ...

class OptimizePricingResponse(_message.Message):
    __slots__ = ("recommended_price", "expected_conversion", "expected_revenue_per_offer", "price_range", "confidence", "rationale")
    RECOMMENDED_PRICE_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_CONVERSION_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_REVENUE_PER_OFFER_FIELD_NUMBER: _ClassVar[int]
    PRICE_RANGE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    RATIONALE_FIELD_NUMBER: _ClassVar[int]
    recommended_price: float
    expected_conversion: float
    expected_revenue_per_offer: float
    price_range: PriceRange
    confidence: float
    rationale: str
    def __init__(self, recommended_price: _Optional[float] = ..., expected_conversion: _Optional[float] = ..., expected_revenue_per_offer: _Optional[float] = ..., price_range: _Optional[_Union[PriceRange, _Mapping]] = ..., confidence: _Optional[float] = ..., rationale: _Optional[str] = ...) -> None: ...

import datetime

from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.api import httpbody_pb2 as _httpbody_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from huntaze.v1 import options_pb2 as _options_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BillingSubscription(_message.Message):
    __slots__ = ("id", "stripe_subscription_id", "status", "plan", "current_period_end", "cancel_at_period_end", "created_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STRIPE_SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    stripe_subscription_id: str
    status: str
    plan: str
    current_period_end: _timestamp_pb2.Timestamp
    cancel_at_period_end: bool
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., stripe_subscription_id: _Optional[str] = ..., status: _Optional[str] = ..., plan: _Optional[str] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_at_period_end: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HandleStripeWebhookResponse(_message.Message):
    __slots__ = ("received",)
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    received: bool
    def __init__(self, received: _Optional[bool] = ...) -> None: ...

class CreateMessagePackCheckoutRequest(_message.Message):
    __slots__ = ("pack", "success_url", "cancel_url")
    PACK_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_URL_FIELD_NUMBER: _ClassVar[int]
    CANCEL_URL_FIELD_NUMBER: _ClassVar[int]
    pack: str
    success_url: str
    cancel_url: str
    def __init__(self, pack: _Optional[str] = ..., success_url: _Optional[str] = ..., cancel_url: _Optional[str] = ...) -> None: ...

class CreateMessagePackCheckoutResponse(_message.Message):
    __slots__ = ("session_id", "url")
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    session_id: str
    url: str
    def __init__(self, session_id: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class CreateSubscriptionRequest(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: str
    def __init__(self, plan: _Optional[str] = ...) -> None: ...

class CreateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription", "client_secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: BillingSubscription
    client_secret: str
    def __init__(self, subscription: _Optional[_Union[BillingSubscription, _Mapping]] = ..., client_secret: _Optional[str] = ...) -> None: ...

class CancelSubscriptionRequest(_message.Message):
    __slots__ = ("id", "at_period_end")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    id: str
    at_period_end: bool
    def __init__(self, id: _Optional[str] = ..., at_period_end: _Optional[bool] = ...) -> None: ...

class CancelSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: BillingSubscription
    def __init__(self, subscription: _Optional[_Union[BillingSubscription, _Mapping]] = ...) -> None: ...

class GetCurrentSubscriptionRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCurrentSubscriptionResponse(_message.Message):
    __slots__ = ("plan", "subscription")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    plan: str
    subscription: BillingSubscription
    def __init__(self, plan: _Optional[str] = ..., subscription: _Optional[_Union[BillingSubscription, _Mapping]] = ...) -> None: ...

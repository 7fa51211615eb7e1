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

class BillingSubscription(_message.Message):
    __slots__ = ("id", "stripe_subscription_id", "status", "plan", "current_period_end", "cancel_at_period_end", "created_at", "cancel_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STRIPE_SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    CURRENT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCEL_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    stripe_subscription_id: str
    status: str
    plan: str
    current_period_end: _timestamp_pb2.Timestamp
    cancel_at_period_end: bool
    created_at: _timestamp_pb2.Timestamp
    cancel_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., stripe_subscription_id: _Optional[str] = ..., status: _Optional[str] = ..., plan: _Optional[str] = ..., current_period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_at_period_end: _Optional[bool] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("plan", "success_url", "cancel_url")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_URL_FIELD_NUMBER: _ClassVar[int]
    CANCEL_URL_FIELD_NUMBER: _ClassVar[int]
    plan: str
    success_url: str
    cancel_url: str
    def __init__(self, plan: _Optional[str] = ..., success_url: _Optional[str] = ..., cancel_url: _Optional[str] = ...) -> None: ...

class CreateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription", "client_secret", "session_id", "url")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CLIENT_SECRET_FIELD_NUMBER: _ClassVar[int]
    SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    subscription: BillingSubscription
    client_secret: str
    session_id: str
    url: str
    def __init__(self, subscription: _Optional[_Union[BillingSubscription, _Mapping]] = ..., client_secret: _Optional[str] = ..., session_id: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class CreatePortalSessionRequest(_message.Message):
    __slots__ = ("return_url",)
    RETURN_URL_FIELD_NUMBER: _ClassVar[int]
    return_url: str
    def __init__(self, return_url: _Optional[str] = ...) -> None: ...

class CreatePortalSessionResponse(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...

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

class ResumeSubscriptionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ResumeSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: BillingSubscription
    def __init__(self, subscription: _Optional[_Union[BillingSubscription, _Mapping]] = ...) -> None: ...

class GetCurrentSubscriptionRequest(_message.Message):
    __slots__ = ("checkout_session_id",)
    CHECKOUT_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    checkout_session_id: str
    def __init__(self, checkout_session_id: _Optional[str] = ...) -> None: ...

class GetCurrentSubscriptionResponse(_message.Message):
    __slots__ = ("plan", "subscription")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    plan: str
    subscription: BillingSubscription
    def __init__(self, plan: _Optional[str] = ..., subscription: _Optional[_Union[BillingSubscription, _Mapping]] = ...) -> None: ...

class GetCreditsRequest(_message.Message):
    __slots__ = ("checkout_session_id",)
    CHECKOUT_SESSION_ID_FIELD_NUMBER: _ClassVar[int]
    checkout_session_id: str
    def __init__(self, checkout_session_id: _Optional[str] = ...) -> None: ...

class CreditLedgerEntry(_message.Message):
    __slots__ = ("kind", "amount", "allowance", "balance_after", "description", "created_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    ALLOWANCE_FIELD_NUMBER: _ClassVar[int]
    BALANCE_AFTER_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    kind: str
    amount: int
    allowance: int
    balance_after: int
    description: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, kind: _Optional[str] = ..., amount: _Optional[int] = ..., allowance: _Optional[int] = ..., balance_after: _Optional[int] = ..., description: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetCreditsResponse(_message.Message):
    __slots__ = ("balance", "monthly_allowance", "used_this_month", "resets_at", "frozen", "entries")
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    MONTHLY_ALLOWANCE_FIELD_NUMBER: _ClassVar[int]
    USED_THIS_MONTH_FIELD_NUMBER: _ClassVar[int]
    RESETS_AT_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    balance: int
    monthly_allowance: int
    used_this_month: int
    resets_at: _timestamp_pb2.Timestamp
    frozen: int
    entries: _containers.RepeatedCompositeFieldContainer[CreditLedgerEntry]
    def __init__(self, balance: _Optional[int] = ..., monthly_allowance: _Optional[int] = ..., used_this_month: _Optional[int] = ..., resets_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., frozen: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[CreditLedgerEntry, _Mapping]]] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BillingInvoice(_message.Message):
    __slots__ = ("id", "number", "amount_paid", "currency", "period_start", "period_end", "paid_at", "hosted_invoice_url")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_PAID_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    PAID_AT_FIELD_NUMBER: _ClassVar[int]
    HOSTED_INVOICE_URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    number: str
    amount_paid: int
    currency: str
    period_start: _timestamp_pb2.Timestamp
    period_end: _timestamp_pb2.Timestamp
    paid_at: _timestamp_pb2.Timestamp
    hosted_invoice_url: str
    def __init__(self, id: _Optional[str] = ..., number: _Optional[str] = ..., amount_paid: _Optional[int] = ..., currency: _Optional[str] = ..., period_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., paid_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., hosted_invoice_url: _Optional[str] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices",)
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[BillingInvoice]
    def __init__(self, invoices: _Optional[_Iterable[_Union[BillingInvoice, _Mapping]]] = ...) -> None: ...

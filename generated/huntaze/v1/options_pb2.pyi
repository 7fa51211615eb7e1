from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RateLimitClass(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RATE_LIMIT_CLASS_UNSPECIFIED: _ClassVar[RateLimitClass]
    RATE_LIMIT_CLASS_STANDARD: _ClassVar[RateLimitClass]
    RATE_LIMIT_CLASS_AUTH: _ClassVar[RateLimitClass]
    RATE_LIMIT_CLASS_AI: _ClassVar[RateLimitClass]
    RATE_LIMIT_CLASS_WEBHOOK: _ClassVar[RateLimitClass]
    RATE_LIMIT_CLASS_NONE: _ClassVar[RateLimitClass]
    RATE_LIMIT_CLASS_SESSION: _ClassVar[RateLimitClass]
RATE_LIMIT_CLASS_UNSPECIFIED: RateLimitClass
RATE_LIMIT_CLASS_STANDARD: RateLimitClass
RATE_LIMIT_CLASS_AUTH: RateLimitClass
RATE_LIMIT_CLASS_AI: RateLimitClass
RATE_LIMIT_CLASS_WEBHOOK: RateLimitClass
RATE_LIMIT_CLASS_NONE: RateLimitClass
RATE_LIMIT_CLASS_SESSION: RateLimitClass
ACCESS_FIELD_NUMBER: _ClassVar[int]
access: _descriptor.FieldDescriptor

class AccessPolicy(_message.Message):
    __slots__ = ("public", "plans", "rate_limit", "same_origin_only")
    PUBLIC_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    RATE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    SAME_ORIGIN_ONLY_FIELD_NUMBER: _ClassVar[int]
    public: bool
    plans: _containers.RepeatedScalarFieldContainer[str]
    rate_limit: RateLimitClass
    same_origin_only: bool
    def __init__(self, public: _Optional[bool] = ..., plans: _Optional[_Iterable[str]] = ..., rate_limit: _Optional[_Union[RateLimitClass, str]] = ..., same_origin_only: _Optional[bool] = ...) -> None: ...

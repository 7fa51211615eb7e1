from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.rpc import code_pb2 as _code_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
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
REST_FIELD_NUMBER: _ClassVar[int]
rest: _descriptor.FieldDescriptor

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

class RestDetails(_message.Message):
    __slots__ = ("errors", "request_headers", "response_headers", "request_cookies", "request_example", "query_parameters", "partial_content")
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_HEADERS_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_HEADERS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_COOKIES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    QUERY_PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PARTIAL_CONTENT_FIELD_NUMBER: _ClassVar[int]
    errors: _containers.RepeatedCompositeFieldContainer[ErrorCase]
    request_headers: _containers.RepeatedCompositeFieldContainer[HttpParameter]
    response_headers: _containers.RepeatedCompositeFieldContainer[HttpParameter]
    request_cookies: _containers.RepeatedCompositeFieldContainer[HttpParameter]
    request_example: str
    query_parameters: _containers.RepeatedCompositeFieldContainer[HttpParameter]
    partial_content: bool
    def __init__(self, errors: _Optional[_Iterable[_Union[ErrorCase, _Mapping]]] = ..., request_headers: _Optional[_Iterable[_Union[HttpParameter, _Mapping]]] = ..., response_headers: _Optional[_Iterable[_Union[HttpParameter, _Mapping]]] = ..., request_cookies: _Optional[_Iterable[_Union[HttpParameter, _Mapping]]] = ..., request_example: _Optional[str] = ..., query_parameters: _Optional[_Iterable[_Union[HttpParameter, _Mapping]]] = ..., partial_content: _Optional[bool] = ...) -> None: ...

class ErrorCase(_message.Message):
    __slots__ = ("code", "when", "http_status")
    CODE_FIELD_NUMBER: _ClassVar[int]
    WHEN_FIELD_NUMBER: _ClassVar[int]
    HTTP_STATUS_FIELD_NUMBER: _ClassVar[int]
    code: _code_pb2.Code
    when: str
    http_status: int
    def __init__(self, code: _Optional[_Union[_code_pb2.Code, str]] = ..., when: _Optional[str] = ..., http_status: _Optional[int] = ...) -> None: ...

class HttpParameter(_message.Message):
    __slots__ = ("name", "description", "required")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    required: bool
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., required: _Optional[bool] = ...) -> None: ...

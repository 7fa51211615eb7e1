"""Rate limiting: the interceptor, the token-bucket rules and the backends the composition root
chooses from (this host's shared table, Redis with the table as fallback)."""

from interceptors.rate_limit.buckets import RateLimitDecision, RateLimiter, RateLimitRule
from interceptors.rate_limit.fallback import FallbackRateLimiter
from interceptors.rate_limit.interceptor import (
    CLASS_NAMES,
    RULE_NAMES,
    RateLimitInterceptor,
    SessionOf,
    address_key,
)
from interceptors.rate_limit.redis import RedisRateLimiter
from interceptors.rate_limit.shared_memory import (
    DEFAULT_BUCKETS,
    SharedMemoryRateLimiter,
    create_bucket_table,
)

__all__ = [
    "CLASS_NAMES",
    "DEFAULT_BUCKETS",
    "RULE_NAMES",
    "FallbackRateLimiter",
    "RateLimitDecision",
    "RateLimitInterceptor",
    "RateLimitRule",
    "RateLimiter",
    "RedisRateLimiter",
    "SessionOf",
    "SharedMemoryRateLimiter",
    "address_key",
    "create_bucket_table",
]

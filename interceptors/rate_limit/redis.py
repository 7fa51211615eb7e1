"""Token buckets in Redis, shared by every worker and instance using the same key prefix.

One atomic Lua script per acquire (refill + take, on Redis server time so instances with skewed
clocks agree). Every call goes through the worker's RedisCircuit: a failing or silent Redis
raises RedisUnavailable at once and FallbackRateLimiter answers from this host's table.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from interceptors.rate_limit.buckets import RateLimitDecision, RateLimitRule, decision
from services.redis_circuit import RedisCircuit

# KEYS[1] bucket; ARGV capacity, refill tokens/second. Returns {allowed, tokens left (string)}.
# Redis 5+ replicates script effects, so TIME is allowed before writes.
_TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
local left = string.format('%.6f', tokens)
redis.call('HSET', KEYS[1], 'tokens', left, 'ts', string.format('%.6f', now))
redis.call('EXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1)
return {allowed, left}
"""


class RedisRateLimiter:
    def __init__(
        self, client: aioredis.Redis, circuit: RedisCircuit, *, prefix: str = "huntaze:ratelimit:"
    ) -> None:
        self.client = client
        self.prefix = prefix
        self._circuit = circuit
        self._script = client.register_script(_TOKEN_BUCKET_LUA)  # EVALSHA, NOSCRIPT -> EVAL

    async def acquire(self, key: str, rule: RateLimitRule) -> RateLimitDecision:
        """RedisUnavailable when Redis fails or is being skipped."""
        allowed, tokens = await self._circuit.run(
            lambda: self._script(
                keys=[self.prefix + key], args=[rule.capacity, repr(rule.refill_per_second)]
            )
        )
        return decision(float(tokens), rule, bool(int(allowed)))

    async def aclose(self) -> None:
        await self.client.aclose()

"""Token buckets in Redis shared by every worker, one per (integration, operation).

One Lua script takes a token, on Redis's own clock, so workers on several machines agree and two
of them never both take the last token. A response's rate-limit header sets the bucket's rate; a
429 empties it and blocks it for the receiver's Retry-After.
"""

from __future__ import annotations

import contextlib
import logging
from functools import cache
from typing import Any

import redis
from django.conf import settings

log = logging.getLogger(__name__)

AMAZON_RATE_HEADER = "x-amzn-RateLimit-Limit"
IDLE_EXPIRY = 3600  # seconds: a bucket nobody used for an hour starts afresh
UNREACHABLE_WAIT = 5.0

# KEYS[1] the bucket; ARGV: default rate (tokens/s), default burst, cost. Returns {ok, wait} as
# strings (Lua numbers would be truncated to integers on the way out).
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'rate', 'burst', 'blocked_until')
local rate = tonumber(b[3]) or tonumber(ARGV[1])
local burst = tonumber(b[4]) or tonumber(ARGV[2])
local tokens = tonumber(b[1]) or burst
local ts = tonumber(b[2]) or now
local blocked = tonumber(b[5]) or 0
local cost = tonumber(ARGV[3])
if now < blocked then
  return {'0', tostring(blocked - now)}
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local ok = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  ok = 1
else
  wait = (cost - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return {tostring(ok), tostring(wait)}
"""

# KEYS[1] the bucket; ARGV: seconds to block. Empties the bucket and blocks it.
_BLOCK = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', tostring(now),
           'blocked_until', tostring(now + tonumber(ARGV[1])))
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


class TokenBucket:
    """`take()` → seconds to wait (0.0: go now). Shared through Redis under `ratelimit:<key>`."""

    def __init__(
        self, key: str, *, rate: float, burst: float | None = None, url: str | None = None
    ) -> None:
        if rate <= 0:
            raise ValueError("A rate limit is a positive number of calls per second.")
        self.key = f"ratelimit:{key}"
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, rate)
        self.redis = _client(url or settings.OUTBOX_RATELIMIT_REDIS_URL)
        self._take = self.redis.register_script(_TAKE)
        self._block = self.redis.register_script(_BLOCK)

    def take(self, cost: float = 1.0) -> float:
        try:
            ok, wait = self._take(keys=[self.key], args=[self.rate, self.burst, cost, IDLE_EXPIRY])
        except redis.RedisError:
            # Fail closed: a channel that suspends sellers for abuse is worse than a delay.
            log.warning("ratelimit: Redis unreachable for %s; waiting", self.key)
            return UNREACHABLE_WAIT
        return 0.0 if int(ok) else max(float(wait), 0.001)

    def observe(self, headers: Any, header: str = AMAZON_RATE_HEADER) -> float | None:
        """Adopt the rate the receiver announces (calls per second); returns it, or None."""
        value = headers.get(header) if headers is not None else None
        if value is None:
            return None
        try:
            rate = float(value)
        except ValueError:
            log.warning("ratelimit: %s=%r is not a number; ignored", header, value)
            return None
        if rate <= 0:
            return None
        try:
            self.redis.hset(self.key, "rate", str(rate))
            self.redis.expire(self.key, IDLE_EXPIRY)
        except redis.RedisError:
            return None
        self.rate = rate
        return rate

    def throttled(self, retry_after: float | None) -> float:
        """The receiver answered 429: block everyone for Retry-After (or one token's time)."""
        wait = retry_after if retry_after and retry_after > 0 else 1.0 / self.rate
        with contextlib.suppress(redis.RedisError):
            self._block(keys=[self.key], args=[wait, IDLE_EXPIRY])
        return wait

    def state(self) -> dict[str, float]:
        raw: dict[bytes, bytes] = self.redis.hgetall(self.key)  # type: ignore[assignment]
        return {k.decode(): float(v) for k, v in raw.items()}

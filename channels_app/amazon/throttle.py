"""Amazon's usage plans on our side: one token bucket per (seller, operation), shared in Redis.

Every SP-API request a worker or a poller makes takes a token first (``SpApiClient`` asks its
``throttle``); every answer's ``x-amzn-RateLimit-Limit`` sets the bucket's rate (Amazon tells each
seller its real rate, which may differ from the model's default); a 429 empties the bucket and
blocks it for Retry-After. The buckets start from the rate and burst Amazon's models state for the
operation. Without Redis (``make run`` on SQLite) the buckets live in the process.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from django.conf import settings

from channels_app.amazon import wire
from channels_app.errors import RateLimited
from channels_app.outbox.ratelimit import AMAZON_RATE_HEADER, TokenBucket


@cache
def default_plans() -> dict[str, tuple[float, int]]:
    """operationId → (rate per second, burst) from the usage plans in Amazon's models."""
    plans: dict[str, tuple[float, int]] = {}
    for model in sorted(set(wire.MODELS.values())):
        for _pattern, _verb, template, spec in wire._routes(model):
            op = wire.Operation(model, spec["operationId"], _verb, template, {}, spec)
            plans[op.operation_id] = wire.usage_plan(op)
    return plans


def plan_for(operation: str) -> tuple[float, int]:
    return default_plans().get(operation, (1.0, 1))


@dataclass
class _LocalBucket:
    """One process's bucket (no Redis configured): the same arithmetic, under a lock."""

    rate: float
    burst: float
    tokens: float
    at: float = field(default_factory=time.monotonic)
    blocked_until: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, cost: float = 1.0) -> float:
        with self.lock:
            now = time.monotonic()
            if now < self.blocked_until:
                return self.blocked_until - now
            self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= cost:
                self.tokens -= cost
                return 0.0
            return (cost - self.tokens) / self.rate

    def observe(self, headers: Mapping[str, str], header: str = AMAZON_RATE_HEADER) -> float | None:
        try:
            rate = float(headers.get(header) or 0)
        except ValueError:
            return None
        if rate > 0:
            self.rate = rate
            return rate
        return None

    def throttled(self, retry_after: float | None) -> float:
        wait = retry_after if retry_after and retry_after > 0 else 1.0 / self.rate
        with self.lock:
            self.tokens, self.at = 0.0, time.monotonic()
            self.blocked_until = self.at + wait
        return wait


_local: dict[str, _LocalBucket] = {}
_local_lock = threading.Lock()


def bucket_key(seller_id: str, operation: str) -> str:
    return f"amazon:{seller_id}:{operation}"


class SellerThrottle:
    """The ``Throttle`` an ``SpApiClient`` asks before each call, for one seller account."""

    def __init__(self, seller_id: str) -> None:
        self.seller_id = seller_id
        self._buckets: dict[str, TokenBucket | _LocalBucket] = {}
        self.calls: dict[str, int] = {}  # operation → calls this throttle let through

    def bucket(self, operation: str) -> TokenBucket | _LocalBucket:
        found = self._buckets.get(operation)
        if found is None:
            rate, burst = plan_for(operation)
            key = bucket_key(self.seller_id, operation)
            if settings.OUTBOX_RATELIMIT_REDIS_URL:
                found = TokenBucket(key, rate=rate, burst=burst)
            else:
                with _local_lock:
                    found = _local.setdefault(key, _LocalBucket(rate, burst, float(burst)))
            self._buckets[operation] = found
        return found

    def take(self, operation: str) -> None:
        wait = self.bucket(operation).take()
        if wait > 0:
            raise RateLimited(
                f"Amazon {operation} for seller {self.seller_id}: no token for {wait:.2f}s "
                "(our share of Amazon's usage plan)",
                retry_after=wait,
                operation=operation,
            )
        self.calls[operation] = self.calls.get(operation, 0) + 1

    def observe(self, operation: str, headers: Mapping[str, str]) -> None:
        self.bucket(operation).observe(headers)

    def throttled(self, operation: str, retry_after: float | None) -> float:
        return self.bucket(operation).throttled(retry_after)

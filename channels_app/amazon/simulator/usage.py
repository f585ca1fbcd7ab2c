"""The simulator's clock and Amazon's usage plans (token buckets), as Amazon documents them.

"The SP-API uses the token bucket algorithm to rate-limit requests to the API. [...] the SP-API
automatically adds tokens to your bucket at a set rate per second until the maximum limit of the
bucket is reached. The maximum limit is also called the burst rate." — Usage Plans and Rate Limits,
https://developer-docs.amazon.com/sp-api/docs/usage-plans-and-rate-limits

Each operation's default (rate, burst) is the "Usage Plan" table in its model description
(``wire.usage_plan``; getOrders: "| 0.0167 | 20 |", ordersV0.json). A throttled request is answered
429 with Amazon's body ``{"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota
for the requested resource.", "details": ""}]}`` (as Amazon answers it, e.g.
https://github.com/amzn/selling-partner-api-models/issues/418) and the ``x-amzn-RateLimit-Limit``
header ("Returns the rate limit applied to the request", https://developer-docs.amazon.com/sp-api/
docs/response-format).

``SimClock.speed`` lets a test run Amazon's hours in seconds: at speed 100 a token bucket refills 100
times faster, an access token (3600 s) lives 36 real seconds and a NextToken ages 100 times faster.
The ratio of rate to burst stays the documented one, and the rate announced in
``x-amzn-RateLimit-Limit`` is the one a caller observes in real time (rate × speed), so a client
that adopts the header paces itself correctly. The default speed is 1: the documented plan.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

QUOTA_EXCEEDED = {
    "errors": [
        {
            "code": "QuotaExceeded",
            "message": "You exceeded your quota for the requested resource.",
            "details": "",
        }
    ]
}


@dataclass
class SimClock:
    """Simulated seconds: real monotonic time × ``speed`` since the last change of speed."""

    speed: float = 1.0
    _base_sim: float = field(default_factory=time.monotonic)
    _base_real: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        with self._lock:
            return self._base_sim + (time.monotonic() - self._base_real) * self.speed

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be above 0")
        current = self.now()
        with self._lock:
            self._base_sim, self._base_real, self.speed = current, time.monotonic(), speed

    def advance(self, seconds: float) -> None:
        """Jump simulated time forward (a NextToken or an access token ages at once)."""
        with self._lock:
            self._base_sim += seconds


@dataclass
class Bucket:
    rate: float  # tokens per simulated second
    burst: int
    tokens: float
    at: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class UsagePlans:
    """One bucket per operation (the simulator is one seller + one application)."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.overrides: dict[str, tuple[float, int]] = {}
        self.buckets: dict[str, Bucket] = {}
        self.throttled: dict[str, int] = {}

    def plan(self, operation_id: str, default: tuple[float, int]) -> tuple[float, int]:
        return self.overrides.get(operation_id) or default

    def admit(self, operation_id: str, default: tuple[float, int]) -> bool:
        rate, burst = self.plan(operation_id, default)
        now = self.clock.now()
        bucket = self.buckets.get(operation_id)
        if bucket is None:
            bucket = self.buckets[operation_id] = Bucket(rate, burst, float(burst), now)
        if bucket.take(now):
            return True
        self.throttled[operation_id] = self.throttled.get(operation_id, 0) + 1
        return False

    def header(self, operation_id: str, default: tuple[float, int]) -> dict[str, str]:
        """x-amzn-RateLimit-Limit in real-time requests per second (see the module doc)."""
        rate, _burst = self.plan(operation_id, default)
        return {"x-amzn-RateLimit-Limit": f"{rate * self.clock.speed:g}"}

    def override(self, operation_id: str, rate: float, burst: int) -> None:
        self.overrides[operation_id] = (rate, burst)
        self.buckets.pop(operation_id, None)

    def snapshot(self) -> dict[str, Any]:
        return {"overrides": self.overrides, "throttled": self.throttled, "speed": self.clock.speed}

"""The one error every channel raises at its boundary, and the outbox's worker understands.

``TransportError``: the call did not get through, or the receiver refused it. ``permanent`` says
whether a retry can help (dead-letter now); ``retry_after`` is when the receiver asked us to come
back (seconds); ``status`` the HTTP status if there was one; ``rate_limit`` the rate the receiver
announced (Amazon's ``x-amzn-RateLimit-Limit``) for a limiter to adopt; ``operation`` the call.

``RateLimited``: no token in our bucket, or the receiver answered 429 — come back later; the outbox
reschedules without counting an attempt (throttling is not failure).
"""

from __future__ import annotations


class TransportError(Exception):
    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
        rate_limit: float | None = None,
        operation: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after
        self.status = status
        self.rate_limit = rate_limit
        self.operation = operation

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, permanent={self.permanent}, "
            f"retry_after={self.retry_after}, status={self.status})"
        )


class RateLimited(TransportError):
    def __init__(
        self,
        message: str,
        *,
        retry_after: float,
        status: int | None = None,
        rate_limit: float | None = None,
        operation: str = "",
    ) -> None:
        super().__init__(
            message,
            permanent=False,
            retry_after=retry_after,
            status=status,
            rate_limit=rate_limit,
            operation=operation,
        )

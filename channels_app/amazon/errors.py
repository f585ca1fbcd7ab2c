"""Errors at the Amazon boundary.

``TransportError`` is for the caller that retries (the outbox): ``permanent`` says whether a retry
can help; ``retry_after`` is what Amazon asked for (or what its rate limit implies); ``rate_limit``
is the ``x-amzn-RateLimit-Limit`` it reported, for a limiter to adapt to. Domain refusals (an order
that cannot be imported, a carton over Amazon's limits) are ``DomainError``s with what to do.
"""

from __future__ import annotations

from wms.errors import DomainError


class TransportError(Exception):
    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
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
            f"TransportError({self.message!r}, permanent={self.permanent}, "
            f"retry_after={self.retry_after}, status={self.status})"
        )


class AmazonNotConfigured(DomainError):
    code = "amazon_not_configured"


class UnknownAmazonSku(DomainError):
    code = "unknown_amazon_sku"


class CartonOverLimit(DomainError):
    """One error listing every carton over Amazon's limits, so the packer fixes all at once."""

    code = "carton_over_limit"
    http_status = 409

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "Amazon will not receive these cartons: "
            + "; ".join(problems)
            + ". Repack them (split the carton) and close them again."
        )


class InboundPlanFailed(DomainError):
    code = "inbound_plan_failed"

"""Errors at the Amazon boundary.

``TransportError`` is the one class of channels_app/errors.py, shared with the outbox's worker:
``permanent`` says whether a retry can help; ``retry_after`` is what Amazon asked for (or what its
rate limit implies); ``rate_limit`` is the ``x-amzn-RateLimit-Limit`` it reported, for a limiter
to adapt to. A 429 is its subclass ``RateLimited`` (rescheduled, not counted as a failure).
Domain refusals (an order that cannot be imported, a carton over Amazon's limits) are
``DomainError``s with what to do."""

from __future__ import annotations

from channels_app.errors import RateLimited, TransportError
from wms.errors import DomainError

__all__ = [
    "AmazonNotConfigured",
    "CartonOverLimit",
    "InboundPlanFailed",
    "NoPackedCartons",
    "NotAnFbaOrder",
    "NothingListed",
    "RateLimited",
    "ShipmentNotConfirmable",
    "TransportError",
    "UnknownAmazonSku",
]


class AmazonNotConfigured(DomainError):
    code = "amazon_not_configured"


class NoPackedCartons(DomainError):
    """FBA packing information is the order's packed cartons: none, nothing to send."""

    code = "no_packed_cartons"


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


class ShipmentNotConfirmable(DomainError):
    """A shipment Amazon cannot be told about as it is: not an order of this account, or a carton
    whose contents match no Amazon order item."""

    code = "shipment_not_confirmable"


class NothingListed(DomainError):
    """A catalogue sync needs at least one active item of the client."""

    code = "nothing_listed"


class NotAnFbaOrder(DomainError):
    """An inbound plan starts from a packed order of the integration's client."""

    code = "not_an_fba_order"

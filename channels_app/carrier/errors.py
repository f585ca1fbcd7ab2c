"""Errors at the carrier boundary.

Transport failures are the outbox's ``TransportError`` (one type for every channel, imported here
once); refusals an operator acts on are ``DomainError``s.
"""

from __future__ import annotations

from channels_app.outbox.handlers import RateLimited, TransportError
from wms.errors import DomainError

__all__ = [
    "CarrierNotConfigured",
    "CartonNotClosed",
    "InvalidHours",
    "LabelNotVoidable",
    "RateLimited",
    "TransportError",
]


class CarrierNotConfigured(DomainError):
    code = "carrier_not_configured"


class LabelNotVoidable(DomainError):
    code = "label_not_voidable"
    http_status = 409


class CartonNotClosed(DomainError):
    """A carrier prices by weight and size: a label is bought for a weighed, closed carton only."""

    code = "carton_not_closed"


class InvalidHours(DomainError):
    """`hours` of the no-carrier-scan list is a positive number of hours, at most a year."""

    code = "invalid_hours"

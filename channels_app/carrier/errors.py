"""Errors at the carrier boundary.

Transport failures are the outbox's ``TransportError`` (one type for every channel, imported here
once); refusals an operator acts on are ``DomainError``s.
"""

from __future__ import annotations

from channels_app.outbox.handlers import RateLimited, TransportError
from wms.errors import DomainError

__all__ = ["CarrierNotConfigured", "LabelNotVoidable", "RateLimited", "TransportError"]


class CarrierNotConfigured(DomainError):
    code = "carrier_not_configured"


class LabelNotVoidable(DomainError):
    code = "label_not_voidable"
    http_status = 409

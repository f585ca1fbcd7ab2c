"""Errors at the ERP boundary: the outbox's ``TransportError`` (imported here once) and the
refusals an integration engineer acts on."""

from __future__ import annotations

from channels_app.outbox.handlers import RateLimited, TransportError
from wms.errors import DomainError

__all__ = ["ErpNotConfigured", "RateLimited", "TransportError"]


class ErpNotConfigured(DomainError):
    code = "erp_not_configured"

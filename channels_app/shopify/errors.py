"""Errors at the Shopify boundary.

The transport error is the outbox's own (`channels_app.outbox.handlers`), imported here once so
every Shopify module names it through this module: a failed call is what the outbox retries
(`permanent`, `retry_after`), and a throttle is its `RateLimited` (not counted as an attempt).
"""

from __future__ import annotations

from channels_app.outbox.handlers import RateLimited, TransportError
from wms.errors import DomainError

__all__ = ["GraphQLRefused", "RateLimited", "ShopifyNotConfigured", "TransportError"]


class ShopifyNotConfigured(DomainError):
    code = "shopify_not_configured"


class UnknownShopifySku(DomainError):
    code = "unknown_shopify_sku"


class GraphQLRefused(TransportError):
    """Shopify answered, but refused the operation (userErrors, or errors other than THROTTLED).

    `codes` are the userErrors' codes (e.g. CHANGE_FROM_QUANTITY_STALE) so callers can react.
    """

    def __init__(self, message: str, *, codes: list[str], permanent: bool = True) -> None:
        super().__init__(message, permanent=permanent)
        self.codes = codes

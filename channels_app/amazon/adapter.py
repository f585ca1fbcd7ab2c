"""The Amazon operations the outbox handlers call. Each takes the integration and plain values,
talks to Amazon only over HTTP (base URLs from settings), changes the WMS only through its
services, and raises ``TransportError(permanent=…, retry_after=…, status=…)`` when Amazon could
not be reached or refused. Results carry ``rate_limit`` (Amazon's x-amzn-RateLimit-Limit) so the
caller's limiter can adapt.

    import_orders(integration, since)                      → ImportResult
    handle_notification(integration, payload)              → outcome str
    push_availability(integration, items, idempotency_key) → AvailabilityPushed
    poll_feed(integration, feed_id)                        → FeedOutcome
    confirm_shipment(integration, shipment, idempotency_key) → Confirmation
    reconcile(integration)                                 → Reconciled
    fba_inbound_plan(integration, order)                   → InboundPlan
"""

from channels_app.amazon.errors import TransportError
from channels_app.amazon.fba import send_to_fba as fba_inbound_plan
from channels_app.amazon.listings import poll_feed, push_availability, reconcile, release_listing
from channels_app.amazon.orders import handle_notification, import_orders
from channels_app.amazon.shipments import confirm_shipment

__all__ = [
    "TransportError",
    "confirm_shipment",
    "fba_inbound_plan",
    "handle_notification",
    "import_orders",
    "poll_feed",
    "push_availability",
    "reconcile",
    "release_listing",
]

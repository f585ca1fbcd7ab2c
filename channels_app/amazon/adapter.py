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
    reconcile_now(integration)                             → ReconcileNow (reconcile + one feed)
    sync_catalogue(integration, cause=…)                   → CatalogueSync (one feed, every SKU)
    fba_inbound_plan(integration, order)                   → InboundPlan (through box labels)
    fba_inventory(integration)                             → FbaInventory
"""

from channels_app.amazon.catalogue import sync_catalogue
from channels_app.amazon.errors import TransportError
from channels_app.amazon.fba import send_to_fba as fba_inbound_plan
from channels_app.amazon.fba_inventory import fetch_fba_inventory as fba_inventory
from channels_app.amazon.inbound import handle_notification, import_orders
from channels_app.amazon.listings import poll_feed, push_availability
from channels_app.amazon.reconcile import reconcile, reconcile_now, release_listing
from channels_app.amazon.shipments import confirm_shipment

__all__ = [
    "TransportError",
    "confirm_shipment",
    "fba_inbound_plan",
    "fba_inventory",
    "handle_notification",
    "import_orders",
    "poll_feed",
    "push_availability",
    "reconcile",
    "reconcile_now",
    "release_listing",
    "sync_catalogue",
]

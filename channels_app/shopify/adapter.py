"""The Shopify operations the views, the back office, the management commands, the beat tasks and
the outbox handler call (the façade: callers never reach into the modules below). Each takes the
store and plain values, talks to Shopify only over HTTP (client.py), changes the WMS only through
its services, and raises ``TransportError`` (the outbox's) when Shopify could not be reached or
refused.

What Shopify tells us (inbound.py):
    answer_notification(store, kind)                   → {"outcomes": …, "exceptions": […]}
    answer_open_requests(store)                        → the same, both kinds (the poller)
    take_fulfillment_requests(store, kind)             → {fulfillment order id: outcome}
    fetch_stock(store, sku)                            → {sku: quantity}
    fetch_tracking_numbers(store, names)               → {fulfillment name: number}
    handle_webhook(store, topic, webhook_id, payload)  → outcome

Connecting a store and keeping it right (registration.py, stock.py):
    register_service(store)                            → Registered
    register_fulfillment_service(store)                → store (ids recorded)
    register_and_sync(store, progress)                 → (Registered, Synced)
    subscribe_webhooks(store)                          → Subscribed
    go_live(store, progress)                           → WentLive
    sync_stock(store, progress)                        → Synced (every SKU once)
    reconcile(store, progress)                         → Reconciled
    registered_stores()                                → [store] active and registered

What we tell Shopify, through the outbox (outbound.py → pushes.py, returns.py):
    create_fulfillment(store, event_id)                → fulfillment id
    push_availability(store, item_id, quantity, …)     → quantity set
    announce_disposition(store, event_id)              → a graded return disposed of

Which item a Shopify SKU names (skus.py): item_for_sku(store, sku), sku_for(store, item).
"""

from channels_app.shopify.errors import TransportError
from channels_app.shopify.inbound import (
    answer_notification,
    answer_open_requests,
    fetch_stock,
    fetch_tracking_numbers,
    handle_webhook,
    take_fulfillment_requests,
)
from channels_app.shopify.models import CHANNEL
from channels_app.shopify.pushes import create_fulfillment, push_availability
from channels_app.shopify.registration import (
    go_live,
    register_and_sync,
    register_fulfillment_service,
    register_service,
    registered_stores,
    subscribe_webhooks,
)
from channels_app.shopify.returns import announce_disposition
from channels_app.shopify.skus import item_for_sku, sku_for
from channels_app.shopify.stock import reconcile, sync_stock

__all__ = [
    "CHANNEL",
    "TransportError",
    "announce_disposition",
    "answer_notification",
    "answer_open_requests",
    "create_fulfillment",
    "fetch_stock",
    "fetch_tracking_numbers",
    "go_live",
    "handle_webhook",
    "item_for_sku",
    "push_availability",
    "reconcile",
    "register_and_sync",
    "register_fulfillment_service",
    "register_service",
    "registered_stores",
    "sku_for",
    "subscribe_webhooks",
    "sync_stock",
    "take_fulfillment_requests",
]

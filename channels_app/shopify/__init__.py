"""Shopify as a fulfillment service (Admin GraphQL API, pinned 2026-04): the Amazon package's shape.

client.py    httpx client: one GraphQL call, cost-based rate limit, TransportError at the boundary
wire.py      the pinned Admin schema (schema/) and the validation of every document we send
signing.py   HMAC-SHA256 of webhooks and fulfillment-service callbacks
mapping.py   pure functions: Shopify JSON <-> what the wms services take
adapter.py   the operations views and outbox handlers call (fulfillment requests, inventory, …)
outbound.py  the outbox router and handler (fulfillmentCreate, inventorySetQuantities)
views.py     callbacks (fulfillment_order_notification, fetch_stock, fetch_tracking_numbers)
             and webhooks, HMAC-verified
models.py    store per client, fulfillment orders we hold, inventory items we push
registration.py  our fulfillment service (re-)registered, webhooks subscribed, go live
stock.py     every SKU at once: the go-live stock sync, and reconciliation against our ATP
returns.py   a graded return announced (reverseFulfillmentOrderDispose)
live_tasks.py    Celery: scheduled reconciliation, stock sync on demand
rehearsal.py the whole flow against a simulator (python manage.py rehearse_shopify)
simulator/   a real HTTP Admin GraphQL simulator (python manage.py shopify_simulator)
"""

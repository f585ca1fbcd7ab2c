"""Shopify as a fulfillment service (Admin GraphQL API, pinned 2026-04), in the channel layout
(docs/architecture.md, "Channels"):

adapter.py       the façade the views, back office, commands, tasks and outbox handler call
client.py        ``AdminClient`` on channels_app/http.py: one GraphQL document per call, the cost
                 estimate before sending (cost.py), the shared cost bucket fed by
                 ``extensions.cost``, THROTTLED/429 as RateLimited, GraphQL errors by code
mapping.py       pure functions: Shopify JSON <-> what the wms services take (the core's Address)
inbound.py       what Shopify tells us: fulfillment and cancellation requests (callback and
                 poller), fetch_stock / fetch_tracking_numbers, webhooks
outbound.py      the outbox router and handler (``shopify:<store id>``)
pushes.py        what the handler sends: fulfillmentCreate with tracking, inventorySetQuantities
registration.py  our fulfillment service (re-)registered, webhooks subscribed, go live
stock.py         every SKU at once: the go-live stock sync, and reconciliation against our ATP
returns.py       a graded return announced (reverseFulfillmentOrderDispose)
skus.py          which item a Shopify SKU names, and the SKU an item is known by
exceptions.py    what went wrong, recorded once with its owner
tasks.py         Celery beat: the lost-callback poller, scheduled reconciliation, stock sync
views.py         callbacks (fulfillment_order_notification, fetch_stock, fetch_tracking_numbers)
urls.py          and webhooks, HMAC-verified (signing.py); they call the adapter
models.py        store per client, fulfillment orders we hold, inventory items we push, exceptions,
                 reconciliation lines, return disposals; admin.py the back office
errors.py        TransportError (the outbox's), GraphQLRefused, ShopifyNotConfigured
wire.py          the pinned Admin schema (schema/) and the validation of every document we send
cost.py          our estimate of a document's requested query cost
documents.py     the GraphQL documents of the request flow; live_documents.py those of going
                 live, reconciling and returns
rehearsal.py     the whole flow against a simulator (python manage.py rehearse_shopify)
simulator/       a real HTTP Admin GraphQL simulator on channels_app/simulation.py
                 (python manage.py shopify_simulator)
management/      shopify_store, shopify_poll_requests, rehearse_shopify, shopify_simulator
tests/
"""

"""Amazon Selling Partner API: client (HTTP, LWA tokens), pure mapping, adapter services, simulator.

Shape (healthchecks-style integration package):
    client.py    httpx client: LWA refresh-token grant, token cache, TransportError at the boundary
    wire.py      Amazon's published models (spec/) and the validation of every request/response
    mapping.py   pure functions: Amazon JSON <-> what the wms services take
    adapter.py   the operations the outbox handlers call (import_orders, push_availability, …)
    throttle.py  token buckets per (seller, operation) in Redis, asked before every call
    delivery.py  the outbox's router and handler for destination amazon:<integration>
    listings.py  availability: a patchListingsItem per SKU change, feeds and their reports
    catalogue.py every listing at once by one JSON_LISTINGS_FEED (go-live, sync now)
    reconcile.py Amazon's quantities against ours for every listing; holds and their release
    fba.py       FBA cartons within Amazon's limits; the inbound plan through transport and labels
    fba_inventory.py  getInventorySummaries stored beside our numbers
    integrations.py   connecting a seller account (checked by logging in first)
    doors.py     what the commands and back-office actions share (a client that waits its turn)
    rehearsal.py the steps of manage.py rehearse_amazon
    tasks.py     Celery: order, notification and feed polling, reconciliation, go-live, FBA plans
    models.py    integration per client, per-order sync state, listings, feeds, exceptions
    simulator/   a real HTTP SP-API simulator (python manage.py amazon_simulator)
"""

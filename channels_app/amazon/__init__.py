"""Amazon Selling Partner API: client (HTTP, LWA tokens), pure mapping, adapter services, simulator.

Shape (healthchecks-style integration package):
    client.py    httpx client: LWA refresh-token grant, token cache, TransportError at the boundary
    wire.py      Amazon's published models (spec/) and the validation of every request/response
    mapping.py   pure functions: Amazon JSON <-> what the wms services take
    adapter.py   the operations the outbox handlers call (import_orders, push_availability, …)
    throttle.py  token buckets per (seller, operation) in Redis, asked before every call
    delivery.py  the outbox's router and handler for destination amazon:<integration>
    tasks.py     Celery: order, notification and feed polling, reconciliation
    models.py    integration per client, per-order sync state, listings, feeds, exceptions
    simulator/   a real HTTP SP-API simulator (python manage.py amazon_simulator)
"""

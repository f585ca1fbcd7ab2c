"""Amazon Selling Partner API: client (HTTP, LWA tokens), pure mapping, adapter services, simulator.

Shape (healthchecks-style integration package):
    client.py    httpx client: LWA refresh-token grant, token cache, TransportError at the boundary
    wire.py      Amazon's published models (spec/) and the validation of every request/response
    mapping.py   pure functions: Amazon JSON <-> what the wms services take
    adapter.py   the operations the outbox handlers call (import_orders, push_availability, …)
    dedupe.py    inbound dedupe interface and its database implementation
    models.py    integration per client, per-order sync state, listings, feeds, exceptions
    simulator/   a real HTTP SP-API simulator (python manage.py amazon_simulator)
"""

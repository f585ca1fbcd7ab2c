"""Amazon Selling Partner API, on the shared channel layout (docs/architecture.md, "Channels").

    adapter.py   the façade: the verbs the back office, commands, tasks and the outbox call
                 (import_orders, push_availability, confirm_shipment, …), re-exported from below
    client.py    httpx client: LWA refresh-token grant, token cache, RDTs, TransportError at the
                 boundary (its status classification is channels_app.http's one policy)
    mapping.py   pure functions: Amazon JSON <-> what the wms services take
    outbound.py  the outbox's router and handler for destination amazon:<integration>
    inbound.py   what Amazon tells us: orders (getOrders poll) and ORDER_CHANGE notifications,
                 and which item an Amazon SKU names
    tasks.py     Celery: order, notification and feed polling, reconciliation, go-live, FBA plans
    models.py, admin.py, errors.py, apps.py, migrations/, management/commands/
                 the integration per client, per-order sync state, listings, feeds, exceptions;
                 its back office, refusals, start-up wiring, amazon_simulator and user commands
    simulator/   server.py on channels_app.simulation.Simulator (LWA, usage plans, RDTs, faults,
                 /_sim controls); state.py and its siblings, each rule citing Amazon's docs
    tests/       the package's tests, over real HTTP against the simulator

Concept modules behind adapter.py:
    shipments.py confirmShipment per carton (outbound, called by outbound.py)
    listings.py  availability: a patchListingsItem per SKU change, feeds and their reports
    catalogue.py every listing at once by one JSON_LISTINGS_FEED (go-live, sync now)
    reconcile.py Amazon's quantities against ours for every listing; holds and their release
    returns.py   Amazon's returns report into the WMS returns flow
    fba.py       FBA cartons within Amazon's limits; the inbound plan through transport and labels
    fba_inventory.py  getInventorySummaries stored beside our numbers
    integrations.py   connecting a seller account (checked by logging in first)
    doors.py     what the commands and back-office actions share (a client that waits its turn)
    rehearsal.py the steps of manage.py rehearse_amazon
    station.py   the label desk finds FBA shipments by their Amazon ID

Amazon's own machinery: wire.py (its published models in spec/ and the validation of every
request/response), throttle.py (token buckets per seller and operation in Redis, asked before
every call), tokens.py (Restricted Data Tokens).
"""

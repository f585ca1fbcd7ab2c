"""The ERP operations the back office, the management commands and the beat tasks call (the
façade: callers never reach into inbound.py or outbound.py). Each takes the integration or the
client and plain values, talks to the ERP only over HTTP (client.py), changes the WMS only through
its services, and raises ``TransportError`` when the ERP could not be reached or refused.

    import_items(integration)           → ImportResult   item master in, field by field
    field_owners(client)                → {field: owner} who may change each item field
    queue_snapshot(client)              → [OutboxMessage] one inventory snapshot, through the outbox
    queue_all_snapshots()               → int            every ERP client's snapshot

Confirmations (shipments, receipts, returns received) need no call: the outbox routes the domain
events to ``erp:<integration id>`` (outbound.route / outbound.send, registered in apps.py).
"""

from channels_app.erp.errors import TransportError
from channels_app.erp.inbound import ImportResult, field_owners, import_items
from channels_app.erp.outbound import queue_all_snapshots, queue_snapshot

__all__ = [
    "ImportResult",
    "TransportError",
    "field_owners",
    "import_items",
    "queue_all_snapshots",
    "queue_snapshot",
]

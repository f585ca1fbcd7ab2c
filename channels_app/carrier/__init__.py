"""A parcel carrier: rate, buy label, void, track — one interface, one HTTP implementation.

The channel layout (docs/architecture.md, "Channels"):
    adapter.py    the interface the rest of the project holds: the ``Carrier`` protocol, its values
                  (addresses are the core's ``wms.orders.address.Address``) and
                  ``carrier_for(account)``
    client.py     ``HttpCarrier``: the wire, on channels_app/http.py (base URL a setting)
    mapping.py    pure functions: our records <-> the carrier's JSON, the webhook signature
    outbound.py   what we ask of the carrier: labels bought for parcels (the pack station's
                  "closed" hook), voided on request, the tracking number ship_order uses
    inbound.py    what the carrier tells us: tracking events from its webhook, stored, on the
                  order's timeline, delivery and exceptions (carrier events own delivery reality)
    views.py      the webhook endpoint (HMAC-verified), calling inbound.py
    selectors.py  labels created but not scanned by the carrier after N hours
    models.py     carrier accounts, bought labels, tracking events
    simulator/    a real HTTP carrier on channels_app/simulation.py (manage.py carrier_simulator)
    tests/
No tasks.py: nothing about a carrier runs on a schedule (labels are bought in the close, events
arrive by webhook).
"""

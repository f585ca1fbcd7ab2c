"""A parcel carrier: rate, buy label, void, track — one interface, one HTTP implementation.

Shape (the same as channels_app/amazon):
    adapter.py    the interface (``Carrier`` protocol and its values) and ``carrier_for(account)``
    client.py     ``HttpCarrier``: JSON over HTTP to the carrier (base URL a setting), errors as the
                  outbox's ``TransportError``
    mapping.py    pure functions: our records <-> the carrier's JSON, the webhook signature
    labels.py     buying labels for parcels (the pack station's "closed" hook), voiding, the
                  tracking number ship_order uses
    events.py     tracking events from the carrier's webhook: stored, on the order's timeline,
                  delivery and exceptions (carrier events own delivery reality, DESIGN §4)
    selectors.py  labels created but not scanned by the carrier after N hours
    models.py     carrier accounts, bought labels, tracking events
    simulator/    a real HTTP carrier (python manage.py carrier_simulator)
"""

"""A brand's ERP: item master in (per-field authority), inventory snapshots and shipment / receipt
confirmations out through the outbox.

Shape (the same as channels_app/amazon and channels_app/carrier):
    client.py     ``ErpClient``: JSON over HTTP (ERP_<NAME>_URL, bearer ERP_<NAME>_TOKEN), errors
                  as the outbox's ``TransportError``
    mapping.py    pure functions: ERP item JSON → what the catalog services take; our events →
                  the ERP's confirmation bodies
    items.py      item master import: the ERP's changes applied field by field where the client's
                  field ownership (ErpFieldOwner rows) gives the ERP the field, refused otherwise
    outbound.py   the outbox router and handler (``erp:<integration id>``), snapshots
    tasks.py      beat: item import, inventory snapshots
    models.py     integrations, field ownership, refusals
    simulator/    a real HTTP ERP (python manage.py erp_simulator)
"""

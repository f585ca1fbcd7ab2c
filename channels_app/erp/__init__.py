"""A brand's ERP: item master in (per-field authority), inventory snapshots and shipment / receipt /
return confirmations out through the outbox.

The channel layout (docs/architecture.md, "Channels"):
    adapter.py    the façade the back office, commands and tasks call
    client.py     ``ErpClient``: the wire, on channels_app/http.py (ERP_<NAME>_URL, bearer
                  ERP_<NAME>_TOKEN)
    mapping.py    pure functions: ERP item JSON → what the catalog services take; our events →
                  the ERP's confirmation bodies
    inbound.py    item master import: the ERP's changes applied field by field where the client's
                  field ownership (ErpFieldOwner rows) gives the ERP the field, refused otherwise
    outbound.py   the outbox router and handler (``erp:<integration id>``), snapshots
    tasks.py      beat: item import, inventory snapshots
    models.py     integrations, field ownership, refusals
    simulator/    a real HTTP ERP on channels_app/simulation.py (manage.py erp_simulator)
    tests/
"""

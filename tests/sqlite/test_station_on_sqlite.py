"""The label desk's look-up on SQLite (`make run` without DATABASE_URL): an FBA shipment is found
in the inbound plan's JSON list without PostgreSQL's JSON `contains`, and an order, a location and
an unknown code answer as they do on PostgreSQL."""

from __future__ import annotations

import pytest

from channels_app.amazon.models import AmazonIntegration, InboundPlan
from compliance import station_lookup
from tests.factories import Site, place, service
from wms.catalog.models import Client, Item

SHIPMENT_ID = "sh00000000-0000-0000-0000-0000sqlite01"


def test_the_desk_finds_an_fba_shipment_an_order_and_a_location(
    site: Site, nwo: Client, tent: Item
) -> None:
    order = place(nwo, "FBA-SQL", [(tent, 2)], channel="manual")
    integration = AmazonIntegration.objects.create(
        client=nwo,
        seller_id="A3SIMSELLER01",
        marketplace_ids=["ATVPDKIKX0DER"],
        lwa_client_id="client",
        secrets_name="NWO",
        default_service=service(),
    )
    InboundPlan.objects.create(
        integration=integration, order=order, shipment_ids=[SHIPMENT_ID], step="placed"
    )
    [fba] = station_lookup.look_up(SHIPMENT_ID)
    assert fba.kind == "fba_shipment" and ("Order", "FBA-SQL") in fba.facts
    [found] = station_lookup.look_up("FBA-SQL")
    assert ("FBA shipment", SHIPMENT_ID) in found.facts
    assert station_lookup.fba_by_code(SHIPMENT_ID[:-1] + "2") is None
    assert [f.name for f in station_lookup.look_up("p-01")] == ["Location P-01"]
    with pytest.raises(station_lookup.NothingFound):
        station_lookup.look_up("NOPE")

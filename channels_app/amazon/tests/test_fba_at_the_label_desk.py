"""The label desk finds an FBA shipment by the shipmentId Amazon gave it (the inbound plan's
placement), prints FNSKU labels for its units, and says box labels wait for the confirmation ID
(FBA…) Amazon prints on them, which this integration does not fetch yet."""

from __future__ import annotations

import pytest

from channels_app.amazon import adapter
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.tests.conftest import SimControl
from channels_app.amazon.tests.test_fba import packed_replenishment
from compliance import station_desk, station_lookup
from compliance.models import Printer
from compliance.tests.test_labels import scan
from tests.factories import Site
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import IdentifierKind, Item


def test_an_fba_shipment_id_finds_its_order_and_prints_its_box_labels(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    order, _ = packed_replenishment(site, tent, mug, oscar, sam)
    plan = adapter.fba_inbound_plan(integration, order)
    shipment_id = plan.shipment_ids[0]

    [found] = station_lookup.look_up(shipment_id)
    assert found.kind == "fba_shipment" and found.name == f"FBA shipment {shipment_id}"
    assert ("Order", "FBA-7") in found.facts
    by_order = station_lookup.look_up("FBA-7")
    assert ("FBA shipment", shipment_id) in by_order[0].facts
    assert station_lookup.fba_by_code("FBA-NOT-OURS") is None

    boxes = [p for p in found.printables if p.label == "fba_box"]
    assert len(boxes) == 2 and all("is not known yet" in p.blocked for p in boxes)

    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    with pytest.raises(station_desk.BulkRefused, match="confirmation ID"):
        station_desk.print_bulk(
            kind="fba_boxes", params={"fba_shipment": shipment_id}, printer=desk, actor=sam
        )
    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    catalog.add_identifier(item=mug, kind=IdentifierKind.FNSKU, value="X00MUG0001")
    jobs = station_desk.print_bulk(
        kind="fba_units", params={"fba_shipment": shipment_id}, printer=desk, actor=sam
    )
    fnskus = [{b.text for page in scan(bytes(job.content)) for b in page} for job in jobs]
    assert fnskus == [{"X00TENT001"}, {"X00MUG0001"}]
    assert [job.item for job in jobs] == [tent, mug]

"""The label desk finds an FBA shipment by the shipmentId Amazon gave it or by its confirmation ID
(FBA…) that getShipment answered after placement, and prints its box labels: each carries that
confirmation ID and the box's number in its own shipment, also when Amazon split the plan."""

from __future__ import annotations

from typing import Any

import pypdfium2
import pytest

from channels_app.amazon import adapter
from channels_app.amazon.models import AmazonIntegration, FbaShipment, InboundPlan
from channels_app.amazon.tests.conftest import SimControl
from channels_app.amazon.tests.test_fba import packed_replenishment
from compliance import printing, station_desk, station_lookup
from compliance.models import Printer, PrintJob
from compliance.tests.test_labels import plain, scan
from tests.conftest import api_as
from tests.factories import Site
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import IdentifierKind, Item


def _text(pdf: bytes) -> str:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        return " ".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_an_fba_shipment_is_found_by_either_id_and_its_box_labels_carry_the_confirmation_id(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    order, parcels = packed_replenishment(site, tent, mug, oscar, sam)
    plan = adapter.fba_inbound_plan(integration, order)
    [shipment] = FbaShipment.objects.filter(plan=plan)
    shipment_id, confirmation = shipment.shipment_id, shipment.confirmation_id

    [found] = station_lookup.look_up(shipment_id)
    assert found.kind == "fba_shipment" and found.name == f"FBA shipment {shipment_id}"
    assert ("Order", "FBA-7") in found.facts and ("On labels", confirmation) in found.facts
    assert ("To", "ABE2") in found.facts
    [by_confirmation] = station_lookup.look_up(confirmation.lower())
    assert by_confirmation.name == found.name
    by_order = station_lookup.look_up("FBA-7")
    assert ("FBA shipment", shipment_id) in by_order[0].facts
    assert station_lookup.fba_by_code("FBA-NOT-OURS") is None

    boxes = [p for p in found.printables if p.label == "fba_box"]
    assert [p.blocked for p in boxes] == ["", ""]
    assert [p.params["fba_shipment"] for p in boxes] == [confirmation, confirmation]

    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    jobs = station_desk.print_bulk(
        kind="fba_boxes", params={"fba_shipment": shipment_id}, printer=desk, actor=sam
    )
    assert [plain(scan(bytes(job.content))[0]) for job in jobs] == [
        [f"{confirmation}U000001"],
        [f"{confirmation}U000002"],
    ]
    assert [job.container for job in jobs] == [p.container for p in parcels]
    assert [job.subject for job in jobs] == [f"{confirmation}U000001", f"{confirmation}U000002"]
    # To Amazon's fulfilment centre getShipment named, not to the order's address.
    words = _text(bytes(jobs[0].content)).upper()
    assert "BREINIGSVILLE" in words and "ABE2" in words and "BOX 1 OF 2" in words

    # The API prints the same label by Amazon's shipment ID.
    answer = api_as(sam).post(
        "/api/label-station/jobs/",
        {
            "kind": "fba_box",
            "printer": desk.pk,
            "parcel": parcels[1].pk,
            "fba_shipment": shipment_id,
        },
        format="json",
    )
    assert answer.status_code == 201 and answer.json()["subject"] == f"{confirmation}U000002"
    api_job = PrintJob.objects.get(pk=answer.json()["id"])
    assert plain(scan(bytes(api_job.content))[0]) == [f"{confirmation}U000002"]

    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    catalog.add_identifier(item=mug, kind=IdentifierKind.FNSKU, value="X00MUG0001")
    units = station_desk.print_bulk(
        kind="fba_units", params={"fba_shipment": confirmation}, printer=desk, actor=sam
    )
    fnskus = [{b.text for page in scan(bytes(job.content)) for b in page} for job in units]
    assert fnskus == [{"X00TENT001"}, {"X00MUG0001"}]
    assert [job.item for job in units] == [tent, mug]


def test_a_split_plans_cartons_each_get_their_own_shipments_box_label(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    sim.config(fba_split=2)
    order, parcels = packed_replenishment(site, tent, mug, oscar, sam)
    plan = adapter.fba_inbound_plan(integration, order)
    first, second = FbaShipment.objects.filter(plan=plan)

    [by_order] = station_lookup.look_up("FBA-7")
    assert [f for f in by_order.facts if f[0] == "FBA shipment"] == [
        ("FBA shipment", first.shipment_id),
        ("FBA shipment", second.shipment_id),
    ]
    boxes = [p for p in by_order.printables if p.label == "fba_box"]
    assert [p.params["fba_shipment"] for p in boxes] == [
        first.confirmation_id,
        second.confirmation_id,
    ]

    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    [job] = station_desk.print_bulk(
        kind="fba_boxes", params={"fba_shipment": second.confirmation_id}, printer=desk, actor=sam
    )
    assert plain(scan(bytes(job.content))[0]) == [f"{second.confirmation_id}U000001"]
    assert job.container == parcels[1].container
    words = _text(bytes(job.content)).upper()
    assert "CARLISLE" in words and "MDT1" in words and "BOX 1 OF 1" in words

    # The second shipment's units only: the second carton holds 2 tents and 2 mugs.
    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    catalog.add_identifier(item=mug, kind=IdentifierKind.FNSKU, value="X00MUG0001")
    requests = station_desk.bulk_requests("fba_units", {"fba_shipment": second.shipment_id})
    assert [(r["item"], r["quantity"]) for r in requests] == [(tent, 2), (mug, 2)]

    # A carton asked under the other shipment is refused with what to do.
    with pytest.raises(printing.LabelNotReady, match="another shipment"):
        printing.print_label(
            label="fba_box",
            parcel=parcels[0],
            fba_shipment=second.confirmation_id,
            printer=desk,
            actor=sam,
        )


def test_box_labels_wait_for_the_confirmation_id(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    """A plan placed before this integration read its shipments: found by its shipmentId, its box
    labels wait for the confirmation ID (the next run of the plan reads it)."""
    order, _ = packed_replenishment(site, tent, mug, oscar, sam)
    shipment_id = "sh00000000-0000-0000-0000-0000000000a1"
    InboundPlan.objects.create(
        integration=integration, order=order, shipment_ids=[shipment_id], step="placed"
    )
    [found] = station_lookup.look_up(shipment_id)
    boxes = [p for p in found.printables if p.label == "fba_box"]
    assert len(boxes) == 2 and all("is not known yet" in p.blocked for p in boxes)
    desk = Printer.objects.create(station="LABEL-DESK", name="laser", kind="pdf")
    with pytest.raises(station_desk.BulkRefused, match="confirmation ID"):
        station_desk.print_bulk(
            kind="fba_boxes", params={"fba_shipment": shipment_id}, printer=desk, actor=sam
        )


def test_the_back_office_lists_a_plans_shipments_and_their_boxes(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
    admin_client: Any,
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    sim.config(fba_split=2)
    order, _ = packed_replenishment(site, tent, mug, oscar, sam)
    plan = adapter.fba_inbound_plan(integration, order)
    first, second = FbaShipment.objects.filter(plan=plan)
    listed = admin_client.get("/admin/amazon/fbashipment/").content.decode()
    assert first.confirmation_id in listed and "MDT1" in listed
    page = admin_client.get(f"/admin/amazon/fbashipment/{second.pk}/change/").content.decode()
    box = second.boxes.get()
    assert box.package_id in page and str(box.parcel) in page

"""FBA replenishment: an inbound plan whose box contents are the packed cartons, within limits."""

from __future__ import annotations

import pytest

from channels_app.amazon import adapter
from channels_app.amazon.errors import CartonOverLimit, TransportError
from channels_app.amazon.models import AmazonIntegration, FbaBox, FbaShipment, InboundPlan
from channels_app.amazon.tests.conftest import SimControl
from tests.factories import Site, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.layout.models import Warehouse
from wms.orders import fulfilment
from wms.orders.models import Order, Parcel


def packed_replenishment(
    site: Site, tent: Item, mug: Item, oscar: User, sam: User, *, heavy_g: int = 9000
) -> tuple[Order, list[Parcel]]:
    """6 tents and 2 mugs for FBA, packed as 4 tents | 2 tents + 2 mugs."""
    Warehouse.objects.filter(pk=site.warehouse.pk).update(
        address_line1="100 Dock Rd", city="Philadelphia", region="PA", postal_code="19148"
    )
    stock(site, tent, 10, oscar)
    stock(site, mug, 10, oscar, at=site.face2)
    order = place(tent.client, "FBA-7", [(tent, 6), (mug, 2)], channel="manual")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote()
    while (task := fulfilment.next_task(warehouse=site.warehouse)) is not None:
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    first, second = site.carton("FBA-C1"), site.carton("FBA-C2")
    for carton, item, n in ((first, tent, 4), (second, tent, 2), (second, mug, 2)):
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote, carton=carton, item=item, quantity=n
        )
    parcels = list(order.parcels.order_by("pk"))
    fulfilment.close_parcel(
        parcel=parcels[0], weight_g=heavy_g, length_mm=600, width_mm=400, height_mm=300
    )
    fulfilment.close_parcel(
        parcel=parcels[1], weight_g=5000, length_mm=400, width_mm=300, height_mm=300
    )
    return order, list(order.parcels.order_by("pk"))


def test_the_inbound_plan_carries_each_cartons_contents(
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

    assert plan.step == "labelled" and plan.shipment_ids and plan.labels
    [shipment] = plan.shipment_ids
    assert plan.confirmation_ids[0].startswith("FBA")
    assert [b["shipmentConfirmationId"] for b in plan.box_labels] == plan.confirmation_ids
    [sim_plan] = [p for k, p in sim.state()["plans"].items() if k == plan.inbound_plan_id]
    assert sim_plan["items"] == {"NWO-TENT": 6, "NWO-MUG": 2}
    contents = [
        sorted((i["msku"], i["quantity"]) for i in box["items"]) for box in sim_plan["boxes"]
    ]
    assert contents == [[("NWO-TENT", 4)], [("NWO-MUG", 2), ("NWO-TENT", 2)]]
    assert sim_plan["boxes"][0]["weight"] == {"unit": "KG", "value": 9.0}
    assert sim_plan["boxes"][0]["dimensions"]["length"] == 60.0
    assert set(sim_plan["confirmed"]) == {
        "generatePackingOptions",
        "confirmPackingOption",
        "generatePlacementOptions",
        "confirmPlacementOption",
    }
    # Transport: Amazon's partnered small-parcel option (the other needs a delivery window).
    [partnered] = [
        o
        for o in sim_plan["transportationOptions"]
        if o["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"
    ]
    assert sim_plan["transportationConfirmed"] == {shipment: partnered["transportationOptionId"]}
    assert plan.transportation == sim_plan["transportationConfirmed"]
    assert sim_plan["shipments"][shipment]["labelled"] is True
    # getShipment read once placed: the confirmation ID and the destination FC, every box in it.
    [read] = FbaShipment.objects.filter(plan=plan)
    assert read.shipment_id == shipment and read.confirmation_id == plan.confirmation_ids[0]
    assert read.warehouse_id == "ABE2" and read.destination["city"] == "Breinigsville"
    assert [(b.number, b.parcel_id) for b in read.boxes.all()] == [
        (1, parcels[0].pk),
        (2, parcels[1].pk),
    ]
    assert sim.state()["fba_inventory"]["NWO-TENT"]["inboundWorking"] == 6

    again = adapter.fba_inbound_plan(integration, order)  # resumable: a finished plan is kept
    assert again.inbound_plan_id == plan.inbound_plan_id
    assert sim.state()["calls"]["createInboundPlan"] == 1


def test_a_carton_over_amazons_limits_is_refused_before_the_plan(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    order, _ = packed_replenishment(site, tent, mug, oscar, sam, heavy_g=24_000)

    with pytest.raises(CartonOverLimit, match=r"FBA-C1 weighs 24.00 kg, over Amazon's 22.68 kg"):
        adapter.fba_inbound_plan(integration, order)
    assert "createInboundPlan" not in sim.state()["calls"]


def test_a_carton_re_measured_over_the_limit_does_not_ship(
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
    adapter.fba_inbound_plan(integration, order)
    fulfilment.close_parcel(
        parcel=parcels[1], weight_g=5000, length_mm=700, width_mm=300, height_mm=300
    )

    with pytest.raises(CartonOverLimit, match=r"FBA-C2 has a 70.0 cm side"):
        fulfilment.ship_order(
            ctx(oscar), order=order, carrier="UPS", tracking={p.pk: f"1Z{p.pk}" for p in parcels}
        )
    assert InboundPlan.objects.get(order=order).step == "labelled"


def test_a_transport_confirmation_whose_answer_was_lost_is_not_sent_again(
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
    sim.fault("apply_then_500", operation="confirmTransportationOptions")
    with pytest.raises(TransportError) as lost:
        adapter.fba_inbound_plan(integration, order)
    assert not lost.value.permanent
    assert InboundPlan.objects.get(order=order).step == "placed"

    plan = adapter.fba_inbound_plan(integration, order)  # the retry

    assert plan.step == "labelled"
    calls = sim.state()["calls"]
    assert (calls["generateTransportationOptions"], calls["confirmTransportationOptions"]) == (1, 1)


def test_a_plan_amazon_splits_labels_each_shipments_own_boxes(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    """Placement puts the two cartons in two shipments to two FCs: each gets its confirmation ID,
    its one box, and its own box labels (NumberOfPackages 1)."""
    sim.listings(**{"NWO-TENT": 0, "NWO-MUG": 0})
    sim.config(fba_split=2)
    order, parcels = packed_replenishment(site, tent, mug, oscar, sam)

    plan = adapter.fba_inbound_plan(integration, order)

    assert plan.step == "labelled" and len(plan.shipment_ids) == 2
    shipments = list(FbaShipment.objects.filter(plan=plan))
    assert [s.shipment_id for s in shipments] == plan.shipment_ids
    assert [s.warehouse_id for s in shipments] == ["ABE2", "MDT1"]
    assert [[(b.number, b.parcel_id) for b in s.boxes.all()] for s in shipments] == [
        [(1, parcels[0].pk)],
        [(1, parcels[1].pk)],
    ]
    assert plan.confirmation_ids == [s.confirmation_id for s in shipments]
    assert len(set(plan.confirmation_ids)) == 2
    assert [b["shipmentConfirmationId"] for b in plan.box_labels] == plan.confirmation_ids
    [sim_plan] = [p for k, p in sim.state()["plans"].items() if k == plan.inbound_plan_id]
    assert all(s["labelled"] for s in sim_plan["shipments"].values())
    assert sim.state()["calls"]["getLabels"] == 2


def test_a_plan_labelled_before_its_shipments_were_read_reads_them_when_continued(
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
    FbaBox.objects.filter(shipment__plan=plan).delete()
    FbaShipment.objects.filter(plan=plan).delete()  # as a plan labelled before this release

    again = adapter.fba_inbound_plan(integration, order)

    [read] = FbaShipment.objects.filter(plan=again)
    assert read.confirmation_id == plan.confirmation_ids[0]
    assert list(read.boxes.values_list("parcel_id", flat=True)) == [p.pk for p in parcels]
    calls = sim.state()["calls"]
    assert calls["getLabels"] == 1 and calls["confirmTransportationOptions"] == 1

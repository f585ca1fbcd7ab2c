"""What the ship scan checks: the routing guide in force at ship time, a pallet carrying only this
order's cartons, and ASN rules that judge only shipments made after them."""

from __future__ import annotations

import datetime as dt

import pytest

from compliance import asn, enforce
from compliance.models import RuleSet
from tests.factories import Site, changes_nothing, ctx, make_item, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.errors import WrongContainer
from wms.inventory import touches
from wms.layout import services as layout
from wms.orders import fulfilment
from wms.orders.models import Order, PickTask


def packed_order(
    site: Site, client: Client, item: Item, oscar: User, sam: User, ref: str, carton: str
) -> Order:
    stock(site, item, 2, oscar)
    order = place(client, ref, [(item, 2)], channel="edi")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)
    tote = site.tote()
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=2)
    order.refresh_from_db()
    fulfilment.pack_units(
        ctx(oscar), order=order, tote=tote, carton=site.carton(carton), item=item, quantity=2
    )
    order.refresh_from_db()
    return order


def close(order: Order, weight: int = 2000) -> None:
    fulfilment.close_parcel(
        parcel=order.parcels.get(), weight_g=weight, length_mm=300, width_mm=200, height_mm=200
    )
    order.refresh_from_db()


def test_a_rule_set_that_arrives_after_close_is_checked_at_ship(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_order(site, nwo, tent, oscar, sam, "PO-LATE", "C-LATE")
    close(order, weight=50_000)
    RuleSet.objects.create(
        code="STRICT",
        name="Strict guide",
        kind="retailer",
        channel="edi",
        max_carton_weight_g=20_000,
    )
    parcel = order.parcels.get()
    with (
        changes_nothing(),
        pytest.raises(enforce.ComplianceViolation, match="carton maximum weight"),
    ):
        fulfilment.ship_order(ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z"})


def test_a_pallet_with_another_orders_carton_does_not_ship(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    a = packed_order(site, nwo, tent, oscar, sam, "PO-A", "C-A")
    close(a)
    b = packed_order(site, nwo, make_item(nwo, "NWO-MUG"), oscar, sam, "PO-B", "C-B")
    pallet = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="PAL-MIX", location=site.pack
    )
    for carton in (a.parcels.get().container, b.parcels.get().container):
        touches.nest_container(ctx(oscar), container=carton, pallet=pallet)
    touches.move_container(ctx(oscar), container=pallet, to_location=site.lane)
    with changes_nothing(), pytest.raises(WrongContainer, match="The pallet also carries C-B"):
        fulfilment.ship_order(
            ctx(oscar), order=a, carrier="UPS", tracking={a.parcels.get().pk: "1Z"}
        )


def test_an_asn_rule_does_not_judge_shipments_made_before_it(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_order(site, nwo, tent, oscar, sam, "PO-OLD", "C-OLD")
    close(order)
    parcel = order.parcels.get()
    shipment = fulfilment.ship_order(
        ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z"}
    )
    RuleSet.objects.create(
        code="NEW", name="New guide", kind="retailer", channel="edi", asn_deadline_minutes=30
    )
    later = shipment.shipped_at + dt.timedelta(days=400)
    assert asn.record_late_asns(now=later) == 0

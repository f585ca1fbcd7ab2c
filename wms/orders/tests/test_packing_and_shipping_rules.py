"""Packing and shipping rules: two lines of one SKU both packed, a cancel unwound restocks only
this order's units, and a partial shipment says what did not ship."""

from __future__ import annotations

from tests.factories import Site, ctx, make_item, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.orders import allocation, fulfilment
from wms.orders.models import Event, Order, OrderState, PickTask, RestockTask
from wms.orders.services import cancel_order


def set_policy(client: Client, **fields: object) -> None:
    policy = allocation.policy_of(client.pk)
    for k, v in fields.items():
        setattr(policy, k, v)
    policy.save()


def released(
    site: Site, client: Client, item: Item, sam: User, external_id: str, qty: int = 1
) -> Order:
    order = place(client, external_id, [(item, qty)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    order.refresh_from_db()
    return order


def test_two_lines_of_one_sku_are_both_packed(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    from tests.factories import ADDRESS, service
    from wms.orders.services import LineIn, import_order

    stock(site, tent, 3, oscar)
    order = import_order(
        client=nwo,
        channel="shopify",
        external_id="TWO-LINES",
        ship_to=ADDRESS,
        service=service(),
        lines=[LineIn(tent, 1), LineIn(tent, 2)],
    ).order
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote, carton = site.tote(), site.carton()
    for task in PickTask.objects.filter(order=order):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)
    fulfilment.pack_units(ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=3)
    order.refresh_from_db()
    assert order.state == OrderState.PACKED
    assert list(order.lines.values_list("packed", flat=True)) == [1, 2]


def test_unwinding_a_cancel_restocks_only_this_orders_units(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 10, oscar)
    shared = site.tote("T-SHARED")
    a = released(site, nwo, tent, sam, "A", qty=2)
    fulfilment.confirm_pick(ctx(oscar), task=PickTask.objects.get(order=a), tote=shared, quantity=2)
    carton = site.carton("C-A")
    fulfilment.pack_units(ctx(oscar), order=a, tote=shared, carton=carton, item=tent, quantity=2)
    b = released(site, nwo, tent, sam, "B", qty=3)
    fulfilment.confirm_pick(ctx(oscar), task=PickTask.objects.get(order=b), tote=shared, quantity=3)

    cancel_order(order=a, reason="fraud", requested_by="channel:shopify")

    task = RestockTask.objects.get(order=a)
    assert (task.container.barcode, task.quantity) == ("C-A", 2)
    b.refresh_from_db()
    carton_b = site.carton("C-B")
    fulfilment.pack_units(ctx(oscar), order=b, tote=shared, carton=carton_b, item=tent, quantity=3)


def test_a_partial_shipment_says_what_did_not_ship(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    mug = make_item(nwo, "NWO-MUG")
    set_policy(nwo, short_pick="backorder", allow_partial_shipment=True)
    stock(site, tent, 1, oscar)
    stock(site, mug, 1, oscar, at=site.face2)
    order = place(nwo, "PART-X", [(tent, 1), (mug, 1)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote, carton = site.tote(), site.carton()
    for task in PickTask.objects.filter(order=order).order_by("sequence"):
        short = task.item == mug
        fulfilment.confirm_pick(
            ctx(oscar),
            task=task,
            tote=tote,
            quantity=0 if short else 1,
            short_reason="empty" if short else "",
        )
    fulfilment.pack_units(ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=1)
    parcel = order.parcels.get()
    fulfilment.close_parcel(parcel=parcel, weight_g=500, length_mm=200, width_mm=200, height_mm=100)
    fulfilment.ship_order(ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1ZP"})
    event = Event.objects.get(order=order, kind="order_partially_shipped")
    assert event.payload["unshipped"] == [{"sku": "NWO-MUG", "quantity": 1}]
    assert order.events.filter(
        reason="Shipped partially; not shipped and no longer held: 1 × NWO-MUG."
    ).exists()

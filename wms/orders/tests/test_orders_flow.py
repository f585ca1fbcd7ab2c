"""An order from import to delivery, through the same services the floor and the channels use."""

from __future__ import annotations

from django.db.models import Sum

from tests.factories import Site, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.models import AvailabilityEvent, ChannelAvailability, ChannelRule, StockPosition
from wms.inventory.reconcile import verify
from wms.orders import fulfilment
from wms.orders.models import Event, OrderState, Reservation, TaskState


def position(item: Item, site: Site) -> tuple[int, int]:
    p = StockPosition.objects.get(item=item, warehouse=site.warehouse)
    return p.on_hand, p.reserved


def test_an_order_from_import_to_delivery(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    ChannelRule.objects.create(client=nwo, channel="shopify")
    stock(site, tent, 10, oscar)
    assert ChannelAvailability.objects.get(item=tent, channel="shopify").quantity == 10

    order = place(nwo, "SH-1001", [(tent, 3)])
    assert order.state == OrderState.RESERVED
    assert position(tent, site) == (10, 3)
    assert ChannelAvailability.objects.get(item=tent, channel="shopify").quantity == 7

    wave = fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    assert wave is not None
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    assert (task.location, task.quantity) == (site.face1, 3)

    tote, carton = site.tote(), site.carton()
    events_before = AvailabilityEvent.objects.count()
    outcome = fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=3)
    assert outcome.message.startswith("Picked 3 × NWO-TENT")
    order.refresh_from_db()
    assert order.state == OrderState.PICKED
    assert position(tent, site) == (7, 0)  # on hand and reserved fell together...
    assert AvailabilityEvent.objects.count() == events_before  # ...so ATP did not move

    fulfilment.pack_units(ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=3)
    order.refresh_from_db()
    assert order.state == OrderState.PACKED
    parcel = order.parcels.get()
    fulfilment.close_parcel(
        parcel=parcel, weight_g=4200, length_mm=600, width_mm=400, height_mm=300
    )
    shipment = fulfilment.ship_order(
        ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z999"}
    )
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    assert shipment.parcels.get().contents == [{"sku": "NWO-TENT", "lot": None, "quantity": 3}]
    assert order.lines.get().shipped == 3

    fulfilment.mark_delivered(shipment=shipment)
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    timeline = list(order.events.values_list("to_state", flat=True))
    assert [s for s in timeline if s] == [
        "received",
        "reserved",
        "released",
        "picking",
        "picked",
        "packed",
        "shipped",
        "delivered",
    ]
    assert list(Event.objects.filter(order=order).values_list("kind", flat=True)) == [
        "order_accepted",
        "order_shipped",
        "order_delivered",
    ]
    report = verify()
    assert report.ok, report.problems


def test_a_retried_pick_scan_is_applied_once(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    order = place(nwo, "SH-2", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote = site.tote()
    scan = ctx(oscar)

    first = fulfilment.confirm_pick(scan, task=task, tote=tote, quantity=2)
    again = fulfilment.confirm_pick(scan, task=task, tote=tote, quantity=2)

    assert again.scan is not None and again.scan.replayed
    assert first.scan is not None and again.scan.touch_ids == first.scan.touch_ids
    order.refresh_from_db()
    assert order.lines.get().picked == 2
    assert position(tent, site) == (3, 0)
    assert verify().ok


def test_waves_pick_the_most_urgent_first_in_location_order(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    import datetime as dt

    from django.utils import timezone

    from tests.factories import make_item

    mug = make_item(nwo, "NWO-MUG")
    stock(site, tent, 5, oscar, at=site.face2)
    stock(site, mug, 5, oscar, at=site.face1)
    later = place(nwo, "LATER", [(tent, 1)], ship_by=timezone.now() + dt.timedelta(days=2))
    sooner = place(
        nwo, "SOONER", [(tent, 1), (mug, 1)], ship_by=timezone.now() + dt.timedelta(hours=3)
    )

    wave = fulfilment.release_wave(warehouse=site.warehouse, actor=sam, max_orders=1)

    assert wave is not None
    assert {t.order.external_id for t in wave.tasks.all()} == {"SOONER"}
    assert [t.location.code for t in wave.tasks.order_by("sequence")] == ["P-01", "P-02"]
    later.refresh_from_db()
    assert later.state == OrderState.RESERVED
    sooner.refresh_from_db()
    assert sooner.state == OrderState.RELEASED
    assert Reservation.objects.filter(line__order=sooner).aggregate(s=Sum("quantity"))["s"] == 2
    assert all(t.state == TaskState.OPEN for t in wave.tasks.all())


def test_a_long_channel_order_id_imports(site: Site, nwo: Client, tent: Item, oscar: User) -> None:
    ChannelRule.objects.create(client=nwo, channel="shopify")
    stock(site, tent, 2, oscar)
    gid = "gid://shopify/Order/5551234567890123456789012345678901234567"
    order = place(nwo, gid, [(tent, 1)])
    assert order.state == OrderState.RESERVED
    assert AvailabilityEvent.objects.filter(cause=f"order {gid}").exists()


def test_a_new_channel_rule_is_published_at_once(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    from wms.inventory.availability import republish

    stock(site, tent, 8, oscar)
    ChannelRule.objects.create(client=nwo, channel="amazon", buffer=3, cap=4)
    republish(client_id=nwo.pk)
    assert ChannelAvailability.objects.get(item=tent, channel="amazon").quantity == 4
    assert AvailabilityEvent.objects.get(item=tent, channel="amazon").cause == "channel_rule"

"""Regressions for what a review of the orders domain found (one test per finding)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.conftest import api_as
from tests.factories import Site, UserFactory, ctx, make_item, make_site, place, stock
from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.errors import DomainError, WrongContainer
from wms.inventory import touches
from wms.inventory.models import StockPosition
from wms.inventory.reconcile import verify
from wms.layout import services as layout
from wms.layout.models import Location
from wms.orders import allocation, fulfilment
from wms.orders.models import Event, Order, OrderState, PickTask, RestockTask, TaskState
from wms.orders.services import cancel_order, hold_order, resume_order


def set_policy(client: Client, **fields: object) -> None:
    policy = allocation.policy_of(client.pk)
    for k, v in fields.items():
        setattr(policy, k, v)
    policy.save()


def on_hand(item: Item, site: Site) -> tuple[int, int]:
    p = StockPosition.objects.filter(item=item, warehouse=site.warehouse).first()
    return (p.on_hand, p.reserved) if p else (0, 0)


def released(
    site: Site, client: Client, item: Item, sam: User, external_id: str, qty: int = 1
) -> Order:
    order = place(client, external_id, [(item, qty)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    order.refresh_from_db()
    return order


def test_a_scan_with_a_stale_sellable_flag_keeps_positions_true(
    site: Site, tent: Item, oscar: User
) -> None:
    stale = Location.objects.get(pk=site.face1.pk)  # loaded before the flag changed
    layout.set_sellable(location=site.face1, sellable=False)
    stock(site, tent, 5, oscar, at=stale)
    assert on_hand(tent, site) == (0, 0)
    assert verify().ok


def test_units_in_a_tote_are_never_for_sale(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(site, tent, 10, oscar)
    tote = layout.create_container(
        warehouse=site.warehouse, type="tote", barcode="T-SHELF", location=site.storage1
    )
    touches.pick(ctx(oscar), item=tent, quantity=3, from_location=site.face1, tote=tote)
    assert on_hand(tent, site) == (7, 0)
    assert verify().ok


def test_a_split_order_is_released_at_its_second_node(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    west = make_site("SPB1")
    mug = make_item(nwo, "NWO-MUG")
    set_policy(nwo, allow_split=True)
    stock(site, tent, 1, oscar)
    stock(west, mug, 1, oscar)
    order = place(nwo, "SPLIT-X", [(tent, 1), (mug, 1)])
    assert fulfilment.release_wave(warehouse=site.warehouse, actor=sam) is not None
    second = fulfilment.release_wave(warehouse=west.warehouse, actor=sam)
    assert second is not None
    assert [t.item.sku for t in second.tasks.all()] == ["NWO-MUG"]
    for task in PickTask.objects.filter(order=order):
        where = site if task.location.warehouse_id == site.warehouse.pk else west
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=where.tote(), quantity=1)
    order.refresh_from_db()
    assert order.state == OrderState.PICKED


def test_a_held_order_is_not_picked(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 2, oscar)
    order = released(site, nwo, tent, sam, "HOLD-1")
    hold_order(order=order, reason="fraud check", actor=sam)
    task = PickTask.objects.get(order=order)
    with pytest.raises(DomainError, match="is on hold: do not pick it"):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=site.tote(), quantity=1)
    resume_order(order=order, actor=sam)
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=site.tote(), quantity=1)
    order.refresh_from_db()
    assert order.state == OrderState.PICKED


def test_only_a_plain_tote_takes_a_pick(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 2, oscar)
    order = released(site, nwo, tent, sam, "TOTE-1")
    with pytest.raises(WrongContainer, match="is not a picking tote"):
        fulfilment.confirm_pick(
            ctx(oscar), task=PickTask.objects.get(order=order), tote=site.carton(), quantity=1
        )


def test_a_second_short_pick_of_a_stopped_order_is_recorded(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    set_policy(nwo, short_pick="exception")
    stock(site, tent, 1, oscar, at=site.face1)
    stock(site, tent, 1, oscar, at=site.face2)
    order = released(site, nwo, tent, sam, "SHORT-X", qty=2)
    tasks = list(PickTask.objects.filter(order=order).order_by("sequence"))
    assert len(tasks) == 2
    for task in tasks:
        fulfilment.confirm_pick(
            ctx(oscar), task=task, tote=site.tote(), quantity=0, short_reason="empty"
        )
    order.refresh_from_db()
    assert order.state == OrderState.EXCEPTION
    assert order.exceptions.filter(kind="short_pick").count() == 2


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


def test_odd_query_values_are_a_400_not_a_500(sam: User, db: None) -> None:
    api = api_as(sam)
    assert api.get("/api/pick-tasks/?wave=%C2%B2").status_code == 200
    assert api.get("/api/orders/at-risk/?within_minutes=5000000000").status_code == 200


def test_a_stopped_order_can_be_allocated_afresh(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    set_policy(nwo, allow_backorder=False)
    order = place(nwo, "STOP-1", [(tent, 1)])
    assert order.state == OrderState.EXCEPTION
    stock(site, tent, 2, oscar)
    response = api_as(sam).post(
        f"/api/orders/{order.pk}/resume/", {"reason": "stock arrived"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "reserved"
    assert not order.exceptions.filter(resolved_at__isnull=True).exists()


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


def test_cancelled_orders_do_not_use_up_capacity(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    site.warehouse.orders_per_day = 1
    site.warehouse.save()
    stock(site, tent, 5, oscar)
    first = place(nwo, "CAP-A", [(tent, 1)])
    cancel_order(order=first, reason="changed mind", requested_by="channel:shopify")
    second = place(nwo, "CAP-B", [(tent, 1)])
    assert second.warehouse == site.warehouse
    assert "at capacity" not in second.decisions.get().reason


def test_an_upstream_node_that_does_not_feed_the_channel_is_refused(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    from wms.inventory.models import ChannelRule

    other = make_site("UPX1")
    rule = ChannelRule.objects.create(client=nwo, channel="shopify")
    rule.warehouses.add(site.warehouse)
    set_policy(nwo, allocation="upstream")
    stock(other, tent, 5, oscar)
    order = place(nwo, "UPX", [(tent, 1)], requested_warehouse=other.warehouse)
    assert order.state == OrderState.EXCEPTION
    assert (
        order.decisions.get().reason == "Node UPX1 was assigned upstream but does not feed shopify."
    )


@pytest.mark.django_db(transaction=True)
def test_a_pick_and_a_cancel_at_once_never_deadlock() -> None:
    from tests.factories import ClientFactory, run_parallel

    client = ClientFactory.create(code="DLK")
    site = make_site("DLK1")
    op = UserFactory.create(username="dlk-op", role=Role.OPERATOR)
    sup = UserFactory.create(username="dlk-sup", role=Role.SUPERVISOR)
    item = make_item(client, "DLK-1")
    stock(site, item, 40, op)
    orders = [place(client, f"DLK-{i}", [(item, 1)]) for i in range(8)]
    fulfilment.release_wave(warehouse=site.warehouse, actor=sup)
    tasks = {t.order_id: t for t in PickTask.objects.filter(state=TaskState.OPEN)}
    totes = [site.tote(f"T-DLK-{i}") for i in range(8)]

    def race(i: int) -> Any:
        order = orders[i // 2]
        if i % 2:
            return cancel_order(order=order, reason="race", requested_by="test")
        return fulfilment.confirm_pick(
            ScanCtx(op), task=tasks[order.pk], tote=totes[i // 2], quantity=1
        )

    results = run_parallel(16, race)
    errors = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert errors == [], errors
    report = verify()
    assert report.ok, report.problems


def ScanCtx(user: User) -> Any:
    from wms.inventory.ledger import ScanContext

    return ScanContext(uuid.uuid4(), user, "race")


def test_an_order_with_no_due_time_queues_after_those_with_one(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    from django.utils import timezone

    stock(site, tent, 2, oscar)
    undated = place(nwo, "NODATE", [(tent, 1)])
    dated = place(nwo, "DATED", [(tent, 1)], ship_by=timezone.now() + dt.timedelta(days=5))
    assert undated.due_at is None
    assert list(fulfilment.work_queue(site.warehouse)) == [dated, undated]


def test_the_same_order_id_on_two_channels_never_mixes_their_units(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 10, oscar)
    amazon = place(nwo, "1001", [(tent, 2)], channel="amazon")
    shopify = place(nwo, "1001", [(tent, 3)], channel="shopify")
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    for order, tote in ((amazon, site.tote("T-AMZ")), (shopify, site.tote("T-SHP"))):
        task = PickTask.objects.get(order=order)
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=task.quantity)

    cancel_order(order=amazon, reason="fraud", requested_by="channel:amazon")

    restock = RestockTask.objects.get(order=amazon)
    assert (restock.container.barcode, restock.quantity) == ("T-AMZ", 2)
    from wms.inventory.models import Touch

    assert set(Touch.objects.filter(kind="pick").values_list("reference", flat=True)) == {
        "amazon:1001",
        "shopify:1001",
    }


def test_stock_that_falls_below_what_is_promised_is_listed_with_its_orders(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 4, oscar)
    first = place(nwo, "OS-1", [(tent, 2)])
    place(nwo, "OS-2", [(tent, 2)])
    touches.quarantine(ctx(oscar), item=tent, quantity=3, location=site.face1, reason_code="WET")

    rows = api_as(sam).get("/api/orders/oversold/").json()

    assert [(r["sku"], r["on_hand"], r["reserved"], r["short"]) for r in rows] == [
        ("NWO-TENT", 1, 4, 3)
    ]
    assert [o["order"] for o in rows[0]["orders"]] == ["OS-1", "OS-2"]
    assert first.pk == rows[0]["orders"][0]["id"]

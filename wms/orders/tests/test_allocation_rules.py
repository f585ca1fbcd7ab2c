"""Allocation rules: a split order's second node, a stopped order allocated afresh, capacity
used only by live orders, upstream nodes that feed the channel, and one order id on two channels."""

from __future__ import annotations

from tests.conftest import api_as
from tests.factories import Site, ctx, make_item, make_site, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.orders import allocation, fulfilment
from wms.orders.models import OrderState, PickTask, RestockTask
from wms.orders.services import cancel_order


def set_policy(client: Client, **fields: object) -> None:
    policy = allocation.policy_of(client.pk)
    for k, v in fields.items():
        setattr(policy, k, v)
    policy.save()


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

"""Each conflict in DESIGN §4 settled by the client's policy, and the decision recorded with it."""

from __future__ import annotations

import pytest

from tests.factories import ADDRESS, Site, ctx, make_item, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.errors import DomainError
from wms.inventory.models import Balance, StockPosition
from wms.inventory.reconcile import verify
from wms.orders import allocation, fulfilment
from wms.orders.models import (
    Event,
    Order,
    OrderException,
    OrderState,
    PickTask,
    RestockTask,
    TaskState,
)
from wms.orders.services import (
    cancel_order,
    change_address,
    mark_label_printed,
    resume_order,
    retry_backorders,
)


def set_policy(client: Client, **fields: object) -> None:
    policy = allocation.policy_of(client.pk)
    for k, v in fields.items():
        setattr(policy, k, v)
    policy.save()


def reserved(item: Item) -> int:
    return sum(StockPosition.objects.filter(item=item).values_list("reserved", flat=True))


def picked_order(
    site: Site, client: Client, item: Item, oscar: User, sam: User, qty: int = 2
) -> Order:
    """An order released and partly picked (one unit into a tote), the rest still to pick."""
    stock(site, item, 10, oscar)
    order = place(client, "PICKED-1", [(item, qty)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)
    tote = site.tote("T-PICK")
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=qty)
    order.refresh_from_db()
    return order


def last_policy(order: Order) -> str:
    return order.events.exclude(policy="").order_by("pk").last().policy  # type: ignore[union-attr]


def test_cancel_before_picking_releases_the_reservation(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    order = place(nwo, "C-1", [(tent, 3)])
    assert reserved(tent) == 3

    decision = cancel_order(
        order=order, reason="customer changed mind", requested_by="channel:shopify"
    )

    order.refresh_from_db()
    assert decision.outcome == "applied"
    assert order.state == OrderState.CANCELLED
    assert reserved(tent) == 0
    assert last_policy(order) == "cancel_before_pick"
    assert Event.objects.filter(order=order, kind="order_cancelled").exists()
    assert verify().ok


def test_cancel_after_picking_unwinds_to_a_restock_task(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = picked_order(site, nwo, tent, oscar, sam)

    decision = cancel_order(order=order, reason="fraud", requested_by="channel:shopify")

    order.refresh_from_db()
    assert decision.outcome == "applied"
    assert order.state == OrderState.CANCELLED
    assert last_policy(order) == "cancel_after_pick=unwind"
    task = RestockTask.objects.get(order=order)
    assert (task.container.barcode, task.quantity, task.suggested_location) == (
        "T-PICK",
        2,
        site.face1,
    )

    fulfilment.complete_restock(ctx(oscar), task=task, to_location=site.face1)
    assert Balance.objects.get(item=tent, location=site.face1, container=None).quantity == 10
    assert verify().ok


def test_cancel_after_picking_can_complete_and_flag(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    set_policy(nwo, cancel_after_pick="complete_and_flag")
    order = picked_order(site, nwo, tent, oscar, sam)

    decision = cancel_order(order=order, reason="late cancel", requested_by="channel:shopify")

    order.refresh_from_db()
    assert decision.outcome == "flagged"
    assert order.state == OrderState.PICKED  # the order goes on
    assert "cancel_requested_after_pick" in order.flags
    assert (
        OrderException.objects.get(order=order, kind="cancel_after_pick").owner == "client services"
    )
    assert last_policy(order) == "cancel_after_pick=complete_and_flag"


def test_cancel_after_picking_can_become_a_return(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    set_policy(nwo, cancel_after_pick="treat_as_return")
    order = picked_order(site, nwo, tent, oscar, sam)

    cancel_order(order=order, reason="late cancel", requested_by="channel:shopify")

    order.refresh_from_db()
    assert order.state == OrderState.PICKED
    assert "expect_return" in order.flags
    assert Event.objects.filter(order=order, kind="cancel_converted_to_return").exists()


def test_a_shipped_order_cannot_be_cancelled_and_the_refusal_is_recorded(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    order = place(nwo, "SHIP-1", [(tent, 1)])
    Order.objects.filter(pk=order.pk).update(state=OrderState.SHIPPED)
    order.refresh_from_db()

    decision = cancel_order(order=order, reason="too late", requested_by="channel:shopify")

    assert decision.outcome == "refused"
    assert (
        decision.message
        == "Order SHIP-1 has shipped; it cannot be cancelled. Create a return (RMA) instead."
    )
    assert order.events.filter(kind="cancel_refused").exists()


@pytest.mark.parametrize(
    ("policy", "outcome", "state"),
    [
        ("reprint", "applied", OrderState.RESERVED),
        ("reject", "refused", OrderState.RESERVED),
        ("hold", "held", OrderState.ON_HOLD),
    ],
)
def test_address_change_after_the_label_follows_policy(
    site: Site, nwo: Client, tent: Item, oscar: User, policy: str, outcome: str, state: str
) -> None:
    set_policy(nwo, address_after_label=policy)
    stock(site, tent, 5, oscar)
    order = place(nwo, f"ADDR-{policy}", [(tent, 1)])
    moved = ADDRESS | {
        "line1": "99 New Rd",
        "city": "Boston",
        "region": "MA",
        "postal_code": "02108",
    }

    early = change_address(order=order, ship_to=moved, requested_by="channel:shopify")
    assert early.outcome == "applied"
    mark_label_printed(order=order)
    later = change_address(order=order, ship_to=ADDRESS, requested_by="channel:shopify")

    order.refresh_from_db()
    assert later.outcome == outcome
    assert order.state == state
    assert last_policy(order) == f"address_after_label={policy}"
    if policy == "reprint":
        assert order.ship_to_city == "New York"
        assert order.label_printed_at is None
        assert "reprint_label" in order.flags
    if policy == "reject":
        assert order.ship_to_city == "Boston"
    if policy == "hold":
        assert order.ship_to_city == "Boston"
        assert {"pending_address": ADDRESS} in order.flags
        with pytest.raises(DomainError, match="say whether to apply it"):
            resume_order(order=order, actor=oscar)
        resume_order(order=order, actor=oscar, apply_pending_address=True)
        order.refresh_from_db()
        assert order.state == OrderState.RESERVED
        assert order.ship_to_city == "New York"
        assert "reprint_label" in order.flags
        assert not any(isinstance(f, dict) for f in order.flags)


def test_short_pick_reallocates_to_other_stock(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 2, oscar, at=site.face1)
    stock(site, tent, 5, oscar, at=site.storage1)
    order = place(nwo, "SHORT-1", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)
    assert task.location == site.face1

    outcome = fulfilment.confirm_pick(
        ctx(oscar), task=task, tote=site.tote(), quantity=1, short_reason="one crushed"
    )

    assert outcome.message.endswith("Short 1: pick them from A-01-1 instead.")
    assert OrderException.objects.get(order=order, kind="short_pick").detail.startswith(
        "Short pick: 1 × NWO-TENT missing at P-01 (one crushed)."
    )
    again = PickTask.objects.get(order=order, state=TaskState.OPEN)
    fulfilment.confirm_pick(ctx(oscar), task=again, tote=outcome.task.tote, quantity=1)  # type: ignore[arg-type]
    order.refresh_from_db()
    assert order.state == OrderState.PICKED
    assert last_policy(order) == "short_pick=reallocate"


def test_short_pick_backorders_the_rest_and_a_later_receipt_revives_it(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    set_policy(nwo, short_pick="backorder")
    stock(site, tent, 2, oscar)
    order = place(nwo, "SHORT-2", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)

    fulfilment.confirm_pick(
        ctx(oscar), task=task, tote=site.tote(), quantity=1, short_reason="empty"
    )

    order.refresh_from_db()
    assert order.state == OrderState.BACKORDERED
    assert reserved(tent) == 0  # the missing unit is no longer held
    assert verify().ok
    stock(site, tent, 3, oscar, at=site.face2)
    assert retry_backorders() == 1
    order.refresh_from_db()
    assert order.state == OrderState.RESERVED
    assert reserved(tent) == 1  # only what is still missing


def test_short_pick_can_stop_the_order(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    set_policy(nwo, short_pick="exception")
    stock(site, tent, 2, oscar)
    order = place(nwo, "SHORT-3", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)

    fulfilment.confirm_pick(
        ctx(oscar),
        task=PickTask.objects.get(order=order),
        tote=site.tote(),
        quantity=0,
        short_reason="empty",
    )

    order.refresh_from_db()
    assert order.state == OrderState.EXCEPTION
    assert last_policy(order) == "short_pick=exception"


def test_a_partial_shipment_only_where_the_client_allows_it(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    mug = make_item(nwo, "NWO-MUG")
    set_policy(nwo, short_pick="backorder", allow_partial_shipment=True)
    stock(site, tent, 1, oscar)
    stock(site, mug, 1, oscar, at=site.face2)
    order = place(nwo, "PART-1", [(tent, 1), (mug, 1)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote()
    for task in PickTask.objects.filter(order=order).order_by("sequence"):
        short = task.item == mug
        fulfilment.confirm_pick(
            ctx(oscar),
            task=task,
            tote=tote,
            quantity=0 if short else 1,
            short_reason="empty" if short else "",
        )
    order.refresh_from_db()
    assert order.state == OrderState.PICKED
    assert last_policy(order) == "allow_partial_shipment"

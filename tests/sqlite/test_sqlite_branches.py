"""Every path chosen by `connection.vendor`, run on SQLite as `make run` runs it:

- wms/inventory/ledger.py `sellable_flags`: the locations' sellable flags read through the ORM;
- wms/orders/fulfilment.py `_count_pick`: a pick counted with three ORM updates, no CTE;
- channels_app/shopify/inbound.py `_answering`: no advisory lock (SQLite has one writer);
- wms/migrations/0002: the triggers that keep wms_touch append-only.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from channels_app.shopify import adapter
from channels_app.shopify.models import FulfillmentOrderState, ShopifyFulfillmentOrder, ShopifyStore
from tests.factories import Site, ctx, place, stock
from tests.sqlite.conftest import SimControl
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory import touches
from wms.inventory.models import StockPosition, Touch
from wms.inventory.reconcile import verify
from wms.orders import fulfilment
from wms.orders.models import OrderState, PickTask, Reservation, TaskState

pytestmark = pytest.mark.django_db


def test_this_leg_runs_on_sqlite() -> None:
    assert connection.vendor == "sqlite"


def on_hand(item: Item, site: Site) -> int:
    position = StockPosition.objects.filter(item=item, warehouse=site.warehouse).first()
    return position.on_hand if position else 0


def test_receive_and_stow_keep_the_sellable_position(site: Site, tent: Item, oscar: User) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=5, location=site.dock)
    assert on_hand(tent, site) == 0  # on the dock: not for sale yet
    touches.stow(
        ctx(oscar), item=tent, quantity=5, from_location=site.dock, to_location=site.storage1
    )
    assert on_hand(tent, site) == 5
    assert verify().ok


def test_a_pick_counts_on_the_reservation_the_line_and_the_task(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    order = place(nwo, "SH-1", [(tent, 3)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)
    tote = site.tote()

    outcome = fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=3)

    task.refresh_from_db()
    assert (task.state, task.picked, task.tote) == (TaskState.DONE, 3, tote)
    assert outcome.task.state == TaskState.DONE
    reservation = Reservation.objects.get(pk=task.reservation_id)
    assert (reservation.quantity, reservation.picked) == (0, 3)
    line = order.lines.get()
    assert line.picked == 3
    order.refresh_from_db()
    assert order.state == OrderState.PICKED
    assert verify().ok


def test_a_short_pick_counts_only_what_was_picked(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    order = place(nwo, "SH-2", [(tent, 3)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order=order)

    fulfilment.confirm_pick(
        ctx(oscar), task=task, tote=site.tote(), quantity=2, short_reason="only two there"
    )

    assert order.lines.get().picked == 2
    assert Reservation.objects.get(pk=task.reservation_id).picked == 2
    assert verify().ok


@pytest.mark.parametrize(
    "statement", ["UPDATE wms_touch SET reference = 'edited'", "DELETE FROM wms_touch"]
)
def test_the_ledger_refuses_update_and_delete(
    site: Site, tent: Item, oscar: User, statement: str
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=2, location=site.dock)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert Touch.objects.get().quantity == 2


def test_a_shopify_fulfillment_request_is_answered_once(
    store: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    adapter.register_fulfillment_service(store)
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})
    created = sim.order(("NWO-TENT", 2))
    fo = created["fulfillment_order_id"]

    assert adapter.take_fulfillment_requests(store) == {fo: "accepted"}
    assert adapter.take_fulfillment_requests(store) == {}  # answered: no longer requested

    assert sim.state()["effects"]["accepted"] == {fo: 1}
    row = ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=fo)
    assert row.state == FulfillmentOrderState.ACCEPTED
    assert row.order is not None and row.order.state == OrderState.RESERVED


def test_the_append_only_triggers_survive_every_migration(db: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'wms_touch'"
        )
        found = {name for (name,) in cursor.fetchall()}
    assert found == {"wms_touch_no_update", "wms_touch_no_delete"}, (
        "SQLite rebuilds a table to alter it (wms/migrations/0006 did, for wms_touch.reference) and "
        "drops its triggers: a migration after the last rebuild must create 0002's triggers again."
    )

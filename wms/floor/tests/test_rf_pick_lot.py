"""Picking a lot-tracked item: the screen asks the lot; another lot than the first-expiring one is
said, and recorded on the pick touch and the task."""

from __future__ import annotations

import datetime as dt

from tests.factories import Site, ctx, place, stock
from tests.rf import Scanner
from wms.accounts.models import User
from wms.catalog.models import Client, Item, Lot
from wms.inventory import touches
from wms.inventory.models import Touch, TouchKind
from wms.inventory.reconcile import verify
from wms.orders import fulfilment
from wms.orders.models import PickTask, TaskState


def test_picking_another_lot_than_fefo_is_asked_and_recorded(
    site: Site, bbb: Client, serum: Item, oscar: User, sam: User
) -> None:
    stock(site, serum, 5, oscar)  # lot L1, expires 2030-01-01: first to expire
    touches.receive(
        ctx(oscar),
        item=serum,
        quantity=5,
        location=site.dock,
        lot_code="L2",
        expiry_date=dt.date(2031, 1, 1),
    )
    later = Lot.objects.get(item=serum, code="L2")
    touches.stow(
        ctx(oscar),
        item=serum,
        lot=later,
        quantity=5,
        from_location=site.dock,
        to_location=site.face1,
    )
    place(bbb, "SH-LOT", [(serum, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = PickTask.objects.get(order__external_id="SH-LOT")
    assert task.lot is not None and task.lot.code == "L1"

    rf = Scanner(oscar, site.warehouse)
    rf.open("pick")
    shown = rf.through("P-01", "BBB-SERUM")
    assert (shown.step, shown.prompt) == ("lot", "Scan the lot of BBB-SERUM")
    assert "First to expire here: lot L1." in shown.body
    shown = rf.scan("L9")
    assert (shown.tone, shown.step) == ("error", "lot")
    shown = rf.scan("L2")
    assert (shown.tone, shown.step) == ("warn", "quantity")
    assert shown.message == "Lot L2 instead of L1 (first to expire): recorded with the pick."
    shown = rf.through("BBB-SERUM")  # the second unit
    assert shown.step == "tote", shown.message
    shown = rf.scan(site.tote("T-1").barcode)
    assert shown.tone == "ok", shown.message

    pick = Touch.objects.get(kind=TouchKind.PICK)
    assert (pick.lot, pick.quantity) == (later, 2)
    task.refresh_from_db()
    assert (task.lot, task.state) == (later, TaskState.DONE)
    assert verify().ok

"""Picking on the RF screen: location → item → quantity → tote, wrong scans, retries, short picks."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Site, place, stock
from tests.rf import Scanner
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.floor.models import RfSubmission
from wms.inventory.models import Touch
from wms.orders import fulfilment
from wms.orders.models import Order, OrderException, PickTask, TaskState


@pytest.fixture
def released(site: Site, nwo: Client, tent: Item, oscar: User, sam: User) -> PickTask:
    stock(site, tent, 10, oscar)
    place(nwo, "SH-1", [(tent, 3)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    return task


def test_a_pick_by_scans(site: Site, tent: Item, oscar: User, released: PickTask) -> None:
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("pick")
    assert shown.prompt == "Go to P-01 and scan it"
    shown = rf.scan("P-02")
    assert shown.tone == "error"
    assert shown.message == "Scan location P-01 — you scanned P-02."
    assert shown.step == "location"
    shown = rf.scan(site.face1.barcode)
    assert (shown.tone, shown.step, shown.prompt) == ("ok", "item", "Scan NWO-TENT")
    shown = rf.scan("NWO-TENT")
    assert shown.step == "quantity"
    shown = rf.scan("3")
    assert shown.step == "tote"
    tote = site.tote("T-0001")
    before = Touch.objects.count()
    shown = rf.scan("T-0001")
    assert shown.tone == "ok", shown.message
    assert shown.message.startswith("Picked 3 × NWO-TENT")
    assert Touch.objects.count() == before + 1
    released.refresh_from_db()
    assert released.state == TaskState.DONE and released.tote == tote
    assert shown.step == "idle"


def test_a_retried_submit_is_applied_once(
    site: Site, tent: Item, oscar: User, released: PickTask
) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("pick")
    rf.scan("P-01")
    rf.scan("NWO-TENT")
    rf.scan("3")
    site.tote("T-0001")
    state = rf.shown.state if rf.shown else ""
    first = rf.scan("T-0001")
    touches = Touch.objects.count()
    again = rf.resend(state, "T-0001")
    assert again.message == "Already recorded — " + first.message
    assert Touch.objects.count() == touches
    assert rf.last_scan_id is not None
    assert RfSubmission.objects.filter(pk=rf.last_scan_id).count() == 1


def test_a_short_pick_says_why(site: Site, tent: Item, oscar: User, released: PickTask) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("pick")
    rf.scan("P-01")
    rf.scan("NWO-TENT")
    shown = rf.scan("2")
    assert shown.step == "short"
    assert "empty" in shown.actions
    shown = rf.scan(action="empty")
    assert shown.step == "tote"
    site.tote("T-0002")
    shown = rf.scan("T-0002")
    assert shown.tone == "warn"
    assert "Short 1" in shown.message
    assert OrderException.objects.filter(kind="short_pick").exists()
    released.refresh_from_db()
    assert (released.picked, released.state) == (2, TaskState.SHORT)
    # Nowhere else holds the tent: the default policy (reallocate) falls back to a backorder.
    assert "short_backordered" in Order.objects.get(pk=released.order_id).flags


def test_two_pickers_are_sent_to_different_tasks(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 10, oscar)
    place(nwo, "SH-1", [(tent, 1)])
    place(nwo, "SH-2", [(tent, 1)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    first = fulfilment.next_task(warehouse=site.warehouse, picker=oscar)
    second = fulfilment.next_task(warehouse=site.warehouse, picker=sam)
    assert first is not None and second is not None
    assert first.pk != second.pk
    assert fulfilment.next_task(warehouse=site.warehouse, picker=oscar) == first  # still theirs


def test_queries_per_pick_scan(
    site: Site, tent: Item, oscar: User, released: PickTask, django_assert_num_queries: Any
) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("pick")
    with django_assert_num_queries(QUERIES["location"]):
        assert rf.scan("P-01").tone == "ok"
    with django_assert_num_queries(QUERIES["item"]):
        assert rf.scan("NWO-TENT").tone == "ok"
    with django_assert_num_queries(QUERIES["quantity"]):
        assert rf.scan("3").tone == "ok"
    site.tote("T-0001")
    with django_assert_num_queries(QUERIES["tote"]):
        assert rf.scan("T-0001").tone == "ok"


# Measured: session and user, the gate (savepoint, insert, outcome, release), then the step's own
# reads (the task, read once for the submit and the next screen); the committing tote scan adds
# confirm_pick in the gate's transaction (no savepoint of its own: order lock, task lock, one read
# of the tote's facts; the pick touch in its savepoint: scan row, tote lock, locations, three
# balance statements, one position update, the touch, the scan's result; then one statement for
# the reservation, line and task counters, one for what is left to pick, the order's two moves in
# one update and one insert of their history rows) and the next task (one read; none to claim).
# The tote scan reads only the tote: which tote takes the pick is confirm_pick's check (27, was 28).
QUERIES = {"location": 8, "item": 9, "quantity": 8, "tote": 27}

"""Put-away and moves on the RF screen: the suggestion, a reason when the operator goes elsewhere,
a whole pallet, a plate moved as a unit and loose units moved; wrong scans and retries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.factories import Site, changes_nothing, ctx, make_item, stock
from tests.rf import Scanner
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory import touches
from wms.inventory.models import Balance, Touch, TouchKind
from wms.inventory.reconcile import verify
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType, Location


def on_hand(item: Item, location: Location, container: Container | None = None) -> int:
    row = Balance.objects.filter(item=item, location=location, container=container).first()
    return row.quantity if row else 0


def received(site: Site, item: Item, quantity: int, user: User, **kw: Any) -> None:
    touches.receive(ctx(user), item=item, quantity=quantity, location=site.dock, **kw)


def pallet(site: Site, barcode: str = "PLT-1", at: Location | None = None) -> Container:
    return layout.create_container(
        warehouse=site.warehouse,
        type=ContainerType.PALLET,
        barcode=barcode,
        location=at or site.dock,
    )


@pytest.fixture
def stove(nwo: Client) -> Item:
    return make_item(nwo, "NWO-STOVE")


# --- stow ---------------------------------------------------------------------------------------


def test_stow_to_the_suggested_location(site: Site, tent: Item, oscar: User) -> None:
    received(site, tent, 10, oscar)
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("stow")
    assert (shown.step, shown.prompt) == ("start", "Scan the plate or the dock location")
    shown = rf.scan("DOCK-1")  # one item there: selected
    assert (shown.step, shown.prompt) == ("quantity", "How many of 10?")
    shown = rf.scan("")  # Enter alone: all of it
    assert (shown.step, shown.prompt) == ("confirm", "Put away to A-01-1 and scan it")
    assert "<dt>Or</dt><dd>A-02-1</dd>" in shown.body

    shown = rf.scan("A-01-1")

    assert (shown.tone, shown.step) == ("ok", "start"), shown.message
    assert shown.message == "Stowed 10 × NWO-TENT: DOCK-1 → A-01-1."
    touch = Touch.objects.get(kind=TouchKind.STOW)
    assert (touch.from_location, touch.to_location, touch.reason_code) == (
        site.dock,
        site.storage1,
        "",
    )
    assert (on_hand(tent, site.dock), on_hand(tent, site.storage1)) == (0, 10)
    assert verify().ok


def test_a_listed_alternative_needs_no_reason(site: Site, tent: Item, oscar: User) -> None:
    received(site, tent, 4, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    shown = rf.through("DOCK-1", "3", "A-02-1")
    # One left on the dock: the screen stays on it, asking for the next quantity.
    assert (shown.step, shown.prompt) == ("quantity", "How many of 1?")
    assert shown.message.endswith("Left: 1 × NWO-TENT.")
    assert Touch.objects.get(kind=TouchKind.STOW).reason_code == ""
    assert (on_hand(tent, site.dock), on_hand(tent, site.storage2)) == (1, 3)


def test_stowing_away_from_the_suggestion_records_why(site: Site, tent: Item, oscar: User) -> None:
    received(site, tent, 6, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    rf.through("DOCK-1", "4")
    with changes_nothing():
        shown = rf.scan("P-02")
    assert (shown.step, shown.prompt) == ("reason", "P-02 is not the suggestion. Why?")
    assert shown.actions[:3] == ["suggested_full", "suggested_blocked", "closer_to_pick_face"]

    shown = rf.scan(action="closer_to_pick_face")

    assert (shown.tone, shown.step) == ("ok", "quantity")
    assert shown.message == (
        "Stowed 4 × NWO-TENT: DOCK-1 → P-02. Reason: Closer to pick face. Left: 2 × NWO-TENT."
    )
    touch = Touch.objects.get(kind=TouchKind.STOW)
    assert (touch.to_location, touch.reason_code) == (site.face2, "closer_to_pick_face")

    rf.through("", "P-01")
    shown = rf.scan("racking damaged")  # typed text is a reason too
    assert shown.tone == "ok"
    assert Touch.objects.filter(kind=TouchKind.STOW).order_by("pk").last().reason_code == (  # type: ignore[union-attr]
        "racking damaged"
    )
    assert (on_hand(tent, site.face2), on_hand(tent, site.face1)) == (4, 2)
    assert verify().ok


def test_stow_wrong_scans_are_red_and_record_nothing(
    site: Site, tent: Item, stove: Item, bbb: Client, oscar: User
) -> None:
    received(site, tent, 5, oscar)
    received(site, stove, 2, oscar)
    make_item(bbb, "BBB-LIP")
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    with changes_nothing():
        shown = rf.scan("NOWHERE")
        assert (shown.tone, shown.step) == ("error", "start")
        assert shown.message == (
            "NOWHERE is not a location or license plate of TST1. Scan the location label or the "
            "plate."
        )
        shown = rf.scan("A-02-1")
        assert shown.message == "Nothing to put away in A-02-1; scan another."
        shown = rf.scan("DOCK-1")
        assert (shown.step, shown.tone) == ("item", "info")  # two items there: which one?
        shown = rf.scan("BBB-LIP")  # another brand's item: not one of those here
        assert (shown.tone, shown.step) == ("error", "item")
        assert shown.message == "Scan NWO-STOVE or NWO-TENT — you scanned BBB-LIP."
        make_item(tent.client, "NWO-OTHER")
        shown = rf.scan("NWO-OTHER")
        assert shown.message == "Scan NWO-STOVE or NWO-TENT — you scanned NWO-OTHER, not at DOCK-1."
        shown = rf.scan("NWO-TENT")
        assert shown.step == "quantity"
        shown = rf.scan("6")
        assert (shown.tone, shown.message) == (
            "error",
            "The quantity can be at most 5; you entered 6.",
        )
        shown = rf.scan("5")
        assert shown.step == "confirm"
        shown = rf.scan("PACK-1")
        assert (shown.tone, shown.step) == ("error", "confirm")
        assert shown.message == (
            "PACK-1 is a pack station location; put-away needs a storage, pick face location."
        )
        shown = rf.scan("STAGE-1")
        assert shown.tone == "error" and "STAGE-1 is a staging location" in shown.message


def test_a_lot_is_asked_when_the_source_holds_two(site: Site, serum: Item, oscar: User) -> None:
    received(site, serum, 3, oscar, lot_code="L1", expiry_date=dt.date(2030, 1, 1))
    received(site, serum, 2, oscar, lot_code="L2", expiry_date=dt.date(2031, 1, 1))
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    shown = rf.through("DOCK-1", "BBB-SERUM")
    assert (shown.step, shown.prompt) == ("lot", "Scan the lot")
    with changes_nothing():
        shown = rf.scan("L3")
    assert shown.message == "Scan lot L1 or L2 of BBB-SERUM — you scanned L3."
    shown = rf.through("L2", "", "A-01-1")
    touch = Touch.objects.get(kind=TouchKind.STOW)
    assert (touch.lot.code, touch.quantity) == ("L2", 2)  # type: ignore[union-attr]


def test_stow_part_of_a_pallet(site: Site, tent: Item, oscar: User) -> None:
    plate = pallet(site)
    received(site, tent, 8, oscar, container=plate)
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    with changes_nothing():
        shown = rf.scan("DOCK-1")
    assert (shown.tone, shown.message) == (
        "error",
        "Nothing loose to put away at DOCK-1; scan a plate: PLT-1.",
    )
    shown = rf.scan("PLT-1")
    assert shown.step == "quantity" and "pallet" in shown.actions
    shown = rf.through("5", "A-01-1")
    assert shown.message == "Stowed 5 × NWO-TENT: DOCK-1 in PLT-1 → A-01-1. Left: 3 × NWO-TENT."
    assert shown.step == "quantity"  # the rest of the plate next, not the plate scan again
    assert (on_hand(tent, site.dock, plate), on_hand(tent, site.storage1)) == (3, 5)


def test_stow_a_whole_pallet(site: Site, tent: Item, stove: Item, oscar: User) -> None:
    plate = pallet(site)
    received(site, tent, 8, oscar, container=plate)
    received(site, stove, 2, oscar, container=plate)
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    shown = rf.scan("PLT-1")
    assert shown.step == "item" and "pallet" in shown.actions
    shown = rf.scan(action="pallet")
    assert (shown.step, shown.prompt) == ("confirm", "Put away to A-01-1 and scan it")

    shown = rf.scan("A-01-1")

    assert (shown.tone, shown.step) == ("ok", "start"), shown.message
    assert shown.message == "Stowed PLT-1 to A-01-1 (10 units)."
    plate.refresh_from_db()
    assert plate.location == site.storage1
    stows = Touch.objects.filter(kind=TouchKind.STOW)
    assert {(t.item, t.quantity, t.to_container) for t in stows} == {
        (tent, 8, plate),
        (stove, 2, plate),
    }
    assert (on_hand(tent, site.storage1, plate), on_hand(stove, site.storage1, plate)) == (8, 2)
    assert verify().ok


def test_a_whole_pallet_away_from_the_suggestion_records_why(
    site: Site, tent: Item, oscar: User
) -> None:
    plate = pallet(site)
    received(site, tent, 8, oscar, container=plate)
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    rf.scan("PLT-1")
    rf.scan(action="pallet")
    shown = rf.scan("P-02")
    assert shown.step == "reason"
    shown = rf.scan(action="suggested_blocked")
    assert shown.tone == "ok", shown.message
    assert Touch.objects.get(kind=TouchKind.STOW).reason_code == "suggested_blocked"
    plate.refresh_from_db()
    assert plate.location == site.face2


def test_a_retried_stow_records_once(site: Site, tent: Item, oscar: User) -> None:
    received(site, tent, 10, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    rf.through("DOCK-1", "")
    assert rf.shown is not None
    state = rf.shown.state
    first = rf.scan("A-01-1")
    again = rf.resend(state, "A-01-1")
    assert again.message == "Already recorded — " + first.message
    assert Touch.objects.filter(kind=TouchKind.STOW).count() == 1
    assert on_hand(tent, site.storage1) == 10


def test_the_stow_scan_query_count(
    site: Site, tent: Item, oscar: User, django_assert_num_queries: Any
) -> None:
    received(site, tent, 10, oscar)
    stock(site, tent, 1, oscar)  # the tent's pick face P-01 holds some: it is the suggestion
    rf = Scanner(oscar, site.warehouse)
    rf.open("stow")
    rf.through("DOCK-1", "4")
    # 6 the dispatcher's, 3 the flow's (the scanned location, the source, the item), 12 the
    # ledger's (scan, locks, balances, the sellable position in one UPDATE and its channel rules,
    # touch); 4 for what is left here, shown next (the stock here, the place, the item, on hand).
    with django_assert_num_queries(25):
        shown = rf.scan("P-01")
    assert shown.tone == "ok", shown.message


# --- move ---------------------------------------------------------------------------------------


def test_move_a_container(site: Site, tent: Item, oscar: User) -> None:
    plate = pallet(site)
    received(site, tent, 6, oscar, container=plate)
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("move")
    assert shown.prompt == "Scan a location or a plate"
    shown = rf.scan("PLT-1")
    assert (shown.step, shown.prompt) == ("plate_to", "Scan where PLT-1 goes")
    with changes_nothing():
        shown = rf.scan("~SUPPLIER")
    assert (shown.tone, shown.step) == ("error", "plate_to")

    shown = rf.scan("STAGE-1")

    assert (shown.tone, shown.step, shown.message) == (
        "ok",
        "start",
        "Moved PLT-1 to STAGE-1 (6 units).",
    )
    plate.refresh_from_db()
    assert plate.location == site.staging
    touch = Touch.objects.get(kind=TouchKind.MOVE)
    assert (touch.from_location, touch.to_location, touch.to_container) == (
        site.dock,
        site.staging,
        plate,
    )
    assert on_hand(tent, site.staging, plate) == 6
    assert verify().ok


def test_move_loose_units(site: Site, tent: Item, stove: Item, oscar: User) -> None:
    stock(site, tent, 10, oscar)
    stock(site, stove, 3, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    shown = rf.scan("P-01")
    assert (shown.step, shown.prompt) == ("item", "Scan the item")
    shown = rf.scan("NWO-TENT")
    assert (shown.step, shown.prompt) == ("quantity", "How many of 10?")
    shown = rf.scan("4")
    assert (shown.step, shown.prompt) == ("to", "Scan where the 4 units go")

    shown = rf.scan("P-02")

    assert (shown.tone, shown.step) == ("ok", "start")
    assert shown.message == "Moved 4 × NWO-TENT: P-01 → P-02."
    assert (on_hand(tent, site.face1), on_hand(tent, site.face2)) == (6, 4)
    assert on_hand(stove, site.face1) == 3
    assert Touch.objects.filter(kind=TouchKind.MOVE).count() == 1
    assert verify().ok


def test_move_asks_the_lot_only_when_two_are_there(site: Site, serum: Item, oscar: User) -> None:
    received(site, serum, 3, oscar, lot_code="L1", expiry_date=dt.date(2030, 1, 1))
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    shown = rf.through("DOCK-1", "BBB-SERUM")
    assert shown.step == "quantity"  # one lot: no question
    received(site, serum, 2, oscar, lot_code="L2", expiry_date=dt.date(2031, 1, 1))
    rf.scan(action="restart")
    shown = rf.through("DOCK-1", "BBB-SERUM")
    assert shown.step == "lot"
    shown = rf.through("L1", "", "STAGE-1")
    touch = Touch.objects.get(kind=TouchKind.MOVE)
    assert (touch.lot.code, touch.quantity, touch.to_location) == ("L1", 3, site.staging)  # type: ignore[union-attr]


def test_move_wrong_scans_are_red_and_record_nothing(site: Site, tent: Item, oscar: User) -> None:
    stock(site, tent, 5, oscar)
    shipped = pallet(site, "PLT-GONE")
    Container.objects.filter(pk=shipped.pk).update(active=False, location=None)
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    with changes_nothing():
        shown = rf.scan("PLT-GONE")
        assert (shown.tone, shown.message) == (
            "error",
            "PLT-GONE is not on the floor (shipped, closed or never placed); scan another.",
        )
        shown = rf.scan("P-02")
        assert (
            shown.message == "Nothing loose at P-02 to move. Scan another location, or the plate."
        )
        rf.scan("P-01")
        shown = rf.scan("NWO-TENT", action="")
        shown = rf.scan("9")
        assert (shown.tone, shown.message) == (
            "error",
            "The quantity can be at most 5; you entered 9.",
        )
        rf.scan("5")
        shown = rf.scan("P-99")
        assert (shown.tone, shown.step) == ("error", "to")
        assert shown.message == "P-99 is not a location of TST1. Scan a location label."


def test_a_retried_move_records_once(site: Site, tent: Item, oscar: User) -> None:
    stock(site, tent, 5, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    rf.through("P-01", "NWO-TENT", "2")
    assert rf.shown is not None
    state = rf.shown.state
    first = rf.scan("P-02")
    again = rf.resend(state, "P-02")
    assert again.message == "Already recorded — " + first.message
    assert Touch.objects.filter(kind=TouchKind.MOVE).count() == 1
    assert on_hand(tent, site.face2) == 2


def test_the_move_scan_query_count(
    site: Site, tent: Item, oscar: User, django_assert_num_queries: Any
) -> None:
    stock(site, tent, 5, oscar)
    stock(site, tent, 1, oscar, at=site.face2)  # balance rows exist, as on the floor
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    rf.through("P-01", "NWO-TENT", "2")
    # 6 the dispatcher's, 3 the flow's (the source, the item, the scanned location), 9 the
    # ledger's (P-01 → P-02 are both sellable: on-hand does not change, no position rows).
    with django_assert_num_queries(18):
        shown = rf.scan("P-02")
    assert shown.tone == "ok", shown.message


def test_moving_to_where_it_already_is_is_refused(site: Site, tent: Item, oscar: User) -> None:
    stock(site, tent, 5, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    rf.through("P-01", "NWO-TENT", "2")
    with changes_nothing():
        shown = rf.scan("P-01")
    assert shown.tone == "error"
    assert shown.message == "That stock is already at P-01; scan where it goes."

"""Receiving on the RF screen: ASN/PO or blind, the dock, a plate, then item → lot → expiry →
quantity; wrong scans, retries, tolerances and a receipt finished short."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.factories import Site, changes_nothing, gtin
from tests.rf import Scanner, lpn
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item, Lot
from wms.inbound import services as inbound
from wms.inbound.models import ExpectedReceipt, ExpectedReceiptLine, ReceiptState
from wms.inventory.models import Balance, StockStatus, Touch, TouchKind
from wms.inventory.reconcile import verify
from wms.layout import services as layout
from wms.layout.models import Container, ContainerType, Location

TENT_EACH = gtin(7001)
TENT_CASE = gtin(17001, 14)


@pytest.fixture
def barcodes(tent: Item) -> Item:
    """The tent's unit UPC and its case GTIN (a case of 12)."""
    case = catalog.set_pack_level(item=tent, level="case", quantity=12)
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=TENT_EACH)
    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=TENT_CASE, pack_level=case)
    return tent


@pytest.fixture
def asn(site: Site, nwo: Client, barcodes: Item) -> ExpectedReceipt:
    return inbound.create_receipt(
        client=nwo,
        warehouse=site.warehouse,
        reference="ASN-100",
        lines=[(barcodes, 10)],
        over_tolerance_percent=20,
        under_tolerance_percent=10,
    )


def on_hand(item: Item, location: Location, container: Container | None = None) -> int:
    row = Balance.objects.filter(item=item, location=location, container=container).first()
    return row.quantity if row else 0


def line(receipt: ExpectedReceipt) -> ExpectedReceiptLine:
    return ExpectedReceiptLine.objects.get(receipt=receipt)


def at_item_step(rf: Scanner, reference: str = "ASN-100", plate: str = "") -> None:
    rf.open("receive")
    rf.through(reference, "DOCK-1")
    shown = rf.scan(plate) if plate else rf.scan(action="noplate")
    assert shown.step == "item", shown.message


def test_receive_against_an_asn_onto_a_new_pallet(
    site: Site, tent: Item, oscar: User, asn: ExpectedReceipt
) -> None:
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("receive")
    assert (shown.prompt, shown.step) == ("Scan the ASN or PO number", "start")
    assert "blind" in shown.actions
    shown = rf.scan("asn-100")
    assert (shown.tone, shown.step, shown.prompt) == ("ok", "location", "Scan the dock location")
    shown = rf.scan("DOCK-1")
    assert (shown.step, shown.prompt) == ("plate", "Scan the pallet or carton plate")
    assert {"newplate", "noplate", "menu"} <= set(shown.actions)
    shown = rf.scan(lpn(1))
    assert (shown.tone, shown.message) == ("ok", f"New pallet {lpn(1)}.")
    pallet = Container.objects.get(barcode=lpn(1))
    assert (pallet.type, pallet.location) == (ContainerType.PALLET, site.dock)
    assert shown.step == "item" and {"plate", "finish", "menu"} <= set(shown.actions)
    assert "NWO-TENT0 of 10 · 10 short" in shown.body.replace("</dt><dd>", "")
    shown = rf.scan(TENT_EACH)
    assert (shown.step, shown.prompt) == ("quantity", "How many units of NWO-TENT?")
    assert "Expected10 × NWO-TENT · 0 received" in shown.body.replace("</dt><dd>", "")

    shown = rf.scan("4")

    assert (shown.tone, shown.step) == ("ok", "item"), shown.message
    assert shown.message == f"Received 4 × NWO-TENT into DOCK-1 on {lpn(1)}. 4 of 10 received."
    assert "<dt>NWO-TENT</dt><dd>4 of 10 · 6 short</dd>" in shown.body  # the ASN's lines
    touch = Touch.objects.get(kind=TouchKind.RECEIVE)
    assert (touch.quantity, touch.to_location, touch.to_container) == (4, site.dock, pallet)
    assert (touch.reference, touch.actor) == ("ASN-100", oscar)
    assert on_hand(tent, site.dock, pallet) == 4
    assert line(asn).received == 4

    shown = rf.through(TENT_EACH, "6")
    assert shown.message.endswith("10 of 10 received.")
    shown = rf.scan(action="finish")
    assert (shown.step, shown.prompt) == ("finish", "Finish ASN ASN-100 · NWO?")
    assert "Every line received as expected." in shown.body
    shown = rf.scan("")  # Enter confirms
    assert (shown.tone, shown.step, shown.message) == ("ok", "start", "ASN ASN-100 is complete.")
    asn.refresh_from_db()
    assert asn.state == ReceiptState.COMPLETE
    assert on_hand(tent, site.dock, pallet) == 10
    assert verify().ok


def test_every_wrong_scan_is_red_and_records_nothing(
    site: Site, tent: Item, bbb: Client, oscar: User, asn: ExpectedReceipt
) -> None:
    other = catalog.create_item(client=bbb, sku="BBB-LIP", description="Lipstick")
    catalog.add_identifier(item=other, kind=IdentifierKind.GTIN, value=gtin(8001))
    away = layout.create_container(
        warehouse=site.warehouse,
        type=ContainerType.PALLET,
        barcode="PLT-AWAY",
        location=site.staging,
    )
    rf = Scanner(oscar, site.warehouse)
    rf.open("receive")
    lines = ExpectedReceiptLine.objects.values_list("pk", "received")
    wrong: list[tuple[str, str, str]] = [
        ("start", "ASN-999", "No ASN or PO ASN-999 is expected at TST1."),
        ("location", "A-01-1", "A-01-1 is a storage location; receiving needs a dock, staging"),
        ("location", "Z-99", "Z-99 is not a location of TST1. Scan a location label."),
        ("plate", "PLT-AWAY", "PLT-AWAY is at STAGE-1, not DOCK-1."),
        ("plate", "PLT-TYPO", "License plate PLT-TYPO is not known and is not a plate label"),
        ("item", gtin(8001), f"Barcode {gtin(8001)} is another brand's item"),
        ("item", "NWO-NOPE", "Barcode NWO-NOPE is not known for this client."),
        ("quantity", "12x", "Type the quantity as a whole number; you entered '12x'."),
        ("quantity", "0", "The quantity must be at least 1; you entered 0."),
    ]
    # a wrong plate is tried before the next: the loop goes on from the plate step with No plate
    wrong.insert(4, wrong.pop(3))
    right = {"start": "ASN-100", "location": "DOCK-1", "plate": "", "item": TENT_EACH}
    for at, value, message in wrong:
        while rf.shown is not None and rf.shown.step != at:
            step = rf.shown.step
            rf.scan(right[step], action="noplate" if step == "plate" else "")
        with changes_nothing(lines):
            shown = rf.scan(value)
        assert (shown.tone, shown.step) == ("error", at), (value, shown.message)
        assert message in shown.message
    assert not Container.objects.filter(location=site.dock).exists()
    assert away.location == site.staging


def test_a_plate_from_another_warehouse_or_shipped_is_refused(
    site: Site, oscar: User, asn: ExpectedReceipt
) -> None:
    elsewhere = layout.create_warehouse(code="TST2", name="Other", time_zone="America/New_York")
    layout.create_container(warehouse=elsewhere, type=ContainerType.PALLET, barcode="PLT-TST2")
    gone = layout.create_container(
        warehouse=site.warehouse, type=ContainerType.PALLET, barcode="PLT-GONE"
    )
    Container.objects.filter(pk=gone.pk).update(active=False)
    rf = Scanner(oscar, site.warehouse)
    rf.open("receive")
    rf.through("ASN-100", "DOCK-1")
    shown = rf.scan("PLT-TST2")
    assert shown.tone == "error"
    assert (
        shown.message == "License plate PLT-TST2 belongs to another warehouse; use one of TST1's."
    )
    shown = rf.scan("PLT-GONE")
    assert shown.message == "License plate PLT-GONE has shipped or is closed; use a new one."
    assert shown.step == "plate"


def test_a_retried_submit_records_once(
    site: Site, tent: Item, oscar: User, asn: ExpectedReceipt
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf)
    rf.scan(TENT_EACH)
    assert rf.shown is not None
    state = rf.shown.state
    first = rf.scan("3")
    assert first.tone == "ok"

    again = rf.resend(state, "3")

    assert again.message == "Already recorded — " + first.message
    assert Touch.objects.filter(kind=TouchKind.RECEIVE).count() == 1
    assert line(asn).received == 3
    assert on_hand(tent, site.dock) == 3


def test_a_case_barcode_proposes_the_case_quantity(
    site: Site, tent: Item, oscar: User, asn: ExpectedReceipt
) -> None:
    asn.over_tolerance_percent = 50
    asn.save(update_fields=["over_tolerance_percent"])
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf)
    shown = rf.scan(TENT_CASE)
    assert (shown.step, shown.message) == ("quantity", "NWO-TENT: a case of 12.")
    assert shown.prompt == "How many cases of NWO-TENT?"
    assert "Count cases of 12 units. Enter alone receives 1 case (12 units)." in shown.body

    shown = rf.scan("")

    assert shown.tone == "warn", shown.message
    assert shown.message == (
        "Received 12 × NWO-TENT into DOCK-1. ASN ASN-100: 12 × NWO-TENT received against 10 "
        "expected (2 over, within the 50% over-receipt tolerance)."
    )
    assert on_hand(tent, site.dock) == 12


def test_an_over_receipt_beyond_tolerance_is_refused(
    site: Site, tent: Item, oscar: User, asn: ExpectedReceipt
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf)
    rf.scan(TENT_EACH)
    with changes_nothing(ExpectedReceiptLine.objects.values_list("pk", "received")):
        shown = rf.scan("13")
    assert (shown.tone, shown.step) == ("error", "quantity")
    assert shown.message == (
        "ASN ASN-100 expects 10 × NWO-TENT, 0 received; 13 more would exceed the 20% "
        "over-receipt tolerance (max 12). Receive at most 12, or ask the brand to amend it."
    )
    shown = rf.scan("12")
    assert shown.tone == "warn" and "2 over" in shown.message


def test_finishing_short_needs_a_supervisor(
    site: Site, tent: Item, oscar: User, sam: User, asn: ExpectedReceipt
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf)
    rf.through(TENT_EACH, "5")
    shown = rf.scan(action="finish")
    assert (shown.step, shown.prompt) == ("finish", "Finish ASN ASN-100 · NWO?")
    assert "Over / short: NWO-TENT short 5 (5 of 10)." in shown.body
    with changes_nothing(ExpectedReceipt.objects.values_list("pk", "state")):
        shown = rf.scan(action="confirm")
    assert (shown.tone, shown.step) == ("error", "finish")
    assert shown.message == (
        "ASN ASN-100 is short beyond its 10% under-receipt tolerance: NWO-TENT 5 of 10. Receive "
        "the rest, or ask a supervisor to complete it short."
    )

    boss = Scanner(sam, site.warehouse)
    at_item_step(boss)
    boss.scan(action="finish")
    shown = boss.scan(action="confirm")
    assert (shown.tone, shown.step) == ("warn", "start")
    assert shown.message == "ASN ASN-100 is complete, short: NWO-TENT 5 of 10."
    asn.refresh_from_db()
    assert asn.state == ReceiptState.COMPLETE


def test_lot_and_expiry_are_captured(site: Site, bbb: Client, serum: Item, oscar: User) -> None:
    po = inbound.create_receipt(
        client=bbb, warehouse=site.warehouse, reference="PO-7", kind="po", lines=[(serum, 20)]
    )
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf, "PO-7")
    shown = rf.scan("BBB-SERUM")
    assert (shown.step, shown.prompt) == ("lot", "Scan the lot of BBB-SERUM")
    shown = rf.scan("L-77")
    assert (shown.step, shown.prompt) == ("expiry", "Type the expiry date")
    with changes_nothing():
        shown = rf.scan("31-31-2027")
    assert (shown.tone, shown.step) == ("error", "expiry")
    assert shown.message == (
        "Type the expiry date as YYYY-MM-DD (e.g. 2027-03-31); you entered '31-31-2027'."
    )
    shown = rf.scan("270331")
    assert (shown.step, shown.message) == ("quantity", "Expires 2027-03-31.")

    shown = rf.scan("8")

    assert shown.tone == "ok", shown.message
    lot = Lot.objects.get(item=serum, code="L-77")
    assert lot.expiry_date == dt.date(2027, 3, 31)
    touch = Touch.objects.get(kind=TouchKind.RECEIVE)
    assert (touch.lot, touch.quantity, touch.reference) == (lot, 8, "PO-7")
    assert ExpectedReceiptLine.objects.get(receipt=po).received == 8

    # The same lot again with another expiry: the service refuses, the screen says why.
    rf.through("BBB-SERUM", "L-77")
    rf.scan("2028-01-01")
    with changes_nothing():
        shown = rf.scan("2")
    assert shown.tone == "error"
    assert "Lot L-77 of BBB-SERUM already has expiry 2027-03-31" in shown.message
    assert verify().ok


def test_a_blind_receipt_lets_the_barcode_name_the_brand(
    site: Site, tent: Item, serum: Item, oscar: User, barcodes: Item
) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("receive")
    shown = rf.scan(action="blind")
    assert (shown.step, shown.message) == ("location", "Blind receipt.")
    rf.through("QUAR-1")
    rf.scan(action="noplate")
    shown = rf.scan(TENT_EACH)
    assert "finish" not in shown.actions
    shown = rf.scan("3")
    assert (shown.tone, shown.message) == ("ok", "Received 3 × NWO-TENT into QUAR-1.")
    shown = rf.through("BBB-SERUM", "B9", "2029-12-31", "2")
    touches_ = Touch.objects.filter(kind=TouchKind.RECEIVE).order_by("pk")
    assert [(t.item, t.reference, t.to_status) for t in touches_] == [
        (tent, "BLIND", StockStatus.QUARANTINE),
        (serum, "BLIND", StockStatus.QUARANTINE),
    ]
    assert on_hand(tent, site.quarantine) == 3
    assert verify().ok


def test_new_plate_between_items(site: Site, tent: Item, oscar: User, asn: ExpectedReceipt) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf, plate=lpn(11))
    rf.through(TENT_EACH, "4")
    shown = rf.scan(action="plate")
    assert shown.step == "plate"
    shown = rf.scan(action="newplate")  # no label at hand: a plate of our series is made
    b = Container.objects.exclude(barcode=lpn(11)).get(type=ContainerType.PALLET)
    assert shown.message.startswith(f"New pallet {b.barcode}")
    rf.through(TENT_EACH, "5")
    a = Container.objects.get(barcode=lpn(11))
    assert (on_hand(tent, site.dock, a), on_hand(tent, site.dock, b)) == (4, 5)
    assert line(asn).received == 9


def test_the_committing_scan_query_count(
    site: Site,
    tent: Item,
    oscar: User,
    asn: ExpectedReceipt,
    django_assert_num_queries: Any,
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf, plate=lpn(12))
    rf.through(TENT_EACH, "1", TENT_EACH)  # a first receipt: balance rows exist, as on the floor
    # 6 the dispatcher's (session, user, the gate's savepoint, insert, outcome, release), 3 the
    # flow's (the receipt, the item, the plate with its location), 18 the services' (the line and
    # its lock, the receipt's state, scan, locks — the plate once —, balances, touch); the next
    # screen reads the receipt's lines, expected and received so far (1).
    with django_assert_num_queries(28):
        shown = rf.scan("2")
    assert shown.tone == "ok", shown.message

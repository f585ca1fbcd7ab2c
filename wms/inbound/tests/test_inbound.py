"""Expected receipts (ASN / PO): receiving against lines, tolerances, completion, put-away hints.

Oscar receives on the dock, Sam supervises; the ASNs are Northwind's (NWO) unless said otherwise.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.factories import (
    ClientFactory,
    Site,
    UserFactory,
    ctx,
    make_item,
    make_site,
    run_parallel,
)
from tests.factories import changes_nothing as _changes_nothing
from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.errors import DomainError, InvalidQuantity, ItemInactive, NotPermitted
from wms.inbound import services as inbound
from wms.inbound.models import ExpectedReceipt, ExpectedReceiptLine, ReceiptState
from wms.inbound.services import (
    AlreadyClosed,
    DuplicateReference,
    NotExpected,
    OverReceipt,
    WrongClient,
)
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.inventory.models import Balance, Touch
from wms.inventory.reconcile import verify
from wms.layout import services as layout
from wms.layout.models import Location, LocationType
from wms.orders.models import Event


def changes_nothing() -> Any:
    return _changes_nothing(
        ExpectedReceipt.objects.values_list("pk", "state"),
        ExpectedReceiptLine.objects.values_list("pk", "received"),
    )


def on_hand(item: Item, location: Location, status: str = "available") -> int:
    row = Balance.objects.filter(item=item, location=location, status=status).first()
    return row.quantity if row else 0


def asn(
    site: Site,
    client: Client,
    lines: list[tuple[Item, int]],
    *,
    reference: str = "NWO-0042",
    over: int = 0,
    under: int = 0,
) -> ExpectedReceipt:
    return inbound.create_receipt(
        client=client,
        warehouse=site.warehouse,
        reference=reference,
        lines=lines,
        supplier="Northwind Factory Co.",
        over_tolerance_percent=over,
        under_tolerance_percent=under,
    )


def line_of(receipt: ExpectedReceipt, item: Item) -> ExpectedReceiptLine:
    return ExpectedReceiptLine.objects.get(receipt=receipt, item=item)


# --- creating an expected receipt --------------------------------------------------------------


def test_an_asn_records_one_line_per_sku_and_starts_open(
    site: Site, nwo: Client, tent: Item
) -> None:
    stove = make_item(nwo, "NWO-STOVE")

    receipt = asn(site, nwo, [(tent, 100), (stove, 12)], reference="  NWO-0042 ", over=10)

    assert (receipt.reference, receipt.kind, receipt.state) == ("NWO-0042", "asn", "open")
    assert receipt.over_tolerance_percent == 10
    lines = receipt.lines.order_by("item__sku").values_list("item__sku", "quantity", "received")
    assert list(lines) == [("NWO-STOVE", 12, 0), ("NWO-TENT", 100, 0)]


def test_a_brand_cannot_announce_the_same_asn_number_twice(
    site: Site, nwo: Client, bbb: Client, tent: Item, serum: Item
) -> None:
    asn(site, nwo, [(tent, 100)])

    with changes_nothing(), pytest.raises(DuplicateReference) as exc:
        asn(site, nwo, [(tent, 5)])

    assert exc.value.message == (
        "NWO already has a receipt NWO-0042; receive against it, or give the new one its own "
        "number."
    )
    assert exc.value.field == "reference"
    # Another brand's numbering is its own.
    assert asn(site, bbb, [(serum, 5)]).reference == "NWO-0042"


def test_an_asn_lists_only_the_brands_active_skus_once_each_with_real_quantities(
    site: Site, nwo: Client, tent: Item, serum: Item
) -> None:
    retired = make_item(nwo, "NWO-OLD", active=False)

    with changes_nothing():
        with pytest.raises(WrongClient) as exc:
            asn(site, nwo, [(tent, 10), (serum, 5)])
        assert exc.value.message == (
            "SKU BBB-SERUM belongs to another brand; ASN NWO-0042 can only list NWO's SKUs."
        )
        with pytest.raises(ItemInactive) as inactive:
            asn(site, nwo, [(retired, 5)])
        assert inactive.value.message == (
            "SKU NWO-OLD is inactive; ask an item-master admin to reactivate it before expecting it."
        )
        with pytest.raises(InvalidQuantity) as zero:
            asn(site, nwo, [(tent, 0)])
        assert zero.value.message == (
            "Line NWO-TENT: quantity must be a whole number of at least 1, not 0."
        )
        with pytest.raises(DomainError) as twice:
            asn(site, nwo, [(tent, 10), (tent, 5)])
        assert twice.value.message == (
            "SKU NWO-TENT is on ASN NWO-0042 twice; put its total quantity on one line."
        )
    assert not ExpectedReceipt.objects.exists()


# --- receiving against it ----------------------------------------------------------------------


def test_receiving_against_an_asn_moves_stock_and_counts_the_line(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    receipt = asn(site, nwo, [(tent, 100)], over=10)

    result = inbound.receive_against(
        ctx(oscar), receipt=receipt, item=tent, quantity=40, location=site.dock
    )

    assert (result.received, result.expected, result.warning) == (40, 100, "")
    assert result.scan.message == "Received 40 × NWO-TENT into DOCK-1."
    assert on_hand(tent, site.dock) == 40
    assert Touch.objects.get(pk=result.scan.touch_ids[0]).reference == "NWO-0042"
    assert line_of(receipt, tent).received == 40
    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.RECEIVING
    assert verify().ok


def test_over_receipt_within_the_tolerance_is_accepted_with_a_warning(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    receipt = asn(site, nwo, [(tent, 100)], over=10)
    inbound.receive_against(ctx(oscar), receipt=receipt, item=tent, quantity=95, location=site.dock)

    result = inbound.receive_against(
        ctx(oscar), receipt=receipt, item=tent, quantity=10, location=site.dock
    )

    assert (result.received, result.expected) == (105, 100)
    assert result.warning == (
        "ASN NWO-0042: 105 × NWO-TENT received against 100 expected (5 over, within the 10% "
        "over-receipt tolerance)."
    )
    assert on_hand(tent, site.dock) == 105


def test_over_receipt_beyond_the_tolerance_is_refused_and_records_nothing(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    receipt = asn(site, nwo, [(tent, 100)], over=10)
    inbound.receive_against(ctx(oscar), receipt=receipt, item=tent, quantity=95, location=site.dock)

    with changes_nothing(), pytest.raises(OverReceipt) as exc:
        inbound.receive_against(
            ctx(oscar), receipt=receipt, item=tent, quantity=20, location=site.dock
        )

    assert exc.value.message == (
        "ASN NWO-0042 expects 100 × NWO-TENT, 95 received; 20 more would exceed the 10% "
        "over-receipt tolerance (max 110). Receive at most 15, or ask the brand to amend it."
    )
    assert exc.value.field == "quantity"


def test_without_a_tolerance_not_one_unit_more_than_expected_is_received(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    receipt = asn(site, nwo, [(tent, 5)])
    inbound.receive_against(ctx(oscar), receipt=receipt, item=tent, quantity=5, location=site.dock)

    with changes_nothing(), pytest.raises(OverReceipt) as exc:
        inbound.receive_against(
            ctx(oscar), receipt=receipt, item=tent, quantity=1, location=site.dock
        )

    assert exc.value.message == (
        "ASN NWO-0042 expects 5 × NWO-TENT, 5 received; 1 more would exceed the 0% over-receipt "
        "tolerance (max 5). Nothing more can be received against it; ask the brand to amend it."
    )


def test_a_sku_that_is_not_on_the_asn_is_refused(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stove = make_item(nwo, "NWO-STOVE")
    receipt = asn(site, nwo, [(tent, 100)])

    with changes_nothing(), pytest.raises(NotExpected) as exc:
        inbound.receive_against(
            ctx(oscar), receipt=receipt, item=stove, quantity=1, location=site.dock
        )

    assert exc.value.message == (
        "SKU NWO-STOVE is not on ASN NWO-0042; receive it blind or ask the brand to amend the ASN."
    )


def test_a_repeated_scan_is_received_and_counted_once(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    receipt = asn(site, nwo, [(tent, 30)])
    scan = ctx(oscar, "RF-07")

    first = inbound.receive_against(
        scan, receipt=receipt, item=tent, quantity=30, location=site.dock
    )
    # The device lost the answer and sends the same scan again: with the line now full, a fresh
    # scan would be refused, but a retry replays its first answer.
    again = inbound.receive_against(
        scan, receipt=receipt, item=tent, quantity=30, location=site.dock
    )

    assert (first.scan.replayed, again.scan.replayed) == (False, True)
    assert again.scan.touch_ids == first.scan.touch_ids
    assert (again.received, again.expected) == (30, 30)
    assert line_of(receipt, tent).received == 30
    assert on_hand(tent, site.dock) == 30
    assert Touch.objects.filter(reference="NWO-0042").count() == 1


def test_a_lot_tracked_sku_is_received_with_its_lot(
    site: Site, bbb: Client, serum: Item, oscar: User
) -> None:
    receipt = asn(site, bbb, [(serum, 24)], reference="BBB-PO-7", under=5)

    result = inbound.receive_against(
        ctx(oscar),
        receipt=receipt,
        item=serum,
        quantity=24,
        location=site.staging,
        lot_code="L2026-07",
        expiry_date=dt.date(2027, 7, 31),
    )

    touch = Touch.objects.select_related("lot").get(pk=result.scan.touch_ids[0])
    assert touch.lot is not None
    assert (touch.lot.code, touch.lot.expiry_date) == ("L2026-07", dt.date(2027, 7, 31))
    assert line_of(receipt, serum).received == 24


def test_stock_cannot_be_received_against_a_complete_asn(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    receipt = asn(site, nwo, [(tent, 10)])
    inbound.receive_against(ctx(oscar), receipt=receipt, item=tent, quantity=10, location=site.dock)
    inbound.complete_receipt(receipt=receipt, actor=oscar)

    with changes_nothing(), pytest.raises(AlreadyClosed) as exc:
        inbound.receive_against(
            ctx(oscar), receipt=receipt, item=tent, quantity=1, location=site.dock
        )

    assert exc.value.message == (
        "ASN NWO-0042 is complete; receive NWO-TENT blind or ask the brand for a new ASN."
    )


# --- completing it -----------------------------------------------------------------------------


def test_an_operator_completes_a_receipt_short_within_tolerance_and_the_brand_hears(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stove = make_item(nwo, "NWO-STOVE")
    receipt = asn(site, nwo, [(tent, 100), (stove, 10)], under=5)
    inbound.receive_against(ctx(oscar), receipt=receipt, item=tent, quantity=95, location=site.dock)
    inbound.receive_against(
        ctx(oscar), receipt=receipt, item=stove, quantity=10, location=site.dock
    )

    done = inbound.complete_receipt(receipt=receipt, actor=oscar)

    assert done.state == ReceiptState.COMPLETE
    assert done.completed_at is not None
    event = Event.objects.get(kind="receipt_complete")
    assert event.client == nwo
    assert event.order is None
    payload = {k: v for k, v in event.payload.items() if k != "at"}
    assert payload == {
        "reference": "NWO-0042",
        "kind": "asn",
        "completed_by": "oscar",
        "short_approved": False,
        "lines": [
            {"sku": "NWO-TENT", "expected": 100, "received": 95},
            {"sku": "NWO-STOVE", "expected": 10, "received": 10},
        ],
    }


def test_a_receipt_short_beyond_tolerance_needs_a_supervisor_to_complete(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stove = make_item(nwo, "NWO-STOVE")
    receipt = asn(site, nwo, [(tent, 100), (stove, 10)], under=5)
    inbound.receive_against(ctx(oscar), receipt=receipt, item=tent, quantity=94, location=site.dock)

    with changes_nothing(), pytest.raises(NotPermitted) as exc:
        inbound.complete_receipt(receipt=receipt, actor=oscar)

    assert exc.value.message == (
        "ASN NWO-0042 is short beyond its 5% under-receipt tolerance: NWO-TENT 94 of 100; "
        "NWO-STOVE 0 of 10. Receive the rest, or ask a supervisor to complete it short."
    )

    done = inbound.complete_receipt(receipt=receipt, actor=sam)

    assert done.state == ReceiptState.COMPLETE
    event = Event.objects.get(kind="receipt_complete")
    assert (event.payload["completed_by"], event.payload["short_approved"]) == ("sam", True)


def test_a_receipt_is_completed_once(site: Site, nwo: Client, tent: Item, sam: User) -> None:
    receipt = asn(site, nwo, [(tent, 10)])
    inbound.complete_receipt(receipt=receipt, actor=sam)

    with changes_nothing(), pytest.raises(AlreadyClosed) as exc:
        inbound.complete_receipt(receipt=receipt, actor=sam)

    assert exc.value.message == "ASN NWO-0042 is already complete; nothing more to do."
    assert Event.objects.filter(kind="receipt_complete").count() == 1


def test_a_brand_user_cannot_complete_a_receipt(
    site: Site, nwo: Client, tent: Item, alice: User
) -> None:
    receipt = asn(site, nwo, [(tent, 10)])

    with changes_nothing(), pytest.raises(NotPermitted) as exc:
        inbound.complete_receipt(receipt=receipt, actor=alice)

    assert (
        exc.value.message == "Completing ASN NWO-0042 needs warehouse staff; a brand user cannot."
    )


# --- put-away suggestions ----------------------------------------------------------------------


def test_putaway_suggests_the_items_pick_face_then_empty_storage_in_walking_order(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stove = make_item(nwo, "NWO-STOVE")

    def storage(code: str, sequence: int, *, active: bool = True) -> Location:
        return layout.create_location(
            warehouse=site.warehouse,
            code=code,
            type=LocationType.STORAGE,
            sequence=sequence,
            active=active,
        )

    first_in_walk = storage("A-00-9", 5)
    tied = storage("A-03-1", 40)  # same sequence as A-02-1: code decides
    last = storage("A-04-1", 50)
    storage("A-05-1", 60)  # sixth candidate: beyond the five suggested
    storage("A-00-1", 1, active=False)

    def put(item: Item, quantity: int, where: Location) -> None:
        touches.receive(ctx(oscar), item=item, quantity=quantity, location=site.dock)
        touches.stow(
            ctx(oscar), item=item, quantity=quantity, from_location=site.dock, to_location=where
        )

    put(tent, 4, site.face2)  # the tent's pick face
    put(stove, 4, site.face1)  # a pick face of another SKU: not for tents
    put(stove, 2, site.storage1)  # storage holding anything is not empty
    put(tent, 3, site.storage2)  # once used, emptied again: empty
    touches.move(
        ctx(oscar), item=tent, quantity=3, from_location=site.storage2, to_location=site.face2
    )

    suggested = inbound.suggest_putaway(item=tent, warehouse=site.warehouse, quantity=12)

    assert [loc.code for loc in suggested] == ["P-02", "A-00-9", "A-02-1", "A-03-1", "A-04-1"]
    assert suggested[1:] == [first_in_walk, site.storage2, tied, last]

    # With no pick face holding it, the hint is empty storage only.
    new = make_item(nwo, "NWO-MAT")
    assert [
        loc.code for loc in inbound.suggest_putaway(item=new, warehouse=site.warehouse, quantity=1)
    ] == [
        "A-00-9",
        "A-02-1",
        "A-03-1",
        "A-04-1",
        "A-05-1",
    ]


def test_putaway_suggestion_writes_nothing(site: Site, tent: Item) -> None:
    with changes_nothing():
        assert inbound.suggest_putaway(item=tent, warehouse=site.warehouse, quantity=1) == [
            site.storage1,
            site.storage2,
        ]


# --- two receivers at once ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_receivers_cannot_jointly_exceed_the_tolerance() -> None:
    northwind = ClientFactory.create(code="NWO")
    site = make_site("CON2")
    tent = make_item(northwind, "NWO-TENT")
    oscar = UserFactory.create(username="oscar", role=Role.OPERATOR)
    receipt = asn(site, northwind, [(tent, 10)], over=10)  # at most 11

    results = run_parallel(
        4,
        lambda _i: inbound.receive_against(
            ScanContext(uuid.uuid4(), oscar),
            receipt=receipt,
            item=tent,
            quantity=6,
            location=site.dock,
        ),
    )

    winners = [r for r in results if isinstance(r, inbound.ReceiptResult)]
    refused = [r for r in results if isinstance(r, OverReceipt)]
    assert (len(winners), len(refused)) == (1, 3), results
    assert all("6 received; 6 more would exceed" in r.message for r in refused)
    assert line_of(receipt, tent).received == 6
    assert on_hand(tent, site.dock) == 6
    report = verify()
    assert report.ok, report.problems

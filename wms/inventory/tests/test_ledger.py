"""The touch services: what each records, and that a refused scan records nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import Site, changes_nothing, ctx, make_item
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.errors import (
    InsufficientStock,
    InvalidQuantity,
    ItemInactive,
    LabelMismatch,
    LotMismatch,
    LotRequired,
    NotPermitted,
    ReasonRequired,
    ScanIdReused,
    SerialRequired,
    WrongContainer,
    WrongLocationType,
)
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.inventory.models import Balance, Scan, StockStatus, Touch
from wms.inventory.reconcile import verify
from wms.layout.models import Container, Location


def on_hand(
    item: Item, location: Location, container: Container | None = None, status: str = "available"
) -> int:
    row = Balance.objects.filter(
        item=item, location=location, container=container, status=status
    ).first()
    return row.quantity if row else 0


def records_nothing() -> Any:
    return changes_nothing()


def test_receive_moves_stock_from_the_supplier_account(site: Site, tent: Item, oscar: User) -> None:
    result = touches.receive(
        ctx(oscar), item=tent, quantity=12, location=site.dock, reference="PO-1"
    )

    assert result.message == "Received 12 × NWO-TENT into DOCK-1."
    assert on_hand(tent, site.dock) == 12
    supplier = Location.objects.get(warehouse=site.warehouse, type="supplier")
    assert on_hand(tent, supplier) == -12
    touch = Touch.objects.get(pk=result.touch_ids[0])
    assert (touch.kind, touch.quantity, touch.reference, touch.actor) == (
        "receive",
        12,
        "PO-1",
        oscar,
    )
    assert touch.scan_id == result.scan_id
    assert verify().ok


def test_full_outbound_flow_conserves_stock(site: Site, tent: Item, oscar: User) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=10, location=site.dock)
    touches.stow(
        ctx(oscar), item=tent, quantity=10, from_location=site.dock, to_location=site.face1
    )
    tote, carton = site.tote(), site.carton()
    touches.pick(
        ctx(oscar), item=tent, quantity=3, from_location=site.face1, tote=tote, reference="SO-9"
    )
    touches.pack(ctx(oscar), item=tent, quantity=3, tote=tote, carton=carton)
    touches.move_container(ctx(oscar), container=carton, to_location=site.lane)
    shipped = touches.ship(ctx(oscar), container=carton, reference="SO-9")

    assert shipped.message == f"Shipped {carton.barcode} (3 units)."
    assert on_hand(tent, site.face1) == 7
    assert on_hand(tent, site.pack, tote) == 0
    assert on_hand(tent, site.lane, carton) == 0
    customer = Location.objects.get(warehouse=site.warehouse, type="customer")
    assert on_hand(tent, customer) == 3
    carton.refresh_from_db()
    assert carton.location is None and not carton.active
    report = verify()
    assert report.ok, report.problems


def test_repeated_scan_id_returns_the_first_result_and_records_nothing(
    site: Site, tent: Item, oscar: User
) -> None:
    scan = ctx(oscar)
    first = touches.receive(scan, item=tent, quantity=5, location=site.dock)

    with records_nothing():
        again = touches.receive(scan, item=tent, quantity=5, location=site.dock)

    assert again.replayed and not first.replayed
    assert (again.touch_ids, again.message) == (first.touch_ids, first.message)
    assert on_hand(tent, site.dock) == 5


def test_a_retried_pick_is_not_refused_for_the_stock_it_already_moved(
    site: Site, tent: Item, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=2, location=site.dock)
    touches.stow(ctx(oscar), item=tent, quantity=2, from_location=site.dock, to_location=site.face1)
    tote = site.tote()
    scan = ctx(oscar)
    touches.pick(scan, item=tent, quantity=2, from_location=site.face1, tote=tote)

    again = touches.pick(scan, item=tent, quantity=2, from_location=site.face1, tote=tote)

    assert again.replayed
    assert on_hand(tent, site.pack, tote) == 2


def test_scan_id_reused_for_another_request_is_refused(site: Site, tent: Item, oscar: User) -> None:
    scan = ctx(oscar)
    touches.receive(scan, item=tent, quantity=5, location=site.dock)

    with records_nothing(), pytest.raises(ScanIdReused, match="already used for a different"):
        touches.receive(scan, item=tent, quantity=6, location=site.dock)


def test_insufficient_stock_names_the_bucket_and_records_nothing(
    site: Site, tent: Item, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=2, location=site.dock)

    with records_nothing(), pytest.raises(InsufficientStock) as err:
        touches.stow(
            ctx(oscar), item=tent, quantity=3, from_location=site.dock, to_location=site.face1
        )

    assert "NWO-TENT at DOCK-1: need 3, only 2 there" in err.value.message
    assert err.value.shortages[0].available == 2


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"quantity": 0}, InvalidQuantity, "at least 1"),
        ({"quantity": -4}, InvalidQuantity, "at least 1"),
        ({"location": "face1"}, WrongLocationType, "P-01 is a pick face location; receiving needs"),
        ({"location": "supplier"}, WrongLocationType, "virtual location"),
    ],
)
def test_bad_receipts_are_refused_with_what_to_do(
    site: Site,
    tent: Item,
    oscar: User,
    change: dict[str, object],
    error: type[Exception],
    message: str,
) -> None:
    args: dict[str, object] = {"item": tent, "quantity": 1, "location": site.dock}
    if change.get("location") == "supplier":
        args["location"] = Location.objects.get(warehouse=site.warehouse, type="supplier")
    elif "location" in change:
        args["location"] = getattr(site, str(change["location"]))
    else:
        args.update(change)
    with records_nothing(), pytest.raises(error, match=message):
        touches.receive(ctx(oscar), **args)  # type: ignore[arg-type]


def test_lot_tracked_item_needs_lot_and_expiry(site: Site, serum: Item, oscar: User) -> None:
    with records_nothing(), pytest.raises(LotRequired, match="scan or type the lot"):
        touches.receive(ctx(oscar), item=serum, quantity=1, location=site.dock)
    with records_nothing(), pytest.raises(LotRequired, match="expiry date"):
        touches.receive(ctx(oscar), item=serum, quantity=1, location=site.dock, lot_code="L1")

    touches.receive(
        ctx(oscar),
        item=serum,
        quantity=4,
        location=site.dock,
        lot_code="L1",
        expiry_date=dt.date(2027, 5, 1),
    )
    lot = serum.lots.get()
    with records_nothing(), pytest.raises(LotRequired):
        touches.stow(
            ctx(oscar), item=serum, quantity=1, from_location=site.dock, to_location=site.face1
        )
    with records_nothing(), pytest.raises(LotMismatch, match="already has expiry 2027-05-01"):
        touches.receive(
            ctx(oscar),
            item=serum,
            quantity=1,
            location=site.dock,
            lot_code="L1",
            expiry_date=dt.date(2027, 6, 1),
        )
    touches.stow(
        ctx(oscar), item=serum, lot=lot, quantity=4, from_location=site.dock, to_location=site.face1
    )
    assert Balance.objects.get(item=serum, location=site.face1).lot == lot


def test_untracked_item_refuses_a_lot(site: Site, tent: Item, oscar: User) -> None:
    with records_nothing(), pytest.raises(LotMismatch, match="not lot-tracked"):
        touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock, lot_code="X")


def test_serial_tracked_item_is_received_one_serial_at_a_time(
    site: Site, nwo: Client, oscar: User
) -> None:
    stove = make_item(nwo, "NWO-STOVE", tracks_serials=True)
    with records_nothing(), pytest.raises(SerialRequired):
        touches.receive(ctx(oscar), item=stove, quantity=1, location=site.dock)
    with records_nothing(), pytest.raises(InvalidQuantity, match="one unit per serial"):
        touches.receive(ctx(oscar), item=stove, quantity=2, location=site.dock, serial="SN1")
    result = touches.receive(ctx(oscar), item=stove, quantity=1, location=site.dock, serial="SN1")
    assert Touch.objects.get(pk=result.touch_ids[0]).serial == "SN1"


def test_inactive_item_cannot_move(site: Site, tent: Item, oscar: User) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    catalog.update_item(item=tent, active=False)
    with records_nothing(), pytest.raises(ItemInactive, match="inactive"):
        touches.stow(
            ctx(oscar), item=tent, quantity=1, from_location=site.dock, to_location=site.face1
        )


def test_container_elsewhere_is_refused(site: Site, tent: Item, oscar: User) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    touches.stow(ctx(oscar), item=tent, quantity=1, from_location=site.dock, to_location=site.face1)
    carton = site.carton()  # at the pack station
    with records_nothing(), pytest.raises(WrongContainer, match="is at PACK-1, not P-02"):
        touches.move(
            ctx(oscar),
            item=tent,
            quantity=1,
            from_location=site.face1,
            to_location=site.face2,
            to_container=carton,
        )


def test_pallet_moves_with_everything_on_it(
    site: Site, tent: Item, serum: Item, oscar: User
) -> None:
    from wms.layout import services as layout

    pallet = layout.create_container(warehouse=site.warehouse, type="pallet", barcode="PAL-1")
    touches.receive(ctx(oscar), item=tent, quantity=8, location=site.dock, container=pallet)
    carton = layout.create_container(
        warehouse=site.warehouse, type="carton", barcode="CTN-1", location=site.dock
    )
    touches.receive(
        ctx(oscar),
        item=serum,
        quantity=3,
        location=site.dock,
        container=carton,
        lot_code="L9",
        expiry_date=dt.date(2028, 1, 1),
    )
    touches.nest_container(ctx(oscar), container=carton, pallet=pallet)

    with pytest.raises(WrongContainer, match="is on pallet PAL-1"):
        touches.move_container(ctx(oscar), container=carton, to_location=site.storage1)
    result = touches.move_container(ctx(oscar), container=pallet, to_location=site.storage1)

    assert result.message == "Moved PAL-1 to A-01-1 (11 units)."
    assert len(result.touch_ids) == 2
    assert on_hand(tent, site.storage1, pallet) == 8
    assert (
        Balance.objects.get(item=serum, container=carton, quantity__gt=0).location == site.storage1
    )
    carton.refresh_from_db()
    assert carton.location == site.storage1
    assert verify().ok


def test_quarantine_and_release_needs_a_supervisor(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=4, location=site.dock)
    with records_nothing(), pytest.raises(ReasonRequired):
        touches.quarantine(ctx(oscar), item=tent, quantity=2, location=site.dock, reason_code=" ")
    touches.quarantine(
        ctx(oscar),
        item=tent,
        quantity=2,
        location=site.dock,
        reason_code="DAMAGED_BOX",
        to_location=site.quarantine,
    )
    assert on_hand(tent, site.quarantine, status=StockStatus.QUARANTINE) == 2

    with records_nothing(), pytest.raises(NotPermitted, match="needs a supervisor"):
        touches.release(
            ctx(oscar), item=tent, quantity=2, location=site.quarantine, reason_code="OK"
        )
    touches.release(
        ctx(sam),
        item=tent,
        quantity=2,
        location=site.quarantine,
        reason_code="INSPECTED",
        to_location=site.storage1,
    )
    assert on_hand(tent, site.storage1) == 2
    assert on_hand(tent, site.quarantine, status=StockStatus.QUARANTINE) == 0


def test_adjust_and_dispose_are_for_supervisors(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    with records_nothing(), pytest.raises(NotPermitted):
        touches.adjust(ctx(oscar), item=tent, location=site.storage1, delta=3, reason_code="FOUND")
    touches.adjust(ctx(sam), item=tent, location=site.storage1, delta=3, reason_code="FOUND")
    touches.adjust(ctx(sam), item=tent, location=site.storage1, delta=-1, reason_code="LOST")
    assert on_hand(tent, site.storage1) == 2
    with records_nothing(), pytest.raises(InsufficientStock):
        touches.adjust(ctx(sam), item=tent, location=site.storage1, delta=-3, reason_code="LOST")

    touches.quarantine(
        ctx(oscar), item=tent, quantity=1, location=site.storage1, reason_code="CRUSHED"
    )
    touches.dispose(
        ctx(sam),
        item=tent,
        quantity=1,
        location=site.storage1,
        reason_code="CRUSHED",
        status=StockStatus.QUARANTINE,
    )
    scrap = Location.objects.get(warehouse=site.warehouse, type="scrap")
    assert on_hand(tent, scrap, status=StockStatus.QUARANTINE) == 1
    assert verify().ok


def test_count_records_variance_against_the_adjustment_account(
    site: Site, tent: Item, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=10, location=site.dock)
    touches.stow(
        ctx(oscar), item=tent, quantity=10, from_location=site.dock, to_location=site.storage1
    )

    agrees = touches.count(ctx(oscar), item=tent, location=site.storage1, counted=10)
    short = touches.count(ctx(oscar), item=tent, location=site.storage1, counted=7)

    assert agrees.message == "Count of NWO-TENT at A-01-1 agrees: 10."
    assert Touch.objects.get(pk=agrees.touch_ids[0]).from_location == site.storage1
    assert short.message == "Counted 7 × NWO-TENT at A-01-1; system had 10 (variance -3)."
    assert on_hand(tent, site.storage1) == 7
    adjustment = Location.objects.get(warehouse=site.warehouse, type="adjustment")
    assert on_hand(tent, adjustment) == 3
    assert verify().ok


def test_relabel_checks_the_new_label_belongs_to_the_item(
    site: Site, tent: Item, oscar: User, nwo: Client
) -> None:
    catalog.add_identifier(item=tent, kind=IdentifierKind.FNSKU, value="X00TENT001")
    other = make_item(nwo, "NWO-MUG")
    catalog.add_identifier(item=other, kind=IdentifierKind.FNSKU, value="X00MUG0001")
    touches.receive(ctx(oscar), item=tent, quantity=5, location=site.dock)

    with records_nothing(), pytest.raises(LabelMismatch, match="belongs to SKU NWO-MUG"):
        touches.relabel(
            ctx(oscar), item=tent, quantity=5, location=site.dock, new_label="X00MUG0001"
        )
    with records_nothing(), pytest.raises(InsufficientStock):
        touches.relabel(
            ctx(oscar), item=tent, quantity=6, location=site.dock, new_label="X00TENT001"
        )
    result = touches.relabel(
        ctx(oscar),
        item=tent,
        quantity=5,
        location=site.dock,
        new_label="x00tent001",
        old_label="0012345",
    )

    touch = Touch.objects.get(pk=result.touch_ids[0])
    assert touch.detail == {"old_label": "0012345", "new_label": "x00tent001"}
    assert on_hand(tent, site.dock) == 5


def test_return_comes_back_from_the_customer(site: Site, tent: Item, oscar: User) -> None:
    with records_nothing(), pytest.raises(ReasonRequired, match="order or RMA"):
        touches.receive_return(
            ctx(oscar), item=tent, quantity=1, location=site.returns, reference=""
        )
    touches.receive_return(
        ctx(oscar),
        item=tent,
        quantity=2,
        location=site.returns,
        reference="RMA-1",
        status=StockStatus.DAMAGED,
    )
    customer = Location.objects.get(warehouse=site.warehouse, type="customer")
    assert on_hand(tent, customer) == -2
    assert on_hand(tent, site.returns, status=StockStatus.DAMAGED) == 2


def test_shipping_an_empty_carton_is_refused(site: Site, oscar: User) -> None:
    carton = site.carton()
    with records_nothing(), pytest.raises(WrongContainer, match="is empty"):
        touches.ship(ctx(oscar), container=carton)


def test_the_database_refuses_to_edit_or_delete_a_touch(
    site: Site, tent: Item, oscar: User
) -> None:
    result = touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    touch_id = result.touch_ids[0]

    for sql in (
        "UPDATE wms_touch SET quantity = 99 WHERE id = %s",
        "DELETE FROM wms_touch WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="wms_touch is append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [touch_id])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        Touch.objects.filter(pk=touch_id).update(quantity=2)
    assert Touch.objects.get(pk=touch_id).quantity == 1


def test_the_database_refuses_negative_physical_stock(site: Site, tent: Item, oscar: User) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    with pytest.raises(IntegrityError, match="physical_balance_not_negative"), transaction.atomic():
        Balance.objects.filter(item=tent, location=site.dock).update(quantity=-1)


def test_scan_context_ids_come_from_the_device(site: Site, tent: Item, oscar: User) -> None:
    scan_id = uuid.UUID("0b7f6a0e-7c43-4d2b-9d1e-5a2b8f3c4d11")
    touches.receive(ScanContext(scan_id, oscar, "RF-07"), item=tent, quantity=1, location=site.dock)
    scan = Scan.objects.get(pk=scan_id)
    assert (scan.device, scan.actor, scan.kind) == ("RF-07", oscar, "receive")
    assert scan.touches.get().device == "RF-07"


def test_a_stale_copy_of_a_new_pallet_cannot_split_it(site: Site, tent: Item, oscar: User) -> None:
    from wms.layout import services as layout

    pallet = layout.create_container(warehouse=site.warehouse, type="pallet", barcode="PAL-NEW")
    stale = Container.objects.get(pk=pallet.pk)  # loaded before the first receipt placed it
    touches.receive(ctx(oscar), item=tent, quantity=5, location=site.dock, container=pallet)

    with (
        records_nothing(),
        pytest.raises(WrongContainer, match="PAL-NEW is at DOCK-1, not STAGE-1"),
    ):
        touches.receive(ctx(oscar), item=tent, quantity=3, location=site.staging, container=stale)
    assert verify().ok


def test_a_shipped_license_plate_cannot_be_received_into(
    site: Site, tent: Item, oscar: User
) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock)
    touches.stow(ctx(oscar), item=tent, quantity=1, from_location=site.dock, to_location=site.face1)
    tote, carton = site.tote(), site.carton()
    touches.pick(ctx(oscar), item=tent, quantity=1, from_location=site.face1, tote=tote)
    touches.pack(ctx(oscar), item=tent, quantity=1, tote=tote, carton=carton)
    touches.ship(ctx(oscar), container=carton)

    with records_nothing(), pytest.raises(WrongContainer, match="has shipped or is closed"):
        touches.receive(ctx(oscar), item=tent, quantity=1, location=site.dock, container=carton)
    with records_nothing(), pytest.raises(WrongContainer, match="not on the floor"):
        touches.ship(ctx(oscar), container=carton)


def test_a_retry_replays_even_if_the_item_was_deactivated_since(
    site: Site, tent: Item, oscar: User
) -> None:
    scan = ctx(oscar)
    first = touches.receive(scan, item=tent, quantity=2, location=site.dock)
    catalog.update_item(item=tent, active=False)

    again = touches.receive(scan, item=tent, quantity=2, location=site.dock)

    assert again.replayed
    assert again.touch_ids == first.touch_ids

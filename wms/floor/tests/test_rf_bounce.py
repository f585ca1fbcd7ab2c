"""A scanner's bounced Enter records nothing (docs/floor.md, "A bounced Enter records nothing"),
and a plate label nobody registered is refused unless it is from a plate series."""

from __future__ import annotations

import pytest
from stdnum import ean

from tests.factories import Site, changes_nothing, stock
from tests.rf import Scanner, lpn
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.floor.models import RfSubmission
from wms.inbound.models import ExpectedReceipt
from wms.inventory.models import Touch, TouchKind
from wms.layout import services as layout
from wms.layout.errors import UnknownPlate
from wms.layout.models import Container, ContainerType

from .test_rf_receive import TENT_EACH, asn, at_item_step, barcodes  # noqa: F401 (fixtures)


def receipts() -> list[int]:
    return list(
        Touch.objects.filter(kind=TouchKind.RECEIVE)
        .order_by("pk")
        .values_list("quantity", flat=True)
    )


def test_an_empty_enter_right_after_a_scan_is_ignored(
    site: Site,
    oscar: User,
    asn: ExpectedReceipt,  # noqa: F811
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf)
    shown = rf.scan(TENT_EACH)
    assert shown.step == "quantity"

    with changes_nothing(Touch.objects.values_list("pk"), RfSubmission.objects.values_list("pk")):
        bounced = rf.scan("", bounce=True)

    assert bounced.status == 204  # nothing swapped: the screen and its message stay
    assert (bounced.step, bounced.message) == ("quantity", "NWO-TENT.")
    assert receipts() == []


def test_a_deliberate_operator_is_never_slowed(
    site: Site,
    oscar: User,
    asn: ExpectedReceipt,  # noqa: F811
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf)
    rf.scan(TENT_EACH)
    shown = rf.scan("2", bounce=True)  # a typed quantity, the moment the screen is there
    assert (shown.tone, shown.step) == ("ok", "item")
    rf.scan(TENT_EACH)
    shown = rf.scan("")  # Enter alone after reading the screen: the default, 1 unit
    assert (shown.tone, shown.step) == ("ok", "item")
    shown = rf.scan(action="finish", bounce=True)  # a button is never a bounce
    assert shown.step == "finish"
    assert receipts() == [2, 1]


def test_a_bounced_enter_on_a_confirmation_does_not_confirm(
    site: Site,
    oscar: User,
    asn: ExpectedReceipt,  # noqa: F811
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_item_step(rf)
    rf.through(TENT_EACH, "10")
    rf.scan(action="finish")
    with changes_nothing(ExpectedReceipt.objects.values_list("pk", "state")):
        assert rf.scan("", bounce=True).status == 204
    shown = rf.scan("")
    assert (shown.step, shown.message) == ("start", "ASN ASN-100 is complete.")


def sscc(serial: str) -> str:
    return serial + ean.calc_check_digit(serial)


def off_by_one(code: str) -> str:
    """The same code with its check digit mis-read."""
    return code[:-1] + str((int(code[-1]) + 1) % 10)


@pytest.mark.parametrize(
    "code",
    [
        "PLT-TYPO",
        "LP0000000042",  # one digit short
        off_by_one(lpn(42)),
        off_by_one(sscc("10614141000000001")),
        "00" + off_by_one(sscc("10614141000000001")),
        "01" + sscc("10614141000000001"),  # 20 digits that are not AI 00
    ],
)
def test_an_unknown_plate_is_refused(site: Site, code: str) -> None:
    with changes_nothing(Container.objects.values_list("pk")), pytest.raises(UnknownPlate):
        layout.register_scanned_plate(
            warehouse=site.warehouse, type=ContainerType.PALLET, code=code, location=site.dock
        )


def test_a_plate_of_a_series_starts_a_container(site: Site) -> None:
    ours = layout.register_scanned_plate(
        warehouse=site.warehouse, type=ContainerType.PALLET, code=lpn(42), location=site.dock
    )
    assert (ours.barcode, ours.sscc) == (lpn(42), None)
    code = sscc("10614141000000001")
    supplier = layout.register_scanned_plate(
        warehouse=site.warehouse, type=ContainerType.PALLET, code="00" + code, location=site.dock
    )
    assert (supplier.barcode, supplier.sscc) == (code, code)
    made = layout.create_new_plate(
        warehouse=site.warehouse, type=ContainerType.CARTON, location=site.pack
    )
    assert layout.is_lpn(made.barcode)


def test_plurals_on_the_move_prompt(site: Site, tent: Item, oscar: User) -> None:
    stock(site, tent, 3, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("move")
    assert rf.through("P-01", "NWO-TENT", "1").prompt == "Scan where the unit goes"
    rf.open("move")
    assert rf.through("P-01", "NWO-TENT", "2").prompt == "Scan where the 2 units go"

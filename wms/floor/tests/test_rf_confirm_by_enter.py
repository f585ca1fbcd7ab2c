"""Every choice on the RF screens can be made from the keyboard or the scanner as well as by a
button (issue 13, item 9): a count approval accepts Enter alone (approve) or a typed 2 / 3; a
quarantine reason and a return grade take their number or code typed and Enter — Enter alone is no
grade or reason (neither has a safe default) and is refused without recording anything.
And Load: Close load refuses an order split between the load and the floor; a carton taken off
the load is put down somewhere scanned."""

from __future__ import annotations

import pytest

from tests.factories import Site, changes_nothing
from tests.rf import Scanner
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.floor.tests.test_rf_count import counts, tents, waiting  # noqa: F401
from wms.floor.tests.test_rf_quarantine import to_reason
from wms.floor.tests.test_rf_relabel_returns import at_bench, shipped  # noqa: F401
from wms.inbound.models import Grade, ReturnUnit
from wms.inventory.models import ApprovalState, CountApproval, Touch, TouchKind
from wms.loading.models import LoadParcel
from wms.loading.tests.test_unload import packed
from wms.orders.models import Order


def test_a_count_is_approved_with_enter_and_rejected_by_its_typed_number(
    site: Site,
    tents: Item,  # noqa: F811
    tent: Item,
    oscar: User,
    sam: User,
    waiting: CountApproval,  # noqa: F811
) -> None:
    boss = Scanner(sam, site.warehouse)
    shown = boss.open("approvals")
    assert "Enter alone approves" in shown.body
    with changes_nothing():
        wrong = boss.scan("9")
    assert wrong.tone == "error"
    assert wrong.message == (
        "9 is not a choice here. Type its number and Enter, or press it: "
        "1 Approve · 2 Reject · 3 Next."
    )

    shown = boss.scan("")  # Enter alone, after reading the screen

    assert (shown.tone, shown.message) == ("ok", "Approved: recorded 30 × NWO-TENT at P-01.")
    assert len(counts()) == 1
    waiting.refresh_from_db()
    assert waiting.state == ApprovalState.APPROVED


def test_a_typed_2_rejects_a_count(
    site: Site,
    tents: Item,  # noqa: F811
    sam: User,
    waiting: CountApproval,  # noqa: F811
) -> None:
    boss = Scanner(sam, site.warehouse)
    boss.open("approvals")

    shown = boss.scan("2")

    assert shown.tone == "warn" and shown.message.startswith("Rejected 30 × NWO-TENT at P-01.")
    waiting.refresh_from_db()
    assert waiting.state == ApprovalState.REJECTED
    assert counts() == []


@pytest.mark.parametrize("typed", ["1", "damaged", "DAMAGED", " Damaged "])
def test_a_quarantine_reason_is_typed_by_number_code_or_label(
    site: Site,
    tents: Item,  # noqa: F811
    oscar: User,
    typed: str,
) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "quarantine")
    assert "Type its number and Enter, or press it: 1 Damaged" in rf.shown.body  # type: ignore[union-attr]
    with changes_nothing():
        empty = rf.scan("")
    assert (empty.tone, empty.step) == ("error", "reason")
    assert empty.message.startswith("Type the reason's number and Enter, or press it: 1 Damaged")

    shown = rf.scan(typed)

    assert shown.tone == "warn", shown.message
    (touch,) = Touch.objects.filter(kind=TouchKind.QUARANTINE)
    assert (touch.quantity, touch.reason_code) == (3, "damaged")


def test_a_return_grade_is_typed_by_its_number(
    site: Site,
    tent: Item,
    oscar: User,
    shipped: Order,  # noqa: F811
) -> None:
    rf = Scanner(oscar, site.warehouse)
    at_bench(rf, "SH-1001")
    rf.scan("NWO-TENT")
    with changes_nothing():
        empty = rf.scan("")
        unknown = rf.scan("7")
    assert (empty.tone, empty.step) == ("error", "grade")
    assert unknown.message == (
        "7 is not a grade here. Type its number and Enter, or press it: "
        "1 Sellable · 2 Damaged · 3 Defective · 4 Dispose."
    )

    shown = rf.scan("2")

    assert shown.prompt == "How many NWO-TENT graded damaged?"
    rf.scan("1")
    assert list(ReturnUnit.objects.values_list("grade", "quantity")) == [(Grade.DAMAGED, 1)]


def test_close_load_refuses_an_order_split_between_the_load_and_the_floor(
    site: Site, tent: Item, oscar: User, sam: User
) -> None:
    first, second = packed(site, tent, oscar, sam, cartons=2)
    rf = Scanner(oscar, site.warehouse)
    rf.open("load")
    rf.scan("LANE-1")
    rf.scan("TRL-5")
    assert rf.scan(first.container.barcode).tone == "ok"

    with changes_nothing():
        shown = rf.scan(action="close")

    assert (shown.tone, shown.step) == ("error", "carton")
    assert shown.message == (
        f"Order {first.order.external_id}: {second.container.barcode} not on load TRL-5. "
        "Load it, or take the order's cartons off before closing."
    )
    # Taken off (put down at staging), the load is empty: nothing to close either.
    assert rf.scan(action="unload").step == "unload"
    shown = rf.scan(first.container.barcode)
    assert shown.prompt == f"Put {first.container.barcode} down off the lane and scan where"
    shown = rf.scan("STAGE-1")
    assert shown.message == f"Took {first.container.barcode} off TRL-5; moved to STAGE-1."
    assert not LoadParcel.objects.exists()
    assert rf.scan(action="close").message == "Load TRL-5 is empty; load cartons before closing it."

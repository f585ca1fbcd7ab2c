"""Cycle counting on the RF screen, and the supervisor's approval queue.

Pick face P-01 holds 37 Northwind tents; Oscar counts it blind. 37 is a number no screen of his may
show. Sam works through the counts that wait for a supervisor.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.factories import Site, changes_nothing, stock
from tests.rf import Scanner, Shown, state_of, supervisor, visible_text
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.floor.models import RfSubmission
from wms.inventory.models import ApprovalState, Balance, CountApproval, Touch, TouchKind
from wms.inventory.reconcile import verify
from wms.layout.models import LocationType

SYSTEM = 37


@pytest.fixture
def tents(site: Site, tent: Item, oscar: User) -> Item:
    stock(site, tent, SYSTEM, oscar)
    return tent


def on_face(item: Item, site: Site) -> int:
    return Balance.objects.get(item=item, location=site.face1, container=None).quantity


def counts() -> list[Touch]:
    return list(
        Touch.objects.filter(kind=TouchKind.COUNT).select_related("to_location").order_by("pk")
    )


def blind(shown: Shown) -> None:
    """Nothing the operator can see or decode names the system quantity."""
    assert not re.search(rf"\b{SYSTEM}\b", visible_text(shown)), visible_text(shown)
    state = state_of(shown)
    ids = ("location", "container", "item", "lot", "waiting", "approval", "supervisor")
    quantities = [v for k, v in state.items() if k not in ids]  # an id may equal it by chance
    assert SYSTEM not in quantities and not any("system" in key for key in state)


def approval_units(site: Site, units: int) -> None:
    site.warehouse.count_approval_units = units
    site.warehouse.save(update_fields=["count_approval_units"])


def at_count(site: Site, user: User) -> Scanner:
    rf = Scanner(user, site.warehouse)
    blind(rf.open("count"))
    blind(rf.scan("P-01"))
    shown = rf.scan("NWO-TENT")
    assert (shown.step, shown.prompt) == ("count", "Count NWO-TENT at P-01")
    blind(shown)
    return rf


def test_a_blind_count_that_agrees_is_recorded(site: Site, tents: Item, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("count")
    assert shown.prompt == "Scan the location to count"
    shown = rf.scan("P-01")
    assert (shown.tone, shown.step, shown.prompt) == ("ok", "item", "Scan an item at P-01")
    rf.scan("NWO-TENT")
    shown = rf.scan(str(SYSTEM))
    assert shown.tone == "ok", shown.message
    assert shown.message == f"Count agrees: {SYSTEM} × NWO-TENT at P-01."
    assert shown.step == "item"  # the next item at the same location
    (touch,) = counts()
    assert (touch.actor, touch.quantity, touch.to_location) == (oscar, SYSTEM, site.face1)
    assert on_face(tents, site) == SYSTEM
    assert verify().ok


def test_wrong_scans_are_red_and_record_nothing(site: Site, tents: Item, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("count")
    with changes_nothing():
        shown = rf.scan("Z-99")
    assert (shown.tone, shown.step) == ("error", "location")
    assert shown.message == (
        "Z-99 is not a location or license plate of TST1. Scan the location label or the plate."
    )
    rf.scan("P-01")
    with changes_nothing():
        shown = rf.scan("NO-SUCH-THING")
    assert (shown.tone, shown.step) == ("error", "item")
    rf.scan("NWO-TENT")
    with changes_nothing():
        shown = rf.scan("lots")
    assert (shown.tone, shown.step) == ("error", "count")
    assert shown.message == "Type the count as a whole number; you entered 'lots'."
    blind(shown)


def test_a_difference_asks_for_a_recount_which_is_final(
    site: Site, tents: Item, oscar: User
) -> None:
    rf = at_count(site, oscar)
    with changes_nothing(CountApproval.objects.values_list("pk")):
        shown = rf.scan("35")
    assert (shown.tone, shown.step) == ("warn", "recount")
    assert shown.prompt == "Count NWO-TENT at P-01 again"
    assert shown.message == "Count NWO-TENT at P-01 again — the count did not agree."
    blind(shown)
    shown = rf.scan("34")  # within the default 10 units: recorded
    assert shown.tone == "ok", shown.message
    blind(shown)
    (touch,) = counts()
    assert (touch.actor, touch.quantity, touch.to_location.type) == (
        oscar,
        SYSTEM - 34,
        LocationType.ADJUSTMENT,
    )
    assert on_face(tents, site) == 34
    assert verify().ok


def test_a_retried_count_is_applied_once(site: Site, tents: Item, oscar: User) -> None:
    rf = at_count(site, oscar)
    state = rf.shown.state if rf.shown else ""
    first = rf.scan(str(SYSTEM))
    again = rf.resend(state, str(SYSTEM))
    assert again.message == "Already recorded — " + first.message
    assert len(counts()) == 1
    assert RfSubmission.objects.filter(pk=str(rf.last_scan_id)).count() == 1


def test_a_lot_is_scanned_before_it_is_counted(site: Site, serum: Item, oscar: User) -> None:
    stock(site, serum, 6, oscar)
    rf = Scanner(oscar, site.warehouse)
    rf.open("count")
    rf.scan("P-01")
    shown = rf.scan("BBB-SERUM")
    assert (shown.step, shown.prompt) == ("lot", "Scan the lot of BBB-SERUM")
    shown = rf.scan("L9")
    assert (shown.tone, shown.step) == ("error", "lot")
    shown = rf.scan("L1")
    assert shown.step == "count"
    shown = rf.scan("6")
    assert shown.tone == "ok", shown.message
    (touch,) = counts()
    assert touch.lot == serum.lots.get()


@pytest.fixture
def waiting(site: Site, tents: Item, oscar: User) -> CountApproval:
    """Oscar counted 30, then 30 again: 7 short, beyond the warehouse's 5 units."""
    approval_units(site, 5)
    rf = at_count(site, oscar)
    rf.scan("30")
    with changes_nothing():
        shown = rf.scan("30")
    assert shown.tone == "warn"
    assert shown.message == (
        "Count of 30 × NWO-TENT at P-01 waits for a supervisor: the difference is too large to "
        "book without one."
    )
    blind(shown)
    return CountApproval.objects.get(state=ApprovalState.PENDING)


def test_a_supervisor_approves_a_waiting_count(
    site: Site, tents: Item, oscar: User, sam: User, waiting: CountApproval
) -> None:
    boss = Scanner(sam, site.warehouse)
    shown = boss.open("approvals")
    assert shown.prompt == "Approve the count of NWO-TENT at P-01?"
    assert shown.actions == ["approve", "reject", "next"]
    text = visible_text(shown)
    for fact in ("Counted", "30", "System then", "37 (variance -7)", "System now", "oscar"):
        assert fact in text
    shown = boss.scan(action="approve")
    assert shown.tone == "ok", shown.message
    assert shown.message == "Approved: recorded 30 × NWO-TENT at P-01."
    assert shown.step == "idle" and shown.prompt == "No counts waiting in TST1"
    (touch,) = counts()
    assert (touch.actor, touch.quantity) == (sam, 7)
    assert on_face(tents, site) == 30
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decided_by, waiting.scan_id) == (
        ApprovalState.APPROVED,
        sam,
        touch.scan_id,
    )
    assert verify().ok


def test_a_supervisor_rejects_a_count_and_steps_through_the_queue(
    site: Site, tents: Item, tent: Item, oscar: User, sam: User, waiting: CountApproval
) -> None:
    stock(site, tent, 20, oscar, at=site.face2)
    rf = Scanner(oscar, site.warehouse)
    rf.open("count")
    rf.scan("P-02")
    rf.scan("NWO-TENT")
    rf.scan("1")
    rf.scan("1")
    second = CountApproval.objects.exclude(pk=waiting.pk).get()
    boss = Scanner(sam, site.warehouse)
    assert boss.open("approvals").prompt == "Approve the count of NWO-TENT at P-01?"
    assert boss.scan(action="next").prompt == "Approve the count of NWO-TENT at P-02?"
    assert boss.scan(action="next").prompt == "Approve the count of NWO-TENT at P-01?"
    with changes_nothing():
        shown = boss.scan(action="reject")
    assert shown.tone == "warn"
    assert shown.message == "Rejected 30 × NWO-TENT at P-01. Rejected: count again."
    assert shown.prompt == "Approve the count of NWO-TENT at P-02?"
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decided_by) == (ApprovalState.REJECTED, sam)
    second.refresh_from_db()
    assert second.state == ApprovalState.PENDING


def test_an_approval_retried_is_recorded_once(
    site: Site, tents: Item, sam: User, waiting: CountApproval
) -> None:
    boss = Scanner(sam, site.warehouse)
    shown = boss.open("approvals")
    first = boss.scan(action="approve")
    again = boss.resend(shown.state, action="approve")
    assert again.message == "Already recorded — " + first.message
    assert len(counts()) == 1


@pytest.fixture
def counted_short(site: Site, tents: Item, oscar: User) -> Scanner:
    """Oscar's scanner, right after his final count of 30 went to wait for a supervisor."""
    approval_units(site, 5)
    rf = at_count(site, oscar)
    rf.scan("30")
    shown = rf.scan("30")
    assert shown.step == "item" and shown.actions == ["approve_here", "location"]
    return rf


def test_a_supervisor_approves_at_the_operators_scanner_with_badge_and_pin(
    site: Site, tents: Item, oscar: User, sam: User, counted_short: Scanner
) -> None:
    supervisor(sam, badge="B-SAM", pin="2468")
    rf = counted_short
    shown = rf.scan(action="approve_here")
    assert (shown.step, shown.prompt) == ("badge", "Supervisor: scan your badge")
    blind(shown)
    with changes_nothing():
        shown = rf.scan("B-NOBODY")
    assert (shown.tone, shown.step) == ("error", "badge")
    shown = rf.scan("B-SAM")
    assert (shown.step, shown.prompt) == ("pin", "sam: type your PIN")
    blind(shown)
    with changes_nothing(CountApproval.objects.values_list("pk", "state")):
        shown = rf.scan("1111")
    assert (shown.tone, shown.step) == ("error", "pin")
    assert shown.message == "That PIN does not match sam's. Type it again."
    assert not {"1111", "2468"} & {str(v) for v in state_of(shown).values()}
    shown = rf.scan("2468")
    assert shown.tone == "ok", shown.message
    assert shown.message == "Approved by sam: recorded 30 × NWO-TENT at P-01."
    blind(shown)
    (touch,) = counts()
    assert (touch.actor, touch.quantity) == (sam, SYSTEM - 30)
    approval = CountApproval.objects.get()
    assert (approval.state, approval.decided_by, approval.counted_by) == (
        ApprovalState.APPROVED,
        sam,
        oscar,
    )
    assert on_face(tents, site) == 30
    assert verify().ok


def test_approvals_are_for_supervisors(site: Site, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    assert rf.open("approvals").status == 404
    menu = rf.http.get("/rf/").content.decode()
    assert "/rf/approvals/" not in menu and "/rf/count/" in menu


def test_a_committing_count_scan_costs_a_fixed_number_of_queries(
    site: Site, tents: Item, oscar: User, django_assert_num_queries: Any
) -> None:
    rf = at_count(site, oscar)
    with django_assert_num_queries(24):
        shown = rf.scan(str(SYSTEM))
    assert shown.tone == "ok", shown.message


def test_approving_costs_a_fixed_number_of_queries(
    site: Site, sam: User, waiting: CountApproval, django_assert_num_queries: Any
) -> None:
    boss = Scanner(sam, site.warehouse)
    boss.open("approvals")
    with django_assert_num_queries(27):  # the position: one UPDATE, not insert + lock + update
        shown = boss.scan(action="approve")
    assert shown.tone == "ok", shown.message

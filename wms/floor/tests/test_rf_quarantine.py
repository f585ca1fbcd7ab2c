"""Quarantine and release on the RF screen; a supervisor's badge and PIN on Oscar's scanner.

P-01 holds 10 Northwind tents. Oscar quarantines 3 that came back crushed; releasing them needs
Sam (badge B-SAM, PIN 2468), who walks over to Oscar's scanner rather than signing him out.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Site, UserFactory, changes_nothing, stock
from tests.rf import Scanner, state_of, supervisor, visible_text
from wms.accounts.models import Role, User
from wms.catalog.models import Item
from wms.floor.models import RfSubmission
from wms.inventory.models import Balance, StockStatus, Touch, TouchKind
from wms.inventory.reconcile import verify

PIN = "2468"


@pytest.fixture
def tents(site: Site, tent: Item, oscar: User) -> Item:
    stock(site, tent, 10, oscar)
    return tent


@pytest.fixture
def boss(sam: User) -> User:
    return supervisor(sam, badge="B-SAM", pin=PIN)


def held(item: Item, site: Site, status: str) -> int:
    row = Balance.objects.filter(
        item=item, location=site.face1, container=None, status=status
    ).first()
    return row.quantity if row else 0


def touches(kind: TouchKind) -> list[Touch]:
    return list(Touch.objects.filter(kind=kind).order_by("pk"))


def to_reason(rf: Scanner, slug: str, quantity: str = "3") -> None:
    rf.open(slug)
    rf.scan("P-01")
    rf.scan("NWO-TENT")
    shown = rf.scan(quantity)
    assert shown.step == "reason", shown.message


@pytest.fixture
def quarantined(site: Site, tents: Item, oscar: User) -> Item:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "quarantine")
    shown = rf.scan(action="damaged")
    assert shown.tone == "warn", shown.message
    return tents


def test_quarantine_takes_stock_out_of_circulation_in_place(
    site: Site, tents: Item, oscar: User
) -> None:
    rf = Scanner(oscar, site.warehouse)
    assert rf.open("quarantine").prompt == "Scan the location of the stock to quarantine"
    assert rf.scan("P-01").prompt == "Scan the item to quarantine"
    assert rf.scan("NWO-TENT").prompt == "How many to quarantine?"
    shown = rf.scan("3")
    assert shown.prompt == "Quarantine 3 × NWO-TENT: why?"
    assert shown.actions == ["damaged", "expired", "recall", "suspect_count", "cancel"]
    shown = rf.scan(action="damaged")
    assert shown.message == "Quarantined 3 × NWO-TENT: P-01 → P-01 (quarantine)."
    assert shown.step == "location"
    (touch,) = touches(TouchKind.QUARANTINE)
    assert (touch.actor, touch.quantity, touch.reason_code) == (oscar, 3, "damaged")
    assert (touch.from_status, touch.to_status) == (StockStatus.AVAILABLE, StockStatus.QUARANTINE)
    assert held(tents, site, StockStatus.AVAILABLE) == 7
    assert held(tents, site, StockStatus.QUARANTINE) == 3
    assert verify().ok


def test_wrong_scans_are_red_and_record_nothing(site: Site, tents: Item, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    rf.open("quarantine")
    rf.scan("P-01")
    with changes_nothing():
        shown = rf.scan("NOT-A-BARCODE")
    assert (shown.tone, shown.step) == ("error", "item")
    rf.scan("NWO-TENT")
    with changes_nothing():
        shown = rf.scan("0")
    assert (shown.tone, shown.step) == ("error", "quantity")
    assert shown.message == "The quantity must be at least 1; you entered 0."
    rf.scan("11")
    with changes_nothing():
        shown = rf.scan(action="recall")
    assert (shown.tone, shown.step) == ("error", "reason")
    assert "Not enough stock" in shown.message


def test_a_retried_quarantine_is_applied_once(site: Site, tents: Item, oscar: User) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "quarantine")
    state = rf.shown.state if rf.shown else ""
    first = rf.scan(action="expired")
    again = rf.resend(state, action="expired")
    assert again.message == "Already recorded — " + first.message
    assert len(touches(TouchKind.QUARANTINE)) == 1
    assert held(tents, site, StockStatus.QUARANTINE) == 3


def test_a_supervisor_signed_in_releases_directly(site: Site, quarantined: Item, sam: User) -> None:
    rf = Scanner(sam, site.warehouse)
    assert rf.open("release").prompt == "Scan the location of the quarantined stock"
    rf.scan("P-01")
    shown = rf.scan("NWO-TENT")
    assert "In quarantine 3" in " ".join(visible_text(shown).split())
    rf.scan("3")
    shown = rf.scan(action="inspected_ok")
    assert shown.tone == "ok", shown.message
    assert shown.message == "Released 3 × NWO-TENT: P-01 (quarantine) → P-01."
    (touch,) = touches(TouchKind.RELEASE)
    assert (touch.actor, touch.reason_code) == (sam, "inspected_ok")
    assert held(quarantined, site, StockStatus.AVAILABLE) == 10
    assert verify().ok


def test_an_operator_releases_with_a_supervisors_badge_and_pin(
    site: Site, quarantined: Item, oscar: User, boss: User
) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "release", "2")
    shown = rf.scan(action="recall_lifted")
    assert (shown.step, shown.prompt) == ("badge", "Supervisor: scan your badge")
    shown = rf.scan("B-SAM")
    assert (shown.step, shown.prompt) == ("pin", "sam: type your PIN")
    assert 'type="password"' in shown.body
    shown = rf.scan(PIN)
    assert shown.tone == "ok", shown.message
    assert shown.message == "Released 2 × NWO-TENT: P-01 (quarantine) → P-01. Approved by sam."
    (touch,) = touches(TouchKind.RELEASE)
    assert (touch.actor, touch.quantity, touch.reason_code) == (boss, 2, "recall_lifted")
    assert held(quarantined, site, StockStatus.QUARANTINE) == 1
    assert verify().ok
    # Oscar is still the one signed in: his next task is his own.
    assert rf.open("quarantine").status == 200
    assert RfSubmission.objects.filter(pk=str(rf.last_scan_id), user=oscar).exists()


def test_a_wrong_badge_or_pin_is_red_and_releases_nothing(
    site: Site, quarantined: Item, oscar: User, boss: User
) -> None:
    UserFactory.create(username="owen", role=Role.OPERATOR, badge="B-OWEN")
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "release")
    rf.scan(action="in_error")
    with changes_nothing():
        shown = rf.scan("B-OWEN")
    assert (shown.tone, shown.step) == ("error", "badge")
    assert shown.message == "owen is not a supervisor. A supervisor must scan their own badge."
    with changes_nothing():
        shown = rf.scan("B-NOBODY")
    assert (shown.tone, shown.message) == (
        "error",
        "Badge B-NOBODY is not known. Supervisor: scan your own badge.",
    )
    rf.scan("B-SAM")
    with changes_nothing():
        shown = rf.scan("1357")
    assert (shown.tone, shown.step) == ("error", "pin")
    assert shown.message == "That PIN does not match sam's. Type it again."
    # The signed state names the supervisor, never a PIN; the right PIN then releases.
    assert state_of(shown) == {
        "step": "pin",
        "location": site.face1.pk,
        "container": None,
        "item": quarantined.pk,
        "lot": None,
        "qty": 3,
        "reason": "in_error",
        "reason_label": "Quarantined in error",
        "supervisor": boss.pk,
        "supervisor_name": "sam",
    }
    assert "1357" not in visible_text(shown)
    shown = rf.scan(PIN)
    assert shown.tone == "ok", shown.message
    stored = RfSubmission.objects.get(pk=str(rf.last_scan_id)).outcome
    assert PIN not in [str(v) for v in stored["state"].values()] and PIN not in stored["message"]
    assert len(touches(TouchKind.RELEASE)) == 1


def test_a_supervisor_who_lost_the_role_cannot_finish_a_release(
    site: Site, quarantined: Item, oscar: User, boss: User
) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "release")
    rf.scan(action="inspected_ok")
    rf.scan("B-SAM")
    boss.role = Role.OPERATOR
    boss.save(update_fields=["role"])
    with changes_nothing():
        shown = rf.scan(PIN)
    assert (shown.tone, shown.step) == ("error", "pin")


def test_a_retried_pin_submit_releases_once(
    site: Site, quarantined: Item, oscar: User, boss: User
) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "release")
    rf.scan(action="inspected_ok")
    rf.scan("B-SAM")
    state = rf.shown.state if rf.shown else ""
    first = rf.scan(PIN)
    again = rf.resend(state, PIN)
    assert again.message == "Already recorded — " + first.message
    assert len(touches(TouchKind.RELEASE)) == 1


def test_cancel_leaves_the_release_with_nothing_recorded(
    site: Site, quarantined: Item, oscar: User, boss: User
) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "release")
    rf.scan(action="inspected_ok")
    rf.scan("B-SAM")
    with changes_nothing():
        shown = rf.scan(action="cancel")
    assert (shown.step, shown.message) == ("location", "Cancelled; nothing recorded.")


def test_quarantining_costs_a_fixed_number_of_queries(
    site: Site, tents: Item, oscar: User, django_assert_num_queries: Any
) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "quarantine")
    with django_assert_num_queries(20):  # the position: one UPDATE, not insert + lock + update
        shown = rf.scan(action="damaged")
    assert shown.tone == "warn", shown.message


def test_releasing_with_a_pin_costs_a_fixed_number_of_queries(
    site: Site, quarantined: Item, oscar: User, boss: User, django_assert_num_queries: Any
) -> None:
    rf = Scanner(oscar, site.warehouse)
    to_reason(rf, "release")
    rf.scan(action="inspected_ok")
    rf.scan("B-SAM")
    with django_assert_num_queries(21):  # the position: one UPDATE, not insert + lock + update
        shown = rf.scan(PIN)
    assert shown.tone == "ok", shown.message

"""Cycle counts as a service: blind, recounted, approved (docs/floor.md, "Counts").

Oscar counts Northwind's tents on pick face P-01, which holds 10. Sam (and, in the race, Sue)
supervise: only they decide a count whose variance is beyond the warehouse's threshold.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.factories import (
    ClientFactory,
    Site,
    UserFactory,
    changes_nothing,
    ctx,
    make_item,
    make_site,
    run_parallel,
    stock,
)
from wms.accounts.models import Role, User
from wms.catalog.models import Item
from wms.errors import NotPermitted
from wms.inventory import counting, touches
from wms.inventory.counting import AlreadyDecided, CountChanged, CountOutcome, CountPending
from wms.inventory.ledger import ScanContext
from wms.inventory.models import ApprovalState, Balance, CountApproval, Touch, TouchKind
from wms.inventory.reconcile import verify
from wms.layout.models import Location, LocationType


@pytest.fixture
def tents(site: Site, tent: Item, oscar: User) -> Item:
    stock(site, tent, 10, oscar)
    return tent


def at(item: Item, location: Location) -> int:
    row = Balance.objects.filter(item=item, location=location, container=None).first()
    return row.quantity if row else 0


def count_touches() -> list[Touch]:
    return list(
        Touch.objects.filter(kind=TouchKind.COUNT).select_related("from_location").order_by("pk")
    )


def approvals(ws: Site) -> list[CountApproval]:
    return list(CountApproval.objects.filter(warehouse=ws.warehouse).order_by("pk"))


def approval_units(ws: Site, units: int) -> None:
    ws.warehouse.count_approval_units = units
    ws.warehouse.save(update_fields=["count_approval_units"])


def test_a_count_that_agrees_is_recorded_at_once(site: Site, tents: Item, oscar: User) -> None:
    result = counting.record_count(
        ctx(oscar), item=tents, location=site.face1, counted=10, first_count=None
    )
    assert result.outcome == CountOutcome.AGREES and result.recorded
    (touch,) = count_touches()
    assert (touch.actor, touch.quantity, touch.from_location, touch.to_location) == (
        oscar,
        10,
        site.face1,
        site.face1,
    )
    assert touch.reason_code == "cycle_count"
    assert at(tents, site.face1) == 10
    assert verify().ok


def test_a_count_that_differs_asks_for_a_recount_and_records_nothing(
    site: Site, tents: Item, oscar: User
) -> None:
    with changes_nothing(CountApproval.objects.values_list("pk", "state")):
        result = counting.record_count(
            ctx(oscar), item=tents, location=site.face1, counted=8, first_count=None
        )
    assert result.outcome == CountOutcome.RECOUNT and not result.recorded
    assert "10" not in result.message  # blind: the system quantity is never said


def test_a_recount_within_the_threshold_is_final_and_recorded(
    site: Site, tents: Item, oscar: User
) -> None:
    result = counting.record_count(
        ctx(oscar), item=tents, location=site.face1, counted=7, first_count=8
    )
    assert result.outcome == CountOutcome.RECORDED
    assert "10" not in result.message
    (touch,) = count_touches()
    assert touch.actor == oscar and touch.quantity == 3
    assert touch.from_location == site.face1
    assert touch.to_location.type == LocationType.ADJUSTMENT
    assert touch.detail == {"system": 10}
    assert at(tents, site.face1) == 7
    assert approvals(site) == []
    assert verify().ok


def test_a_recount_beyond_the_threshold_waits_for_a_supervisor(
    site: Site, tents: Item, oscar: User
) -> None:
    approval_units(site, 2)
    with changes_nothing():
        result = counting.record_count(
            ctx(oscar), item=tents, location=site.face1, counted=4, first_count=4
        )
    assert result.outcome == CountOutcome.PENDING and not result.recorded
    assert "10" not in result.message
    (approval,) = approvals(site)
    assert result.approval == approval
    assert (approval.counted, approval.system, approval.variance) == (4, 10, -6)
    assert (approval.counted_by, approval.state, approval.item, approval.location) == (
        oscar,
        ApprovalState.PENDING,
        tents,
        site.face1,
    )
    assert approval.client_id == tents.client_id and approval.lot is None


def test_the_threshold_is_inclusive(site: Site, tents: Item, oscar: User) -> None:
    approval_units(site, 2)
    result = counting.record_count(
        ctx(oscar), item=tents, location=site.face1, counted=12, first_count=12
    )
    assert result.outcome == CountOutcome.RECORDED
    assert at(tents, site.face1) == 12


@pytest.fixture
def waiting(site: Site, tents: Item, oscar: User) -> CountApproval:
    approval_units(site, 2)
    result = counting.record_count(
        ctx(oscar), item=tents, location=site.face1, counted=4, first_count=5
    )
    assert result.approval is not None
    return result.approval


def test_approval_records_the_count_as_the_supervisor_against_the_stock_as_it_is_now(
    site: Site, tents: Item, oscar: User, sam: User, waiting: CountApproval
) -> None:
    # Between the count and the approval two tents move away; the count still says 4 are there.
    touches.move(
        ctx(oscar), item=tents, quantity=2, from_location=site.face1, to_location=site.face2
    )
    scan = counting.approve_count(ctx(sam), approval=waiting)
    (touch,) = count_touches()
    assert touch.scan_id == scan.scan_id
    assert (touch.actor, touch.quantity, touch.detail) == (sam, 4, {"system": 8})
    assert touch.to_location.type == LocationType.ADJUSTMENT
    assert at(tents, site.face1) == 4 and at(tents, site.face2) == 2
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decided_by, waiting.scan_id) == (
        ApprovalState.APPROVED,
        sam,
        scan.scan_id,
    )
    assert waiting.decided_at is not None
    assert verify().ok


def test_an_approval_retried_with_the_same_scan_id_records_once(
    site: Site, tents: Item, sam: User, waiting: CountApproval
) -> None:
    same = ScanContext(uuid.uuid4(), sam)
    first = counting.approve_count(same, approval=waiting)
    again = counting.approve_count(same, approval=waiting)
    assert again.replayed and again.touch_ids == first.touch_ids
    assert len(count_touches()) == 1
    with pytest.raises(AlreadyDecided, match="already decided by sam"):
        counting.approve_count(ctx(sam), approval=waiting)


def test_only_a_supervisor_decides_a_count(
    site: Site, tents: Item, oscar: User, waiting: CountApproval
) -> None:
    with changes_nothing(CountApproval.objects.values_list("pk", "state")):
        with pytest.raises(NotPermitted):
            counting.approve_count(ctx(oscar), approval=waiting)
        with pytest.raises(NotPermitted):
            counting.reject_count(approval=waiting, actor=oscar)


def test_a_rejected_count_records_nothing_and_a_new_count_is_due(
    site: Site, tents: Item, oscar: User, sam: User, waiting: CountApproval
) -> None:
    with changes_nothing():
        counting.reject_count(approval=waiting, actor=sam)
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decided_by) == (ApprovalState.REJECTED, sam)
    with pytest.raises(AlreadyDecided):
        counting.approve_count(ctx(sam), approval=waiting)
    result = counting.record_count(
        ctx(oscar), item=tents, location=site.face1, counted=10, first_count=None
    )
    assert result.outcome == CountOutcome.AGREES


def test_a_waiting_count_blocks_another_count_of_the_same_stock(
    site: Site, tents: Item, oscar: User, waiting: CountApproval
) -> None:
    owen = UserFactory.create(username="owen", role=Role.OPERATOR)
    with (
        changes_nothing(CountApproval.objects.values_list("pk", "state")),
        pytest.raises(CountPending, match="by oscar waits for a supervisor"),
    ):
        counting.record_count(
            ctx(owen), item=tents, location=site.face1, counted=10, first_count=None
        )
    # Oscar's own retry of the same final count answers with the count already waiting.
    again = counting.record_count(
        ctx(oscar), item=tents, location=site.face1, counted=4, first_count=5
    )
    assert again.outcome == CountOutcome.PENDING and again.approval == waiting
    assert len(approvals(site)) == 1


def test_a_count_judged_on_stock_that_moved_meanwhile_is_refused(
    site: Site, tents: Item, oscar: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Oscar's count was judged against 9 (a pick landed between the read and the ledger's lock).
    monkeypatch.setattr(counting, "system_quantity", lambda **_: 9)
    with changes_nothing(), pytest.raises(CountChanged, match="Count it again"):
        counting.record_count(
            ctx(oscar), item=tents, location=site.face1, counted=9, first_count=None
        )


def test_a_lot_is_counted_in_its_own_bucket(site: Site, serum: Item, oscar: User) -> None:
    stock(site, serum, 6, oscar)
    lot = serum.lots.get()
    result = counting.record_count(
        ctx(oscar), item=serum, lot=lot, location=site.face1, counted=6, first_count=None
    )
    assert result.outcome == CountOutcome.AGREES
    (touch,) = count_touches()
    assert touch.lot == lot


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_two_supervisors_approving_the_same_count_at_once_record_it_once() -> None:
    northwind = ClientFactory.create(code="NWO")
    site = make_site("CNT1")
    tent = make_item(northwind, "NWO-TENT")
    oscar = UserFactory.create(username="oscar", role=Role.OPERATOR)
    bosses = [
        UserFactory.create(username="sam", role=Role.SUPERVISOR),
        UserFactory.create(username="sue", role=Role.SUPERVISOR),
    ]
    stock(site, tent, 10, oscar)
    approval_units(site, 2)
    result = counting.record_count(
        ctx(oscar), item=tent, location=site.face1, counted=3, first_count=3
    )
    assert result.approval is not None
    approval = result.approval

    results = run_parallel(
        2, lambda i: counting.approve_count(ScanContext(uuid.uuid4(), bosses[i]), approval=approval)
    )

    outcome = sorted(type(r).__name__ for r in results)
    assert outcome == ["AlreadyDecided", "ScanResult"], results
    assert len(count_touches()) == 1
    assert at(tent, site.face1) == 3
    approval.refresh_from_db()
    winner = next(b for b, r in zip(bosses, results, strict=True) if not isinstance(r, Exception))
    assert (approval.state, approval.decided_by) == (ApprovalState.APPROVED, winner)
    report = verify()
    assert report.ok, report.problems


def test_the_back_office_approves_as_the_signed_in_supervisor(
    site: Site, tents: Item, ada: User, waiting: CountApproval
) -> None:
    from django.test import Client as HttpClient

    http = HttpClient()
    http.force_login(ada)
    url = "/admin/wms/countapproval/"
    page = http.get(url, {"state__exact": "pending"})
    assert page.status_code == 200 and "NWO-TENT" in page.content.decode()
    response = http.post(url, {"action": "approve", "_selected_action": [waiting.pk]}, follow=True)
    assert "Approved and recorded 1 count(s)." in response.content.decode()
    (touch,) = count_touches()
    assert touch.actor == ada
    waiting.refresh_from_db()
    assert (waiting.state, waiting.decided_by) == (ApprovalState.APPROVED, ada)
    response = http.post(url, {"action": "reject", "_selected_action": [waiting.pk]}, follow=True)
    assert "already decided by ada" in response.content.decode()


@pytest.mark.parametrize("bad", [-1, True, "7"])
def test_a_count_is_a_whole_number_of_zero_or_more(
    site: Site, tents: Item, oscar: User, bad: Any
) -> None:
    from wms.errors import InvalidQuantity

    with changes_nothing(), pytest.raises(InvalidQuantity):
        counting.record_count(
            ctx(oscar),
            item=tents,
            location=site.face1,
            counted=bad,
            first_count=None,
        )

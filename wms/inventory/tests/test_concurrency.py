"""Contended paths on real parallel PostgreSQL connections (threads, each with its own connection)."""

from __future__ import annotations

import contextlib
import uuid
from collections import Counter
from typing import Any

import pytest

from tests.factories import ClientFactory, UserFactory, make_item, make_site, run_parallel
from wms.accounts.models import Role
from wms.errors import InsufficientStock
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.inventory.models import Balance, Scan, Touch
from wms.inventory.reconcile import verify

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def stocked() -> tuple[Any, Any, Any]:
    client = ClientFactory.create(code="CON")
    site = make_site("CON1")
    op = UserFactory.create(username="con-op", role=Role.OPERATOR)
    item = make_item(client, "CON-HOT")
    touches.receive(ScanContext(uuid.uuid4(), op), item=item, quantity=5, location=site.dock)
    touches.stow(
        ScanContext(uuid.uuid4(), op),
        item=item,
        quantity=5,
        from_location=site.dock,
        to_location=site.face1,
    )
    return site, item, op


def test_twenty_pickers_race_for_five_units(stocked: tuple[Any, Any, Any]) -> None:
    site, item, op = stocked
    totes = [site.tote(f"T-RACE-{i:02d}") for i in range(20)]

    results = run_parallel(
        20,
        lambda i: touches.pick(
            ScanContext(uuid.uuid4(), op),
            item=item,
            quantity=1,
            from_location=site.face1,
            tote=totes[i],
        ),
    )

    outcome = Counter(type(r).__name__ for r in results)
    assert outcome == Counter({"ScanResult": 5, "InsufficientStock": 15}), results
    assert Balance.objects.get(item=item, location=site.face1).quantity == 0
    assert all(
        "CON-HOT at P-01: need 1, only 0 there" in r.message
        for r in results
        if isinstance(r, InsufficientStock)
    )
    report = verify()
    assert report.ok, report.problems


def test_the_same_scan_sent_by_ten_retries_at_once_is_applied_once(
    stocked: tuple[Any, Any, Any],
) -> None:
    site, item, op = stocked
    tote = site.tote("T-DUP")
    scan = ScanContext(uuid.uuid4(), op, "RF-wifi-retry")

    results = run_parallel(
        10,
        lambda _i: touches.pick(scan, item=item, quantity=2, from_location=site.face1, tote=tote),
    )

    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(not r.replayed for r in results) == 1
    assert len({tuple(r.touch_ids) for r in results}) == 1
    assert Scan.objects.filter(pk=scan.scan_id).count() == 1
    assert Touch.objects.filter(scan_id=scan.scan_id).count() == 1
    assert Balance.objects.get(item=item, location=site.face1).quantity == 3
    assert verify().ok


def test_crossing_moves_never_deadlock(stocked: tuple[Any, Any, Any]) -> None:
    """Half the workers move A→B while the other half move B→A: opposite lock orders if unsorted."""
    site, item, op = stocked
    sup = UserFactory.create(username="con-sup", role=Role.SUPERVISOR)
    for place in (site.storage1, site.storage2):
        touches.adjust(
            ScanContext(uuid.uuid4(), sup), item=item, location=place, delta=50, reason_code="TEST"
        )

    def worker(i: int) -> int:
        src, dst = (site.storage1, site.storage2) if i % 2 else (site.storage2, site.storage1)
        for _ in range(15):
            touches.move(
                ScanContext(uuid.uuid4(), op),
                item=item,
                quantity=1,
                from_location=src,
                to_location=dst,
            )
        return 15

    results = run_parallel(8, worker)

    assert results == [15] * 8, results
    assert Balance.objects.get(item=item, location=site.storage1).quantity == 50
    assert Balance.objects.get(item=item, location=site.storage2).quantity == 50
    assert verify().ok


def test_moving_a_tote_while_others_pick_into_it_keeps_stock_with_the_tote(
    stocked: tuple[Any, Any, Any],
) -> None:
    site, item, op = stocked
    tote = site.tote("T-MOVING")
    stops = [site.lane, site.staging, site.pack]  # the tote starts at the pack station

    def worker(i: int) -> int:
        done = 0
        for n in range(4):
            ctx = ScanContext(uuid.uuid4(), op)
            if i == 0:
                touches.move_container(ctx, container=tote, to_location=stops[n % 3])
            else:
                with contextlib.suppress(InsufficientStock):
                    touches.pick(ctx, item=item, quantity=1, from_location=site.face1, tote=tote)
            done += 1
        return done

    results = run_parallel(3, worker)

    assert all(isinstance(r, int) for r in results), results
    tote.refresh_from_db()
    in_tote = Balance.objects.filter(container=tote, quantity__gt=0)
    assert {b.location_id for b in in_tote} <= {tote.location_id}
    report = verify()
    assert report.ok, report.problems

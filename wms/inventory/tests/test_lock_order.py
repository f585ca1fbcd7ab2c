"""Every stock-writing service takes its row locks in the one global order, so two writers can wait
but never deadlock: a count approval row (approve_count only), then pallets (by pk), then other
containers (by pk), then the touched locations (FOR SHARE), then balance rows, then stock positions,
then channel availability rows, then outbox rows. Checked on the SQL each service sends, with
containers created in the worst primary-key order for it.

`test_every_stock_writing_service_is_covered` lists every public function of the inventory's
writing modules (touches, counting, reservations, availability) and fails when one is neither
checked here nor named as writing no stock, so a new service cannot skip this test.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import Site, ctx, stock
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.inventory import availability, counting, reservations, touches
from wms.inventory.models import ChannelRule, StockStatus
from wms.layout import services as layout
from wms.layout.models import Container, Warehouse

IDS = re.compile(r'"wms_container"\."id" IN \(([^)]*)\)')


def lock_sequence(run: Callable[[], Any]) -> list[tuple[str, int]]:
    """The rows each FOR UPDATE newly locked, in order: ("container", pk) or ("balance", 0)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    held: set[int] = set()
    sequence: list[tuple[str, int]] = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.startswith('UPDATE "wms_count_approval"'):
            # approve_count claims its approval by a conditional UPDATE, before any stock lock
            # (a later UPDATE of the same row, which it holds already, locks nothing new).
            if ("approval", 0) not in sequence:
                sequence.append(("approval", 0))
            continue
        if "FROM wms_location" in sql and "FOR SHARE" in sql:
            sequence.append(("location", 0))  # ledger.sellable_flags
            continue
        if sql.lstrip().startswith("INSERT INTO wms_outbox_message"):
            sequence.append(("outbox", 0))  # the listing rows an availability change upserts
            continue
        if sql.startswith('UPDATE "wms_stock_position"'):
            # One position is locked by the UPDATE that adds to it (positions._add_to_existing).
            sequence.append(("position", 0))
            continue
        if "FOR UPDATE" not in sql:
            continue
        if 'FROM "wms_balance"' in sql:
            sequence.append(("balance", 0))
            continue
        if 'FROM "wms_stock_position"' in sql:
            sequence.append(("position", 0))
            continue
        if 'FROM "wms_channel_availability"' in sql:
            sequence.append(("channel", 0))
            continue
        match = IDS.search(sql)
        assert match, sql
        # Within one statement PostgreSQL locks rows in the statement's ORDER BY: pallets, then pk.
        assert re.search(r"ORDER BY CASE WHEN \(?\"wms_container\"\.\"type\" = 'pallet'", sql), sql
        ids = [int(x) for x in match.group(1).split(",")]
        types = dict(Container.objects.filter(pk__in=ids).values_list("pk", "type"))
        for pk in sorted(ids, key=lambda pk: (types[pk] != "pallet", pk)):
            if pk not in held:
                held.add(pk)
                sequence.append(("container", pk))
    return sequence


def assert_global_order(sequence: list[tuple[str, int]]) -> None:
    containers = [pk for kind, pk in sequence if kind == "container"]
    types = dict(Container.objects.filter(pk__in=containers).values_list("pk", "type"))
    ranks = [(types[pk] != "pallet", pk) for pk in containers]
    assert ranks == sorted(ranks), f"containers locked out of order: {sequence}"
    level = {
        "approval": -1,
        "container": 0,
        "location": 1,
        "balance": 2,
        "position": 3,
        "channel": 4,
        "outbox": 5,
    }
    levels = [level[kind] for kind, _ in sequence]
    assert levels == sorted(levels), f"a lock level taken after a later one: {sequence}"


def test_pick_from_a_pallet_locks_the_pallet_before_an_older_tote(
    site: Site, tent: Item, oscar: User
) -> None:
    tote = site.tote("T-OLD")  # lower pk than the pallet
    pallet = layout.create_container(warehouse=site.warehouse, type="pallet", barcode="PAL-NEW")
    touches.receive(ctx(oscar), item=tent, quantity=4, location=site.dock, container=pallet)
    touches.move_container(ctx(oscar), container=pallet, to_location=site.storage1)

    seq = lock_sequence(
        lambda: touches.pick(
            ctx(oscar),
            item=tent,
            quantity=1,
            from_location=site.storage1,
            from_container=pallet,
            tote=tote,
        )
    )

    assert [pk for kind, pk in seq if kind == "container"] == [pallet.pk, tote.pk]
    assert_global_order(seq)


def test_pack_locks_an_older_carton_and_the_tote_together(
    site: Site, tent: Item, oscar: User
) -> None:
    carton = site.carton("C-OLD")  # cartons are often made up before the tote arrives
    tote = site.tote("T-NEW")
    touches.receive(ctx(oscar), item=tent, quantity=2, location=site.dock)
    touches.stow(ctx(oscar), item=tent, quantity=2, from_location=site.dock, to_location=site.face1)
    touches.pick(ctx(oscar), item=tent, quantity=2, from_location=site.face1, tote=tote)

    seq = lock_sequence(
        lambda: touches.pack(ctx(oscar), item=tent, quantity=2, tote=tote, carton=carton)
    )

    assert_global_order(seq)


def test_pallet_moves_and_ships_lock_the_pallet_then_older_children(
    site: Site, tent: Item, oscar: User
) -> None:
    box = layout.create_container(
        warehouse=site.warehouse, type="carton", barcode="C-1", location=site.dock
    )
    pallet = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="P-1", location=site.dock
    )
    touches.receive(ctx(oscar), item=tent, quantity=3, location=site.dock, container=box)
    touches.nest_container(ctx(oscar), container=box, pallet=pallet)

    moved = lock_sequence(
        lambda: touches.move_container(ctx(oscar), container=pallet, to_location=site.lane)
    )
    shipped = lock_sequence(lambda: touches.ship(ctx(oscar), container=pallet))

    for seq in (moved, shipped):
        assert [pk for kind, pk in seq if kind == "container"] == [pallet.pk, box.pk]
        assert_global_order(seq)


def test_moving_a_box_between_pallets_locks_both_pallets_first(site: Site, oscar: User) -> None:
    box = layout.create_container(
        warehouse=site.warehouse, type="carton", barcode="C-2", location=site.dock
    )
    old = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="P-2", location=site.dock
    )
    new = layout.create_container(
        warehouse=site.warehouse, type="pallet", barcode="P-3", location=site.dock
    )
    touches.nest_container(ctx(oscar), container=box, pallet=new)

    seq = lock_sequence(lambda: touches.nest_container(ctx(oscar), container=box, pallet=old))

    assert [pk for kind, pk in seq if kind == "container"] == [old.pk, new.pk, box.pk]
    assert_global_order(seq)
    box.refresh_from_db()
    assert box.parent == old
    touches.unnest_container(ctx(oscar), container=box)
    box.refresh_from_db()
    assert box.parent is None


# --- every stock-writing service ----------------------------------------------------------------

# Public functions of the writing modules that write no stock (checks, reads, internals the
# services below call under their own locks). Each with why.
NOT_STOCK_WRITERS = {
    "touches.check_receiving_location": "a check, no write",
    "touches.check_stow_location": "a check, no write",
    "touches.check_receiving_plate": "a check, no write",
    "touches.check_on_floor": "a check, no write",
    "touches.check_returns_location": "a check, no write",
    "touches.check_lot_code": "a check, no write",
    "touches.check_reason_code": "a check, no write",
    "counting.system_quantity": "a read",
    "counting.pending": "a read",
    "counting.reject_count": "decides an approval row; moves no stock",
    "availability.terms_for": "a read",
    "availability.atp": "arithmetic",
    "availability.channel_quantity": "arithmetic",
    "availability.atp_by_warehouse": "a read",
    "availability.publish": "called inside the services above, after their position locks",
}


@dataclass
class Floor:
    """Stock in every kind of place a service starts from, containers made in awkward pk order."""

    site: Site
    tent: Item
    oscar: User
    sam: User
    carton: Container  # made before the tote: the pack locks the older carton with the tote
    tote: Container
    pallet: Container


@pytest.fixture
def floor(site: Site, nwo: Client, tent: Item, oscar: User, sam: User) -> Floor:
    # A channel listing, so writers that change sellable stock also lock channel (and outbox) rows.
    ChannelRule.objects.create(client=nwo, channel="amazon")
    carton = site.carton("C-OLDER")
    tote = site.tote("T-NEWER")
    pallet = layout.create_container(warehouse=site.warehouse, type="pallet", barcode="PAL-NEWEST")
    stock(site, tent, 10, oscar)
    touches.receive(ctx(oscar), item=tent, quantity=4, location=site.dock, container=pallet)
    touches.pick(ctx(oscar), item=tent, quantity=2, from_location=site.face1, tote=tote)
    return Floor(site, tent, oscar, sam, carton, tote, pallet)


def _reserve(f: Floor) -> Any:
    terms = availability.terms_for(client_id=f.tent.client_id, channel="amazon")
    return reservations.reserve(wanted={(f.tent.pk, f.site.warehouse.pk): 2}, terms=terms)


def _pending_count(f: Floor) -> Any:
    Warehouse.objects.filter(pk=f.site.warehouse.pk).update(count_approval_units=0)
    result = counting.record_count(
        ctx(f.oscar), item=f.tent, location=f.site.face1, counted=3, first_count=3
    )
    assert result.approval is not None
    return result.approval


def _receive_on_pallet(f: Floor) -> Any:
    return touches.receive(
        ctx(f.oscar), item=f.tent, quantity=1, location=f.site.dock, container=f.pallet
    )


def _moved_pallet(f: Floor) -> Any:
    touches.move_container(ctx(f.oscar), container=f.pallet, to_location=f.site.staging)
    return None


def _nested(f: Floor) -> Any:
    touches.nest_container(ctx(f.oscar), container=f.carton, pallet=pallet_at_pack(f))
    return None


def pallet_at_pack(f: Floor) -> Container:
    return layout.create_container(
        warehouse=f.site.warehouse, type="pallet", barcode="PAL-PACK", location=f.site.pack
    )


def _packed(f: Floor) -> Any:
    touches.pack(ctx(f.oscar), item=f.tent, quantity=2, tote=f.tote, carton=f.carton)
    touches.move_container(ctx(f.oscar), container=f.carton, to_location=f.site.lane)
    return None


def _quarantined(f: Floor) -> Any:
    touches.quarantine(
        ctx(f.oscar), item=f.tent, quantity=1, location=f.site.face1, reason_code="dented"
    )
    return None


# service → (set-up, the call whose locks are checked). The set-up runs first, outside the capture.
SCENARIOS: dict[str, tuple[Callable[[Floor], Any], Callable[[Floor, Any], Any]]] = {
    "touches.receive": (lambda f: None, lambda f, _: _receive_on_pallet(f)),
    "touches.stow": (
        lambda f: None,
        lambda f, _: touches.stow(
            ctx(f.oscar),
            item=f.tent,
            quantity=2,
            from_location=f.site.dock,
            from_container=f.pallet,
            to_location=f.site.face2,
        ),
    ),
    "touches.move": (
        lambda f: None,
        lambda f, _: touches.move(
            ctx(f.oscar),
            item=f.tent,
            quantity=1,
            from_location=f.site.face1,
            to_location=f.site.dock,
        ),
    ),
    "touches.move_container": (
        lambda f: None,
        lambda f, _: touches.move_container(
            ctx(f.oscar), container=f.pallet, to_location=f.site.storage1
        ),
    ),
    "touches.stow_container": (
        lambda f: None,
        lambda f, _: touches.stow_container(
            ctx(f.oscar), container=f.pallet, to_location=f.site.storage1
        ),
    ),
    "touches.nest_container": (
        pallet_at_pack,
        lambda f, pallet: touches.nest_container(ctx(f.oscar), container=f.carton, pallet=pallet),
    ),
    "touches.unnest_container": (
        _nested,
        lambda f, _: touches.unnest_container(ctx(f.oscar), container=f.carton),
    ),
    "touches.pick": (
        _reserve,
        lambda f, _: touches.pick(
            ctx(f.oscar),
            item=f.tent,
            quantity=2,
            from_location=f.site.face1,
            tote=f.tote,
            consume_reservation=True,
        ),
    ),
    "touches.pack": (
        lambda f: None,
        lambda f, _: touches.pack(
            ctx(f.oscar), item=f.tent, quantity=2, tote=f.tote, carton=f.carton
        ),
    ),
    "touches.ship": (_packed, lambda f, _: touches.ship(ctx(f.oscar), container=f.carton)),
    "touches.quarantine": (lambda f: None, lambda f, _: _quarantined(f)),
    "touches.release": (
        _quarantined,
        lambda f, _: touches.release(
            ctx(f.sam), item=f.tent, quantity=1, location=f.site.face1, reason_code="fine"
        ),
    ),
    "touches.relabel": (
        lambda f: catalog.add_identifier(
            item=f.tent, kind=IdentifierKind.FNSKU, value="X00LOCK001"
        ),
        lambda f, _: touches.relabel(
            ctx(f.oscar), item=f.tent, quantity=1, location=f.site.face1, new_label="X00LOCK001"
        ),
    ),
    "touches.adjust": (
        lambda f: None,
        lambda f, _: touches.adjust(
            ctx(f.sam), item=f.tent, location=f.site.face1, delta=-1, reason_code="lost"
        ),
    ),
    "touches.count": (
        lambda f: None,
        lambda f, _: touches.count(ctx(f.oscar), item=f.tent, location=f.site.face1, counted=7),
    ),
    "touches.receive_return": (
        lambda f: None,
        lambda f, _: touches.receive_return(
            ctx(f.oscar), item=f.tent, quantity=1, location=f.site.returns, reference="RMA-1"
        ),
    ),
    "touches.dispose": (
        lambda f: None,
        lambda f, _: touches.dispose(
            ctx(f.sam),
            item=f.tent,
            quantity=1,
            location=f.site.face1,
            status=StockStatus.AVAILABLE,
            reason_code="crushed",
        ),
    ),
    "counting.record_count": (
        lambda f: None,
        lambda f, _: counting.record_count(
            ctx(f.oscar), item=f.tent, location=f.site.face1, counted=7, first_count=7
        ),
    ),
    "counting.approve_count": (
        _pending_count,
        lambda f, approval: counting.approve_count(ctx(f.sam), approval=approval),
    ),
    "reservations.reserve": (lambda f: None, lambda f, _: _reserve(f)),
    "reservations.release": (
        _reserve,
        lambda f, _: reservations.release(held={(f.tent.pk, f.site.warehouse.pk): 2}),
    ),
    "availability.republish": (
        lambda f: None,
        lambda f, _: availability.republish(client_id=f.tent.client_id),
    ),
}


def test_every_stock_writing_service_is_covered() -> None:
    modules = {
        "touches": touches,
        "counting": counting,
        "reservations": reservations,
        "availability": availability,
    }
    public = {
        f"{name}.{attr}"
        for name, module in modules.items()
        for attr in getattr(module, "__all__", dir(module))
        if not attr.startswith("_")
        and inspect.isfunction(getattr(module, attr))
        and getattr(module, attr).__module__.startswith(module.__name__)
    }
    assert public == set(SCENARIOS) | set(NOT_STOCK_WRITERS)


@pytest.mark.parametrize("service", sorted(SCENARIOS))
def test_each_stock_writing_service_locks_in_the_global_order(floor: Floor, service: str) -> None:
    prepare, run = SCENARIOS[service]
    made = prepare(floor)

    seq = lock_sequence(lambda: run(floor, made))

    assert seq, f"{service} locked nothing"
    assert_global_order(seq)

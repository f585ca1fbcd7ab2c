"""Every scan takes its row locks in the one global order, so two scans can wait but never deadlock:
pallets (by pk), then other containers (by pk), then balance rows, then stock positions, then
channel availability rows. Checked on the SQL each service
sends, with containers created in the worst primary-key order for it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import Site, ctx
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory import touches
from wms.layout import services as layout
from wms.layout.models import Container

IDS = re.compile(r'"wms_container"\."id" IN \(([^)]*)\)')


def lock_sequence(run: Callable[[], Any]) -> list[tuple[str, int]]:
    """The rows each FOR UPDATE newly locked, in order: ("container", pk) or ("balance", 0)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    held: set[int] = set()
    sequence: list[tuple[str, int]] = []
    for query in captured.captured_queries:
        sql = query["sql"]
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
    level = {"container": 0, "balance": 1, "position": 2, "channel": 3}
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

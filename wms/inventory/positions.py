"""Stock positions: sellable on-hand and reserved per (item, warehouse). See docs/orders.md.

Only the ledger (on-hand, and reserved consumed by picks) and wms/inventory/reservations.py
(reserved) change them, always through `apply`, which locks the rows in primary-key order — after
any container and balance locks of the same transaction — and republishes channel availability.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import connection
from django.db.models import Case, F, Value, When

from wms.inventory import availability
from wms.inventory.models import StockPosition

Key = tuple[int, int]  # (item id, warehouse id)


def lock(keys: Mapping[Key, int]) -> dict[Key, StockPosition]:
    """Ensure a position row exists for each (item, warehouse) → client id, then lock them in pk order."""
    StockPosition.objects.bulk_create(
        [
            StockPosition(item_id=item, warehouse_id=warehouse, client_id=client)
            for (item, warehouse), client in sorted(keys.items())
        ],
        ignore_conflicts=True,
    )
    rows = StockPosition.objects.select_for_update().filter(
        item_id__in={i for i, _ in keys}, warehouse_id__in={w for _, w in keys}
    )
    return {
        (p.item_id, p.warehouse_id): p
        for p in rows.order_by("pk")
        if (p.item_id, p.warehouse_id) in keys
    }


def apply(
    *,
    on_hand: Mapping[Key, int],
    reserved: Mapping[Key, int],
    clients: Mapping[int, int],
    cause: str,
) -> None:
    """Add the deltas to the positions and republish what changed to the channels."""
    touched = set(on_hand) | set(reserved)
    if not touched:
        return
    if len(touched) != 1 or not _add_to_existing(next(iter(touched)), on_hand, reserved):
        rows = lock({key: clients[key[0]] for key in touched})
        StockPosition.objects.filter(pk__in=[rows[k].pk for k in touched]).update(
            on_hand=F("on_hand")
            + Case(*(When(pk=rows[k].pk, then=Value(on_hand.get(k, 0))) for k in touched)),
            reserved=F("reserved")
            + Case(*(When(pk=rows[k].pk, then=Value(reserved.get(k, 0))) for k in touched)),
        )
    if all(on_hand.get(k, 0) == reserved.get(k, 0) for k in touched):
        # A pick of reserved units: on-hand and reserved fell together, so no channel's
        # available-to-promise moved and there is nothing to republish.
        return
    availability.publish(touched, clients=clients, cause=cause)


def _add_to_existing(key: Key, on_hand: Mapping[Key, int], reserved: Mapping[Key, int]) -> bool:
    """One position (a pick, a stow, most scans): add to its row in one conditional UPDATE, which
    locks it (with one row there is no order to keep) — instead of insert-if-missing, lock, update.
    False when the row does not exist yet (nothing was changed): the caller takes the long way.
    Plain SQL, portable to SQLite: the ORM would compile the same statement at several times the
    CPU, on every scan."""
    item, warehouse = key
    with connection.cursor() as cur:
        cur.execute(
            'UPDATE "wms_stock_position" SET "on_hand" = "on_hand" + %s, '
            '"reserved" = "reserved" + %s WHERE "item_id" = %s AND "warehouse_id" = %s',
            [on_hand.get(key, 0), reserved.get(key, 0), item, warehouse],
        )
        return cur.rowcount == 1

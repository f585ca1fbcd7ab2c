"""Reserve and release stock positions. The only code besides a pick that changes `reserved`.

A reservation is one conditional UPDATE per position (docs/orders.md): it succeeds only while
on_hand − reserved − buffers ≥ n, so concurrent orders can never promise more than there is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from django.db import transaction
from django.db.models import F

from wms.catalog.models import Item
from wms.errors import InsufficientStock, Shortage
from wms.inventory import availability, positions
from wms.inventory.availability import ChannelTerms
from wms.inventory.models import StockPosition
from wms.layout.models import Warehouse

Key = tuple[int, int]  # (item id, warehouse id)


def reserve(
    *, wanted: Mapping[Key, int], terms: ChannelTerms, cause: str = "reserve"
) -> dict[Key, StockPosition]:
    """Reserve every (item, warehouse) → quantity, or nothing: one InsufficientStock lists all shortfalls."""
    totals: dict[Key, int] = defaultdict(int)
    for key, n in wanted.items():
        totals[key] += n
    items = {i.pk: i for i in Item.objects.filter(pk__in={i for i, _ in totals})}
    with transaction.atomic():
        rows = positions.lock({key: items[key[0]].client_id for key in totals})
        shortages = []
        for key in sorted(totals, key=lambda k: rows[k].pk):
            n, row = totals[key], rows[key]
            updated = StockPosition.objects.filter(
                pk=row.pk, on_hand__gte=F("reserved") + n + terms.held_back()
            ).update(reserved=F("reserved") + n)
            if not updated:
                shortages.append(
                    Shortage(
                        items[key[0]].sku,
                        Warehouse.objects.only("code").get(pk=key[1]).code,
                        n,
                        availability.atp(row, terms),
                    )
                )
        if shortages:
            raise InsufficientStock(shortages)
        availability.publish(
            set(totals), clients={key[0]: items[key[0]].client_id for key in totals}, cause=cause
        )
    return rows


def release(*, held: Mapping[Key, int], cause: str = "release") -> None:
    """Give reserved units back to available-to-promise."""
    items = dict(Item.objects.filter(pk__in={i for i, _ in held}).values_list("pk", "client_id"))
    with transaction.atomic():
        positions.apply(
            on_hand={},
            reserved={key: -n for key, n in held.items() if n},
            clients=items,
            cause=cause,
        )

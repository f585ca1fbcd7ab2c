"""Reads of stock: the querysets the API, the screens and availability share (services push, selectors
pull). Nothing here locks or writes; callers scope to a client (wms/api/permissions.scope) as they
need.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet, Sum

from wms.inventory.models import Balance, StockPosition
from wms.inventory.sellable import SELLABLE

# --- inventory reads -----------------------------------------------------------------------------


def balances(
    *,
    client_id: int | None = None,
    item_id: int | None = None,
    location_id: int | None = None,
    container_id: int | None = None,
    warehouse_id: int | None = None,
    sku: str = "",
    status: str = "",
    include_virtual: bool = False,
    include_zero: bool = False,
) -> QuerySet[Balance]:
    """Stock per bucket, with what a list shows of each row read in the same query.

    By default only physical, non-empty buckets: the virtual ones (supplier, customer, …) carry the
    other side of every movement, and empty rows are buckets stock has left.
    """
    qs = Balance.objects.select_related("item", "lot", "location", "container")
    exact = {
        "client_id": client_id,
        "item_id": item_id,
        "location_id": location_id,
        "container_id": container_id,
        "location__warehouse_id": warehouse_id,
    }
    qs = qs.filter(**{field: value for field, value in exact.items() if value is not None})
    if sku:
        qs = qs.filter(item__sku=sku)
    if status:
        qs = qs.filter(status=status)
    if not include_virtual:
        qs = qs.filter(is_virtual=False)
    if not include_zero:
        qs = qs.exclude(quantity=0)
    return qs


def sellable_on_hand(*, item_id: int) -> dict[int, int]:
    """Sellable units of an item per warehouse, summed from the balances (what the positions'
    on-hand must equal; `sellable.SELLABLE` decides which rows count)."""
    rows = (
        Balance.objects.filter(SELLABLE, item_id=item_id)
        .values("location__warehouse_id")
        .annotate(units=Sum("quantity"))
        .values_list("location__warehouse_id", "units")
    )
    return {warehouse: units for warehouse, units in rows if units}


def positions(*, item_ids: Iterable[int]) -> QuerySet[StockPosition]:
    """The stock positions (sellable on-hand and reserved per warehouse) of some items, unlocked."""
    return StockPosition.objects.filter(item_id__in=set(item_ids))

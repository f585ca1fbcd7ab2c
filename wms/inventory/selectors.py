"""Reads of stock: the querysets the API, the screens and availability share (services push, selectors
pull). Nothing here locks or writes; callers scope to a client (wms/api/permissions.scope) as they
need.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, Sum

from wms.catalog.models import Item, Lot
from wms.inventory import counting
from wms.inventory.models import Balance, CountApproval, StockPosition, StockStatus
from wms.inventory.sellable import SELLABLE
from wms.layout.models import Container, Location, Warehouse

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


# --- floor reads ---------------------------------------------------------------------------------
# What the RF flows read (wms/floor/flows): the same queries the flows made inline, so the screens'
# pinned query counts hold.


def available_here(*, location: Location, plate: Container | None) -> list[Balance]:
    """Available stock in the plate, or loose at the location, with item and lot, by SKU."""
    rows = Balance.objects.filter(
        location=location, status=StockStatus.AVAILABLE, quantity__gt=0
    ).select_related("item", "lot")
    rows = rows.filter(container=plate) if plate else rows.filter(container__isnull=True)
    return list(rows.order_by("item__sku", "lot__code"))


def available_on_hand(
    *, item: Item, lot: Lot | None, location: Location, plate: Container | None
) -> int:
    row = Balance.objects.filter(
        item=item, lot=lot, location=location, container=plate, status=StockStatus.AVAILABLE
    ).first()
    return row.quantity if row else 0


def loose_in_quarantine(*, item_id: int, lot: Lot | None, location_id: int) -> int:
    quarantined = (
        Balance.objects.filter(
            item_id=item_id,
            lot=lot,
            location_id=location_id,
            container__isnull=True,
            status=StockStatus.QUARANTINE,
        )
        .values_list("quantity", flat=True)
        .first()
    )
    return quarantined or 0


def lot_codes_in(*, container_id: int, item: Item) -> list[str]:
    """The distinct lots of an item a container holds (empty when the item is not lot-tracked)."""
    return list(
        Balance.objects.filter(container_id=container_id, item=item, quantity__gt=0)
        .exclude(lot=None)
        .values_list("lot__code", flat=True)
        .distinct()
    )


def holds_stock(*, container: Container) -> bool:
    return container.balances.filter(quantity__gt=0).exists()


def pending_approval(*, warehouse: Warehouse, pk: int) -> CountApproval | None:
    """A count of this warehouse still waiting for a supervisor (None once decided)."""
    return counting.pending(warehouse).filter(pk=pk).first()


def next_pending_approval(*, warehouse: Warehouse, after: int = 0) -> CountApproval | None:
    """The next waiting count after `after`, wrapping round to the oldest."""
    wrapped = ExpressionWrapper(Q(pk__lte=after), output_field=BooleanField())
    return counting.pending(warehouse).alias(wrapped=wrapped).order_by("wrapped", "pk").first()

"""Reads of stock: balances by place, item and status. Selectors pull; nothing here writes."""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, Q

from wms.catalog.models import Item, Lot
from wms.inventory import counting
from wms.inventory.models import Balance, CountApproval, StockStatus
from wms.layout.models import Container, Location, Warehouse

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

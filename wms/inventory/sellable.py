"""What "sellable" means: the one definition every reader and writer of stock uses.

A unit is sellable when its status is available, it stands at a physical location flagged sellable,
and it is loose or on a pallet. Totes and cartons hold work in progress (picked, packed), never
stock to sell. The ledger keeps the positions' on-hand (and so available-to-promise) from
`is_sellable`; readers that filter balance rows use `SELLABLE`. The verify query in reconcile.py
and `layout.set_sellable` spell the same rule in SQL / a filter: keep them in step with this one.
"""

from __future__ import annotations

from django.db.models import Q

from wms.inventory.models import StockStatus
from wms.layout.models import Container, ContainerType, Location

# Balance rows whose units count toward available-to-promise.
SELLABLE = Q(status=StockStatus.AVAILABLE, location__sellable=True, location__is_virtual=False) & (
    Q(container__isnull=True) | Q(container__type=ContainerType.PALLET)
)


def is_sellable(location: Location, status: str, container: Container | None = None) -> bool:
    """Stock counts toward what channels may sell: available, loose or on a pallet, at a sellable
    physical location."""
    return (
        status == StockStatus.AVAILABLE
        and location.sellable
        and not location.is_virtual
        and (container is None or container.type == ContainerType.PALLET)
    )

"""Stock corrected against the adjustment account: supervisor adjustments and cycle counts."""

from __future__ import annotations

from wms.accounts.models import Role
from wms.catalog.models import Item, Lot
from wms.errors import InvalidQuantity, WrongContainer
from wms.inventory import ledger
from wms.inventory.ledger import Bucket, Movement, Plan, ScanContext, ScanResult
from wms.inventory.models import StockStatus, TouchKind
from wms.inventory.quantities import is_whole
from wms.inventory.touches.checks import (
    _active,
    _ids,
    _lot,
    _physical,
    _placed,
    _reason,
    _role,
    _virtual,
)
from wms.inventory.touches.movement import _transfer
from wms.layout.models import Container, Location, LocationType


def adjust(
    ctx: ScanContext,
    *,
    item: Item,
    location: Location,
    delta: int,
    reason_code: str,
    lot: Lot | None = None,
    container: Container | None = None,
    status: StockStatus = StockStatus.AVAILABLE,
) -> ScanResult:
    """Add (delta > 0) or remove (delta < 0) stock against the adjustment account. Supervisors only."""
    _role(ctx, Role.SUPERVISOR, "An inventory adjustment")
    reason = _reason(reason_code, "An adjustment")
    if not is_whole(delta) or delta == 0:
        raise InvalidQuantity(
            f"Adjustment must be a non-zero whole number, not {delta!r}.", field="delta"
        )
    adjustment = Bucket(_virtual(location.warehouse_id, LocationType.ADJUSTMENT), None, status)
    here = Bucket(location, container, status)
    source, target = (adjustment, here) if delta > 0 else (here, adjustment)
    return _transfer(
        ctx,
        checks=lambda: _physical(location, what="adjustment"),
        kind=TouchKind.ADJUST,
        verb="Adjusted",
        item=item,
        lot=lot,
        quantity=abs(delta),
        source=source,
        target=target,
        reason_code=reason,
    )


def count(
    ctx: ScanContext,
    *,
    item: Item,
    location: Location,
    counted: int,
    lot: Lot | None = None,
    container: Container | None = None,
    status: StockStatus = StockStatus.AVAILABLE,
) -> ScanResult:
    """Record a counted quantity; a variance moves to or from the adjustment account."""
    if not is_whole(counted) or counted < 0:
        raise InvalidQuantity(
            f"Counted quantity must be 0 or more, not {counted!r}.", field="counted"
        )
    here = Bucket(location, container, status)

    def plan() -> Plan:
        _active(item)
        _lot(item, lot)
        _physical(location, what="counting")
        adjustment = Bucket(_virtual(location.warehouse_id, LocationType.ADJUSTMENT), None, status)
        # Lock before reading so the variance is against the quantity nobody else is changing.
        if container is not None and _placed(container).pk != location.pk:
            raise WrongContainer(
                f"{container.barcode} is not at {location.code}; count it where it stands."
            )
        keys = {ledger.bucket_key(item, lot, b): (item, lot, b) for b in (here, adjustment)}
        # The location's share lock comes before the balance locks (the one global order).
        ledger.sellable_flags({location.pk})
        system = ledger.lock_balances(keys)[ledger.bucket_key(item, lot, here)].quantity
        variance = counted - system
        if variance == 0:
            movements = [Movement(item, lot, counted, here, here)] if counted else []
            message = f"Count of {item.sku} at {here.describe()} agrees: {counted}."
        else:
            src, dst = (adjustment, here) if variance > 0 else (here, adjustment)
            movements = [Movement(item, lot, abs(variance), src, dst, detail={"system": system})]
            message = (
                f"Counted {counted} × {item.sku} at {here.describe()}; system had {system} "
                f"(variance {variance:+d})."
            )
        return Plan(movements=movements, message=message, reason_code="cycle_count")

    request = _ids(item=item, lot=lot, location=location, container=container)
    request |= {"counted": counted, "status": status}
    return ledger.record_scan(ctx, kind=TouchKind.COUNT, request=request, plan=plan)

"""Stock changing status or label where it stands: quarantine, release, relabel, dispose."""

from __future__ import annotations

from wms.accounts.models import Role
from wms.catalog.models import Item, Lot
from wms.catalog.selectors import resolve_barcode
from wms.errors import LabelMismatch
from wms.inventory.ledger import Bucket, ScanContext, ScanResult
from wms.inventory.models import StockStatus, TouchKind
from wms.inventory.touches.checks import _between, _physical, _reason, _role, _virtual
from wms.inventory.touches.movement import _transfer
from wms.layout.models import Container, Location, LocationType


def _change_status(
    ctx: ScanContext,
    *,
    kind: TouchKind,
    verb: str,
    item: Item,
    lot: Lot | None,
    quantity: int,
    location: Location,
    container: Container | None,
    to_location: Location | None,
    from_status: StockStatus,
    to_status: StockStatus,
    reason: str,
) -> ScanResult:
    """Stock changes status in place (staying in its container), or moves loose to `to_location`."""
    dest = to_location or location
    return _transfer(
        ctx,
        checks=_between(location, dest, what=kind.label.lower()),
        kind=kind,
        verb=verb,
        item=item,
        lot=lot,
        quantity=quantity,
        source=Bucket(location, container, from_status),
        target=Bucket(dest, container if dest == location else None, to_status),
        reason_code=reason,
    )


def quarantine(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    location: Location,
    reason_code: str,
    lot: Lot | None = None,
    container: Container | None = None,
    to_location: Location | None = None,
    from_status: StockStatus = StockStatus.AVAILABLE,
) -> ScanResult:
    """Take stock out of circulation (in place, or into a quarantine location)."""
    return _change_status(
        ctx,
        kind=TouchKind.QUARANTINE,
        verb="Quarantined",
        item=item,
        lot=lot,
        quantity=quantity,
        location=location,
        container=container,
        to_location=to_location,
        from_status=from_status,
        to_status=StockStatus.QUARANTINE,
        reason=_reason(reason_code, "Quarantine"),
    )


def release(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    location: Location,
    reason_code: str,
    lot: Lot | None = None,
    container: Container | None = None,
    to_location: Location | None = None,
) -> ScanResult:
    """Return quarantined stock to available. Supervisors only."""
    _role(ctx, Role.SUPERVISOR, "Releasing stock from quarantine")
    return _change_status(
        ctx,
        kind=TouchKind.RELEASE,
        verb="Released",
        item=item,
        lot=lot,
        quantity=quantity,
        location=location,
        container=container,
        to_location=to_location,
        from_status=StockStatus.QUARANTINE,
        to_status=StockStatus.AVAILABLE,
        reason=_reason(reason_code, "Release"),
    )


def relabel(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    location: Location,
    new_label: str,
    old_label: str = "",
    lot: Lot | None = None,
    container: Container | None = None,
    status: StockStatus = StockStatus.AVAILABLE,
) -> ScanResult:
    """Record labels applied to units (e.g. FNSKU over UPC). The stock stays where it is."""

    def checks() -> None:
        _physical(location, what="relabel")
        resolved = resolve_barcode(client_id=item.client_id, value=new_label)
        if resolved.item.pk != item.pk:
            raise LabelMismatch(
                f"Label {new_label} belongs to SKU {resolved.item.sku}, not {item.sku}. "
                "Use the label printed for this item."
            )

    bucket = Bucket(location, container, status)
    return _transfer(
        ctx,
        checks=checks,
        kind=TouchKind.RELABEL,
        verb="Relabelled",
        item=item,
        lot=lot,
        quantity=quantity,
        source=bucket,
        target=bucket,
        detail={"old_label": old_label.strip(), "new_label": new_label.strip()},
    )


def dispose(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    location: Location,
    reason_code: str,
    lot: Lot | None = None,
    container: Container | None = None,
    status: StockStatus = StockStatus.DAMAGED,
) -> ScanResult:
    """Scrap stock. Supervisors only."""
    _role(ctx, Role.SUPERVISOR, "Disposing of stock")
    reason = _reason(reason_code, "Disposal")
    scrap = Bucket(_virtual(location.warehouse_id, LocationType.SCRAP), None, status)
    return _transfer(
        ctx,
        checks=lambda: _physical(location, what="disposal"),
        kind=TouchKind.DISPOSE,
        verb="Disposed",
        item=item,
        lot=lot,
        quantity=quantity,
        source=Bucket(location, container, status),
        target=scrap,
        reason_code=reason,
    )

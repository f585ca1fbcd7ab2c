"""Stock arriving: from a supplier (receive) or back from a customer (receive_return)."""

from __future__ import annotations

import datetime as dt

from wms.catalog.models import Item
from wms.errors import (
    InvalidQuantity,
    ReasonRequired,
    SerialRequired,
)
from wms.inventory import ledger
from wms.inventory.ledger import Bucket, ContainerMove, Movement, Plan, ScanContext, ScanResult
from wms.inventory.models import StockStatus, TouchKind
from wms.inventory.touches.checks import (
    RECEIVING_TYPES,
    _active,
    _ids,
    _lot_for_receipt,
    _physical,
    _qty,
    _qty_text,
    _virtual,
    check_reason_code,
    check_receiving_plate,
    check_returns_location,
)
from wms.layout.models import Container, Location, LocationType


def receive(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    location: Location,
    container: Container | None = None,
    lot_code: str = "",
    expiry_date: dt.date | None = None,
    serial: str = "",
    reference: str = "",
) -> ScanResult:
    """Supplier → a receiving location (dock, staging or quarantine), optionally onto a plate."""
    status = (
        StockStatus.QUARANTINE
        if location.type == LocationType.QUARANTINE
        else StockStatus.AVAILABLE
    )

    def plan() -> Plan:
        _qty(quantity)
        _active(item)
        _physical(location, allowed=RECEIVING_TYPES, what="receiving")
        if item.tracks_serials:
            if not serial.strip():
                raise SerialRequired(f"SKU {item.sku} is serial-tracked: scan the serial number.")
            if quantity != 1:
                raise InvalidQuantity(
                    f"SKU {item.sku} is serial-tracked: receive one unit per serial."
                )
        lot = _lot_for_receipt(item, lot_code, expiry_date)
        supplier = _virtual(location.warehouse_id, LocationType.SUPPLIER)
        moves = []
        if container is not None:
            plate = check_receiving_plate(
                ledger.lock_containers([container])[container.pk], location=location
            )
            if plate.location_id is None:  # a new plate: this receipt places it
                moves.append(ContainerMove((plate,), location))
        where = location.code + (f" on {container.barcode}" if container else "")
        return Plan(
            movements=[
                Movement(
                    item=item,
                    lot=lot,
                    quantity=quantity,
                    source=Bucket(supplier, None, StockStatus.AVAILABLE),
                    target=Bucket(location, container, status),
                    serial=serial.strip(),
                )
            ],
            container_moves=moves,
            reference=reference,
            message=f"Received {_qty_text(quantity, item)} into {where}.",
        )

    request = _ids(item=item, quantity=quantity, location=location, container=container)
    request |= {"lot": lot_code, "expiry": expiry_date, "serial": serial, "reference": reference}
    return ledger.record_scan(ctx, kind=TouchKind.RECEIVE, request=request, plan=plan)


def receive_return(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    location: Location,
    reference: str,
    status: StockStatus = StockStatus.AVAILABLE,
    lot_code: str = "",
    expiry_date: dt.date | None = None,
    reason_code: str = "",
) -> ScanResult:
    """Customer → a returns location, graded as available or damaged."""
    _qty(quantity)
    if not reference.strip():
        raise ReasonRequired(
            "A return needs the order or RMA number it belongs to.", field="reference"
        )

    def plan() -> Plan:
        _active(item)
        check_returns_location(location)
        check_reason_code(reason_code)
        lot = _lot_for_receipt(item, lot_code, expiry_date)
        customer = _virtual(location.warehouse_id, LocationType.CUSTOMER)
        return Plan(
            movements=[
                Movement(
                    item, lot, quantity, Bucket(customer, None), Bucket(location, None, status)
                )
            ],
            reference=reference,
            reason_code=reason_code,
            message=f"Returned {_qty_text(quantity, item)} into {location.code} as {status}.",
        )

    request = _ids(item=item, quantity=quantity, location=location)
    request |= {"status": status, "lot": lot_code, "expiry": expiry_date, "reference": reference}
    request |= {"reason": reason_code}
    return ledger.record_scan(ctx, kind=TouchKind.RETURN, request=request, plan=plan)

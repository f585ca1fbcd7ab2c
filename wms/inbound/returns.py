"""Customer returns (RMA): opening one, receiving its units graded, and what becomes of each unit."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from wms.catalog.models import Client, Item
from wms.errors import (
    ScanIdReused,
    WrongClient,
    WrongLocation,
    WrongLocationType,
)
from wms.inbound.common import (
    AlreadyClosed,
    DispositionNotAllowed,
    DispositionRequired,
    DuplicateReference,
    InvalidGrade,
    NotExpected,
    OverReceipt,
    ReferenceRequired,
    _qty,
    announce_inbound,
)
from wms.inbound.models import (
    Disposition,
    Grade,
    Return,
    ReturnUnit,
)
from wms.inventory import touches
from wms.inventory.ledger import ScanContext, ScanResult
from wms.inventory.models import Scan, StockStatus, Touch
from wms.layout.models import Location, LocationType, Warehouse
from wms.orders.locking import lock_order
from wms.orders.models import Order, OrderLine, OrderState

RESTOCK_TYPES = (LocationType.STORAGE, LocationType.PICK_FACE)
RETURNABLE_STATES = (OrderState.SHIPPED, OrderState.DELIVERED)


def _received_status(grade: str) -> StockStatus:
    """Only a sellable grade comes back as available stock; every other grade is damaged."""
    return StockStatus.AVAILABLE if grade == Grade.SELLABLE else StockStatus.DAMAGED


def open_return(
    *, client: Client, warehouse: Warehouse, rma: str, order: Order | None = None
) -> Return:
    """Open an RMA, optionally against the shipped order it comes back from."""
    code = (rma or "").strip()
    if not code:
        raise ReferenceRequired("A return needs its RMA number.", field="rma")
    if order is not None:
        if order.client_id != client.pk:
            raise WrongClient(
                f"Order {order.external_id} belongs to another brand, not {client.code}.",
                field="order",
            )
        if order.state not in RETURNABLE_STATES:
            raise NotExpected(
                f"Order {order.external_id} is {OrderState(order.state).label.lower()}; only a "
                "shipped or delivered order can come back. Check the order number, or open the "
                "RMA without an order.",
                field="order",
            )
    try:
        with transaction.atomic():
            return Return.objects.create(client=client, warehouse=warehouse, rma=code, order=order)
    except IntegrityError:
        if not Return.objects.filter(client=client, rma=code).exists():
            raise
        raise DuplicateReference(
            f"{client.code} already has RMA {code}; receive against it, or use a new RMA number.",
            field="rma",
        ) from None


def _lock_order_lines(ret: Return, item: Item) -> tuple[Order | None, list[OrderLine]]:
    """The RMA's order, locked (first, as the order services do) so two returns of the same order
    cannot jointly exceed what shipped, and its lines for the item."""
    if ret.order_id is None:
        return None, []
    order = lock_order(ret.order_id)
    lines = list(OrderLine.objects.filter(order=order, item=item).order_by("pk"))
    if not lines:
        raise NotExpected(
            f"SKU {item.sku} is not on order {order.external_id}; check the item, or "
            "receive it on an RMA without an order.",
            field="item",
        )
    return order, lines


def _refuse_more_than_shipped(
    *, order: Order, item: Item, lines: list[OrderLine], quantity: int
) -> None:
    shipped = sum(ln.shipped for ln in lines)
    returned = (
        ReturnUnit.objects.filter(ret__order=order, item=item).aggregate(n=Sum("quantity"))["n"]
        or 0
    )
    if returned + quantity > shipped:
        raise OverReceipt(
            f"Order {order.external_id} shipped {_qty(shipped, item)} and {returned} "
            f"came back already; {quantity} more is more than was shipped. Count again, "
            "or receive the extra units on an RMA without an order.",
            field="quantity",
        )


def receive_return_units(
    ctx: ScanContext,
    *,
    ret: Return,
    item: Item,
    quantity: int,
    grade: Grade,
    location: Location,
    lot_code: str = "",
    expiry_date: dt.date | None = None,
) -> ReturnUnit:
    """Receive graded units of an RMA into a returns location, pending a disposition.

    A repeated scan id returns the unit its first call created. ReturnUnit has no scan column, so
    the link is its `received_at`, set to the touch's (= the scan's) `created_at`; together with
    return, item, quantity, grade and location it names that unit.
    """
    if grade not in Grade.values:
        raise InvalidGrade(f"Grade must be one of {', '.join(Grade.values)}.", field="grade")
    if item.client_id != ret.client_id:
        raise WrongClient(
            f"SKU {item.sku} belongs to another brand, not the owner of RMA {ret.rma}.",
            field="item",
        )
    if location.warehouse_id != ret.warehouse_id:
        raise WrongLocation(
            f"RMA {ret.rma} is received at another warehouse; {location.code} is not one of its "
            "returns locations.",
            field="location",
        )
    with transaction.atomic():
        order, lines = _lock_order_lines(ret, item)
        scan = touches.receive_return(
            ctx,
            item=item,
            quantity=quantity,
            location=location,
            reference=ret.rma,
            status=_received_status(grade),
            lot_code=lot_code,
            expiry_date=expiry_date,
            reason_code=grade,
        )
        touch = Touch.objects.get(pk=scan.touch_ids[0])
        same = ReturnUnit.objects.filter(
            ret=ret, item=item, quantity=quantity, grade=grade, location=location
        )
        if scan.replayed:
            unit = same.filter(received_at=touch.created_at).first()
            if unit is None:
                raise ScanIdReused(
                    f"Scan id {ctx.scan_id} was already used outside RMA {ret.rma}. The device "
                    "must send a new scan id for each new scan."
                )
            return unit
        if order is not None:
            _refuse_more_than_shipped(order=order, item=item, lines=lines, quantity=quantity)
        unit = ReturnUnit.objects.create(
            ret=ret,
            item=item,
            lot_id=touch.lot_id,
            quantity=quantity,
            grade=grade,
            location=location,
            received_at=touch.created_at,
        )
        announce_inbound(
            "return_received",
            client_id=ret.client_id,
            about=order,
            rma=ret.rma,
            order=order.external_id if order else None,
            sku=item.sku,
            lot=touch.lot.code if touch.lot else "",
            quantity=quantity,
            grade=grade,
        )
    return unit


def _quarantine_location(warehouse_id: int) -> Location:
    found = (
        Location.objects.filter(
            warehouse_id=warehouse_id, type=LocationType.QUARANTINE, active=True
        )
        .order_by("sequence", "code")
        .first()
    )
    if found is None:
        raise WrongLocation(
            "This warehouse has no active quarantine location; scan where the units go, or ask "
            "an admin to create one.",
            field="to_location",
        )
    return found


def _dispose_touch(
    ctx: ScanContext, unit: ReturnUnit, disposition: Disposition, to_location: Location | None
) -> ScanResult:
    """The one touch that carries out a disposition, from the unit's returns location."""
    status = _received_status(unit.grade)
    reason = f"return_{unit.grade}"
    what = f"{_qty(unit.quantity, unit.item)} of RMA {unit.ret.rma}"
    if disposition == Disposition.RESTOCKED:
        if unit.grade != Grade.SELLABLE:
            raise DispositionNotAllowed(
                f"{what} was graded {unit.grade}; quarantine or dispose it.", field="disposition"
            )
        if to_location is None:
            raise WrongLocation(
                "Restocking needs a destination: scan the storage or pick-face location.",
                field="to_location",
            )
        if to_location.type not in RESTOCK_TYPES:
            raise WrongLocationType(
                f"{to_location.code} is a {to_location.get_type_display().lower()} location; "
                "restock to a storage or pick-face location.",
                field="to_location",
            )
        return touches.move(
            ctx,
            item=unit.item,
            quantity=unit.quantity,
            lot=unit.lot,
            from_location=unit.location,
            to_location=to_location,
            status=status,
            reason_code=reason,
        )
    if disposition == Disposition.QUARANTINED:
        return touches.quarantine(
            ctx,
            item=unit.item,
            quantity=unit.quantity,
            lot=unit.lot,
            location=unit.location,
            to_location=to_location or _quarantine_location(unit.location.warehouse_id),
            from_status=status,
            reason_code=reason,
        )
    # Disposed: touches.dispose refuses anyone below supervisor.
    return touches.dispose(
        ctx,
        item=unit.item,
        quantity=unit.quantity,
        lot=unit.lot,
        location=unit.location,
        status=status,
        reason_code=reason,
    )


def dispose_return_unit(
    ctx: ScanContext,
    *,
    unit: ReturnUnit,
    disposition: Disposition,
    to_location: Location | None = None,
) -> ReturnUnit:
    """Decide what becomes of a pending return unit: restock, quarantine or dispose of it.

    The unit's `location` stays where it was received; the touch records where it went.
    """
    if disposition not in Disposition.values or disposition == Disposition.PENDING:
        raise DispositionRequired(
            "Choose a disposition: restocked, quarantined or disposed.", field="disposition"
        )
    with transaction.atomic():
        # Locked and re-read: of two operators deciding at once, the second sees the first's.
        fresh = ReturnUnit.objects.select_for_update().get(pk=unit.pk)
        if fresh.disposition != Disposition.PENDING:
            # A retry of the scan that decided it replays (or is refused as a reused scan id).
            if Scan.objects.filter(pk=ctx.scan_id).exists():
                _dispose_touch(ctx, fresh, disposition, to_location)
                return fresh
            raise AlreadyClosed(
                f"{_qty(fresh.quantity, fresh.item)} of RMA {fresh.ret.rma} is already "
                f"{fresh.disposition}; nothing more to do."
            )
        scan = _dispose_touch(ctx, fresh, disposition, to_location)
        if scan.replayed:
            raise ScanIdReused(
                f"Scan id {ctx.scan_id} was already used for another return unit. The device "
                "must send a new scan id for each new scan."
            )
        fresh.disposition = disposition
        fresh.disposed_at = timezone.now()
        fresh.save(update_fields=["disposition", "disposed_at"])
        order = Order.objects.get(pk=fresh.ret.order_id) if fresh.ret.order_id else None
        touch = Touch.objects.select_related("to_location").get(pk=scan.touch_ids[0])
        announce_inbound(
            "return_disposition",
            client_id=fresh.ret.client_id,
            about=order,
            rma=fresh.ret.rma,
            order=order.external_id if order else None,
            sku=fresh.item.sku,
            quantity=fresh.quantity,
            grade=fresh.grade,
            disposition=disposition,
            location=touch.to_location.code,
        )
    return fresh

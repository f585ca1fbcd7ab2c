"""Stock coming in against paperwork: expected receipts (ASN / PO) and customer returns.

Every unit still moves through `wms.inventory.touches`; these services keep what the paperwork says
(lines expected and received, return units and what became of them) in the same transaction as the
touch, and write the `Event` the brand's systems must hear.

Retries follow the ledger's rule (docs/ledger.md): checks that depend on current state (receipt
still open, tolerance left, unit still pending) run after the touch's scan-id gate, so a repeated
scan id replays its first answer instead of being refused — and is never counted twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.errors import (
    DomainError,
    InvalidQuantity,
    ItemInactive,
    NotPermitted,
    ScanIdReused,
    WrongClient,
    WrongLocation,
    WrongLocationType,
)
from wms.inbound.models import (
    Disposition,
    ExpectedReceipt,
    ExpectedReceiptLine,
    Grade,
    ReceiptKind,
    ReceiptState,
    Return,
    ReturnUnit,
)
from wms.inventory import touches
from wms.inventory.ledger import ScanContext, ScanResult
from wms.inventory.models import Balance, Scan, StockStatus, Touch
from wms.layout.models import Container, Location, LocationType, Warehouse
from wms.orders.locking import lock_order
from wms.orders.models import Event, Order, OrderLine, OrderState
from wms.outbox.queue import queue_event

PUTAWAY_SUGGESTIONS = 5
RESTOCK_TYPES = (LocationType.STORAGE, LocationType.PICK_FACE)
RETURNABLE_STATES = (OrderState.SHIPPED, OrderState.DELIVERED)


class DuplicateReference(DomainError):
    code = "duplicate_reference"
    http_status = 409


class NotExpected(DomainError):
    """The item, or the order, is not what the paperwork says is coming."""

    code = "not_expected"


class OverReceipt(DomainError):
    code = "over_receipt"
    http_status = 409


class AlreadyClosed(DomainError):
    """The receipt is complete, or the return unit already has its disposition."""

    code = "already_closed"
    http_status = 409


# --- expected receipts -------------------------------------------------------------------------


def _label(receipt: ExpectedReceipt) -> str:
    return f"{ReceiptKind(receipt.kind).name} {receipt.reference}"


def _qty(quantity: int, item: Item) -> str:
    return f"{quantity} × {item.sku}"


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _percent(value: int, *, field: str, cap: int | None = None) -> int:
    if not _whole(value) or value < 0 or (cap is not None and value > cap):
        most = f" and at most {cap}" if cap is not None else ""
        raise DomainError(
            f"A tolerance is a whole percentage of 0 or more{most}; you entered {value!r}.",
            field=field,
        )
    return value


def over_receipt_max(line: ExpectedReceiptLine, receipt: ExpectedReceipt) -> int:
    """The most that may be received on a line: rounded down, so 10% of 7 allows none over."""
    return line.quantity + line.quantity * receipt.over_tolerance_percent // 100


def under_receipt_min(line: ExpectedReceiptLine, receipt: ExpectedReceipt) -> int:
    """The least that completes a line without a supervisor: the allowance is rounded down too."""
    return line.quantity - line.quantity * receipt.under_tolerance_percent // 100


def create_receipt(
    *,
    client: Client,
    warehouse: Warehouse,
    reference: str,
    lines: list[tuple[Item, int]],
    kind: str = ReceiptKind.ASN,
    supplier: str = "",
    expected_at: dt.datetime | None = None,
    over_tolerance_percent: int = 0,
    under_tolerance_percent: int = 0,
) -> ExpectedReceipt:
    """Record what a brand says is coming: one line per SKU, with its tolerances."""
    if kind not in ReceiptKind.values:
        raise DomainError(f"A receipt is an ASN or a PO, not {kind!r}.", field="kind")
    ref = (reference or "").strip()
    if not ref:
        raise DomainError("An expected receipt needs its ASN or PO number.", field="reference")
    label = f"{ReceiptKind(kind).name} {ref}"
    if not warehouse.active:
        raise WrongLocation(
            f"Warehouse {warehouse.code} is inactive; expect the receipt at another.",
            field="warehouse",
        )
    _percent(over_tolerance_percent, field="over_tolerance_percent", cap=1000)
    _percent(under_tolerance_percent, field="under_tolerance_percent", cap=100)
    if not lines:
        raise DomainError(f"{label} has no lines; add each SKU with its quantity.", field="lines")
    seen: set[int] = set()
    for item, quantity in lines:
        if item.client_id != client.pk:
            raise WrongClient(
                f"SKU {item.sku} belongs to another brand; {label} can only list {client.code}'s "
                "SKUs.",
                field="lines",
            )
        if not item.active:
            raise ItemInactive(
                f"SKU {item.sku} is inactive; ask an item-master admin to reactivate it before "
                "expecting it.",
                field="lines",
            )
        if not _whole(quantity) or quantity < 1:
            raise InvalidQuantity(
                f"Line {item.sku}: quantity must be a whole number of at least 1, not {quantity!r}.",
                field="lines",
            )
        # Refused rather than merged: two lines for one SKU are usually a typo in one of them.
        if item.pk in seen:
            raise DomainError(
                f"SKU {item.sku} is on {label} twice; put its total quantity on one line.",
                field="lines",
            )
        seen.add(item.pk)
    # The unique constraint is the gate, so two imports of the same ASN cannot both get in.
    try:
        with transaction.atomic():
            receipt = ExpectedReceipt.objects.create(
                client=client,
                warehouse=warehouse,
                kind=kind,
                reference=ref,
                supplier=supplier.strip(),
                expected_at=expected_at,
                over_tolerance_percent=over_tolerance_percent,
                under_tolerance_percent=under_tolerance_percent,
            )
            ExpectedReceiptLine.objects.bulk_create(
                ExpectedReceiptLine(receipt=receipt, item=item, quantity=quantity)
                for item, quantity in lines
            )
    except IntegrityError:
        if not ExpectedReceipt.objects.filter(client=client, reference=ref).exists():
            raise
        raise DuplicateReference(
            f"{client.code} already has a receipt {ref}; receive against it, or give the new one "
            "its own number.",
            field="reference",
        ) from None
    return receipt


@dataclass(frozen=True)
class ReceiptResult:
    scan: ScanResult
    received: int  # on the line, this scan included
    expected: int
    warning: str = ""


def _over_warning(receipt: ExpectedReceipt, line: ExpectedReceiptLine, item: Item) -> str:
    if line.received <= line.quantity:
        return ""
    return (
        f"{_label(receipt)}: {line.received} × {item.sku} received against {line.quantity} "
        f"expected ({line.received - line.quantity} over, within the "
        f"{receipt.over_tolerance_percent}% over-receipt tolerance)."
    )


def receive_against(
    ctx: ScanContext,
    *,
    receipt: ExpectedReceipt,
    item: Item,
    quantity: int,
    location: Location,
    container: Container | None = None,
    lot_code: str = "",
    expiry_date: dt.date | None = None,
    serial: str = "",
) -> ReceiptResult:
    """Receive units of a line of an ASN/PO; over-receipt is refused beyond the tolerance."""
    label = _label(receipt)
    line_pk = (
        ExpectedReceiptLine.objects.filter(receipt=receipt, item=item)
        .values_list("pk", flat=True)
        .first()
    )
    if line_pk is None:
        raise NotExpected(
            f"SKU {item.sku} is not on {label}; receive it blind or ask the brand to amend the "
            f"{ReceiptKind(receipt.kind).name}.",
            field="item",
        )
    if location.warehouse_id != receipt.warehouse_id:
        raise WrongLocation(
            f"{label} is expected at another warehouse; {location.code} is not one of its "
            "receiving locations.",
            field="location",
        )
    with transaction.atomic():
        # Lock order, shared with complete_receipt: the receipt row (only while it is still open),
        # then the line, then whatever the ledger locks.
        ExpectedReceipt.objects.filter(pk=receipt.pk, state=ReceiptState.OPEN).update(
            state=ReceiptState.RECEIVING
        )
        # The line is locked before its tolerance is read: two receivers cannot jointly exceed it.
        line = ExpectedReceiptLine.objects.select_for_update().get(pk=line_pk)
        scan = touches.receive(
            ctx,
            item=item,
            quantity=quantity,
            location=location,
            container=container,
            lot_code=lot_code,
            expiry_date=expiry_date,
            serial=serial,
            reference=receipt.reference,
        )
        if scan.replayed:
            return ReceiptResult(
                scan, line.received, line.quantity, _over_warning(receipt, line, item)
            )
        # After the scan gate, so a retry replays (above) instead of hitting these. A refusal
        # raises out of the transaction and takes the touch with it.
        state = ExpectedReceipt.objects.values_list("state", flat=True).get(pk=receipt.pk)
        if state == ReceiptState.COMPLETE:
            raise AlreadyClosed(
                f"{label} is complete; receive {item.sku} blind or ask the brand for a new "
                f"{ReceiptKind(receipt.kind).name}."
            )
        most = over_receipt_max(line, receipt)
        if line.received + quantity > most:
            room = most - line.received
            then = (
                f"Receive at most {room}, or ask the brand to amend it."
                if room > 0
                else "Nothing more can be received against it; ask the brand to amend it."
            )
            raise OverReceipt(
                f"{label} expects {_qty(line.quantity, item)}, {line.received} received; "
                f"{quantity} more would exceed the {receipt.over_tolerance_percent}% over-receipt "
                f"tolerance (max {most}). {then}",
                field="quantity",
            )
        line.received += quantity
        line.save(update_fields=["received"])
    return ReceiptResult(scan, line.received, line.quantity, _over_warning(receipt, line, item))


@transaction.atomic
def complete_receipt(*, receipt: ExpectedReceipt, actor: User) -> ExpectedReceipt:
    """Close an ASN/PO. Lines short beyond the under-receipt tolerance need a supervisor."""
    label = _label(receipt)
    if not actor.has_role(Role.OPERATOR):
        raise NotPermitted(f"Completing {label} needs warehouse staff; a brand user cannot.")
    fresh = ExpectedReceipt.objects.select_for_update().get(pk=receipt.pk)
    if fresh.state == ReceiptState.COMPLETE:
        raise AlreadyClosed(f"{label} is already complete; nothing more to do.")
    # Every line locked (pk order): a receipt in flight either finishes first or sees `complete`.
    lines = list(
        ExpectedReceiptLine.objects.select_for_update(of=("self",))
        .select_related("item")
        .filter(receipt=fresh)
        .order_by("pk")
    )
    short = [ln for ln in lines if ln.received < under_receipt_min(ln, fresh)]
    if short and not actor.has_role(Role.SUPERVISOR):
        listed = "; ".join(f"{ln.item.sku} {ln.received} of {ln.quantity}" for ln in short)
        raise NotPermitted(
            f"{label} is short beyond its {fresh.under_tolerance_percent}% under-receipt "
            f"tolerance: {listed}. Receive the rest, or ask a supervisor to complete it short."
        )
    fresh.state = ReceiptState.COMPLETE
    fresh.completed_at = timezone.now()
    fresh.save(update_fields=["state", "completed_at"])
    _event(
        "receipt_complete",
        client_id=fresh.client_id,
        reference=fresh.reference,
        kind=fresh.kind,
        completed_by=actor.username,
        short_approved=bool(short),
        lines=[
            {"sku": ln.item.sku, "expected": ln.quantity, "received": ln.received} for ln in lines
        ],
    )
    return fresh


def suggest_putaway(*, item: Item, warehouse: Warehouse, quantity: int) -> list[Location]:
    """Where to stow: the item's own pick faces first, then empty storage, in walking order.

    `quantity` is validated but does not yet narrow the list: locations carry no capacity, so
    every empty storage location is assumed to fit.
    """
    if not _whole(quantity) or quantity < 1:
        raise InvalidQuantity(
            f"Quantity must be a whole number of at least 1; you entered {quantity!r}.",
            field="quantity",
        )
    here = Location.objects.filter(warehouse=warehouse, active=True).order_by("sequence", "code")
    holds_item = Balance.objects.filter(location=OuterRef("pk"), item=item, quantity__gt=0)
    faces = list(here.filter(Exists(holds_item), type=LocationType.PICK_FACE)[:PUTAWAY_SUGGESTIONS])
    room = PUTAWAY_SUGGESTIONS - len(faces)
    if room <= 0:
        return faces
    # "Empty" means no stock of anything in any status, not merely none of this item.
    holds_anything = Balance.objects.filter(location=OuterRef("pk")).exclude(quantity=0)
    empty = here.filter(type=LocationType.STORAGE).exclude(Exists(holds_anything))
    return faces + list(empty[:room])


# --- returns -----------------------------------------------------------------------------------


def _received_status(grade: str) -> StockStatus:
    """Only a sellable grade comes back as available stock; every other grade is damaged."""
    return StockStatus.AVAILABLE if grade == Grade.SELLABLE else StockStatus.DAMAGED


def _event(kind: str, /, *, client_id: int, about: Order | None = None, **payload: object) -> None:
    """Queue what the brand's systems must hear, in the caller's transaction."""
    event = Event.objects.create(
        kind=kind,
        client_id=client_id,
        order=about,
        payload={"at": timezone.now().isoformat(), **payload},
    )
    queue_event(event, channel=about.channel if about is not None else None)


def open_return(
    *, client: Client, warehouse: Warehouse, rma: str, order: Order | None = None
) -> Return:
    """Open an RMA, optionally against the shipped order it comes back from."""
    code = (rma or "").strip()
    if not code:
        raise DomainError("A return needs its RMA number.", field="rma")
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
        raise DomainError(f"Grade must be one of {', '.join(Grade.values)}.", field="grade")
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
        order: Order | None = None
        lines: list[OrderLine] = []
        if ret.order_id is not None:
            # The order row is locked (first, as the order services do) so two returns of the same
            # order cannot jointly exceed what shipped.
            order = lock_order(ret.order_id)
            lines = list(OrderLine.objects.filter(order=order, item=item).order_by("pk"))
            if not lines:
                raise NotExpected(
                    f"SKU {item.sku} is not on order {order.external_id}; check the item, or "
                    "receive it on an RMA without an order.",
                    field="item",
                )
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
            shipped = sum(ln.shipped for ln in lines)
            returned = (
                ReturnUnit.objects.filter(ret__order=order, item=item).aggregate(n=Sum("quantity"))[
                    "n"
                ]
                or 0
            )
            if returned + quantity > shipped:
                raise OverReceipt(
                    f"Order {order.external_id} shipped {_qty(shipped, item)} and {returned} "
                    f"came back already; {quantity} more is more than was shipped. Count again, "
                    "or receive the extra units on an RMA without an order.",
                    field="quantity",
                )
        unit = ReturnUnit.objects.create(
            ret=ret,
            item=item,
            lot_id=touch.lot_id,
            quantity=quantity,
            grade=grade,
            location=location,
            received_at=touch.created_at,
        )
        _event(
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
            raise DomainError(
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
        raise DomainError(
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
        _event(
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

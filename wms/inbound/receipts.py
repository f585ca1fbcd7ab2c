"""Expected receipts (ASN / PO): the paperwork, receiving against it, completing it, and where to
put the stock away."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.errors import (
    InvalidQuantity,
    ItemInactive,
    NotPermitted,
    WrongClient,
    WrongLocation,
)
from wms.inbound.common import (
    AlreadyClosed,
    DuplicateLine,
    DuplicateReference,
    EmptyReceipt,
    InvalidTolerance,
    NotExpected,
    OverReceipt,
    ReferenceRequired,
    UnknownReceiptKind,
    _qty,
    announce_inbound,
)
from wms.inbound.models import (
    ExpectedReceipt,
    ExpectedReceiptLine,
    ReceiptKind,
    ReceiptState,
)
from wms.inventory import touches
from wms.inventory.ledger import ScanContext, ScanResult
from wms.inventory.models import Balance
from wms.inventory.quantities import is_whole, whole_quantity
from wms.layout.models import Container, Location, LocationType, Warehouse

PUTAWAY_SUGGESTIONS = 5


def _label(receipt: ExpectedReceipt) -> str:
    return f"{ReceiptKind(receipt.kind).name} {receipt.reference}"


def _percent(value: int, *, field: str, cap: int | None = None) -> int:
    if not is_whole(value) or value < 0 or (cap is not None and value > cap):
        most = f" and at most {cap}" if cap is not None else ""
        raise InvalidTolerance(
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
    """Record what a brand says is coming: one line per SKU, with its tolerances.

    Long because it checks the whole document before writing any of it, in the order a reader
    of the ASN would find each problem."""
    if kind not in ReceiptKind.values:
        raise UnknownReceiptKind(f"A receipt is an ASN or a PO, not {kind!r}.", field="kind")
    ref = (reference or "").strip()
    if not ref:
        raise ReferenceRequired(
            "An expected receipt needs its ASN or PO number.", field="reference"
        )
    label = f"{ReceiptKind(kind).name} {ref}"
    if not warehouse.active:
        raise WrongLocation(
            f"Warehouse {warehouse.code} is inactive; expect the receipt at another.",
            field="warehouse",
        )
    _percent(over_tolerance_percent, field="over_tolerance_percent", cap=1000)
    _percent(under_tolerance_percent, field="under_tolerance_percent", cap=100)
    if not lines:
        raise EmptyReceipt(f"{label} has no lines; add each SKU with its quantity.", field="lines")
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
        if not is_whole(quantity) or quantity < 1:
            raise InvalidQuantity(
                f"Line {item.sku}: quantity must be a whole number of at least 1, not {quantity!r}.",
                field="lines",
            )
        # Refused rather than merged: two lines for one SKU are usually a typo in one of them.
        if item.pk in seen:
            raise DuplicateLine(
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


def check_expected(*, receipt: ExpectedReceipt, item: Item) -> int:
    """The receipt's line for the item (its pk), or `NotExpected`. `receive_against` checks it; a
    screen asks it as the item is scanned, before its lot and quantity."""
    line_pk = (
        ExpectedReceiptLine.objects.filter(receipt=receipt, item=item)
        .values_list("pk", flat=True)
        .first()
    )
    if line_pk is None:
        raise NotExpected(
            f"SKU {item.sku} is not on {_label(receipt)}; receive it blind or ask the brand to "
            f"amend the {ReceiptKind(receipt.kind).name}.",
            field="item",
        )
    return line_pk


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
    """Receive units of a line of an ASN/PO; over-receipt is refused beyond the tolerance.

    Long because the ledger's retry rule orders it: checks before the scan-id gate, then the
    touch, then the checks that depend on current state (docs/ledger.md)."""
    label = _label(receipt)
    line_pk = check_expected(receipt=receipt, item=item)
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
    announce_inbound(
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
    whole_quantity(quantity)
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

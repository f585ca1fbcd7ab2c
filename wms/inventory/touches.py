"""One service per touch kind: validate in the floor's words, then hand a plan to the ledger.

Every function takes a `ScanContext` (who, which device, the device's scan id) and keyword-only
arguments, returns a `ScanResult`, and either records everything or raises a `DomainError` and
records nothing. A repeated scan id returns the first result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import QuerySet

from wms.accounts.models import Role
from wms.catalog.models import Item, Lot
from wms.catalog.selectors import resolve_barcode
from wms.errors import (
    DomainError,
    InvalidQuantity,
    ItemInactive,
    LabelMismatch,
    LotMismatch,
    LotRequired,
    NotPermitted,
    ReasonRequired,
    SerialRequired,
    WrongContainer,
    WrongLocation,
    WrongLocationType,
)
from wms.inventory import ledger
from wms.inventory.ledger import Bucket, ContainerMove, Movement, Plan, ScanContext, ScanResult
from wms.inventory.models import Balance, StockStatus, TouchKind
from wms.layout.models import Container, ContainerType, Location, LocationType

RECEIVING_TYPES = (LocationType.DOCK, LocationType.STAGING, LocationType.QUARANTINE)
STOW_TYPES = (LocationType.STORAGE, LocationType.PICK_FACE)
PICK_TYPES = (LocationType.PICK_FACE, LocationType.STORAGE)
SHIP_FROM_TYPES = (LocationType.SHIP_LANE, LocationType.DOCK, LocationType.PACK_STATION)


# --- checks shared by the services ---------------------------------------------------------------


def _qty(quantity: int) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise InvalidQuantity(
            f"Quantity must be a whole number of at least 1; you entered {quantity!r}.",
            field="quantity",
        )
    return quantity


def _active(item: Item) -> Item:
    if not item.active:
        raise ItemInactive(
            f"SKU {item.sku} is inactive and cannot be moved. Ask an item-master admin to reactivate it."
        )
    return item


def _lot(item: Item, lot: Lot | None) -> Lot | None:
    if lot is not None and lot.item_id != item.pk:
        raise LotMismatch(f"Lot {lot.code} belongs to another SKU, not {item.sku}.", field="lot")
    if item.tracks_lots and lot is None:
        raise LotRequired(f"SKU {item.sku} is lot-tracked: scan the lot.", field="lot")
    if not item.tracks_lots and lot is not None:
        raise LotMismatch(f"SKU {item.sku} is not lot-tracked: do not scan a lot.", field="lot")
    return lot


def _physical(location: Location, *, allowed: tuple[str, ...] | None = None, what: str) -> Location:
    if location.is_virtual:
        raise WrongLocationType(
            f"{location.code} is a virtual location; scan a real {what} location.", field="location"
        )
    if not location.active:
        raise WrongLocation(f"Location {location.code} is inactive; use another.", field="location")
    if allowed is not None and location.type not in allowed:
        names = ", ".join(LocationType(t).label.lower() for t in allowed)
        raise WrongLocationType(
            f"{location.code} is a {location.get_type_display().lower()} location; "
            f"{what} needs a {names} location.",
            field="location",
        )
    return location


def _same_warehouse(*locations: Location) -> None:
    if len({loc.warehouse_id for loc in locations}) > 1:
        raise WrongLocation(
            "Those locations are in different warehouses; stock moves between warehouses by "
            "shipping and receiving."
        )


def _between(
    source: Location, target: Location, *, what: str, allowed: tuple[str, ...] | None = None
) -> Callable[[], None]:
    """Checks for a touch from one physical place to another of the same warehouse."""

    def checks() -> None:
        _physical(source, what=f"{what}-from")
        _physical(target, allowed=allowed, what=what)
        _same_warehouse(source, target)

    return checks


def _container(container: Container, *, types: tuple[str, ...], what: str) -> Container:
    if container.type not in types:
        names = " or ".join(types)
        raise WrongContainer(
            f"{container.barcode} is a {container.type}; {what} needs a {names}.", field="container"
        )
    return container


def _placed(container: Container, *others: Container | None) -> Location:
    """Where the container stands now, read under lock (the caller's copy may predate a move).

    `others` are the scan's other containers: they are locked in the same call, so the scan takes
    its container locks in the one global order.
    """
    locked = ledger.lock_containers([container, *(c for c in others if c is not None)])
    fresh = locked[container.pk]
    at = None
    if fresh.active and fresh.location_id is not None:
        # The caller's copy when it was read with its location and the container has not moved
        # since (the RF screen reads the scanned tote so): the Location row the locked row points
        # to, without reading it a second time. The ledger reads its sellable flag under FOR SHARE.
        cached = fresh.location_id == container.location_id and Container.location.is_cached(
            container
        )
        at = container.location if cached else fresh.location
    if at is None:
        raise WrongContainer(
            f"{fresh.barcode} is not on the floor (shipped, closed or never placed); scan another."
        )
    return at


def _role(ctx: ScanContext, role: Role, action: str) -> None:
    if not ctx.actor.has_role(role):
        raise NotPermitted(
            f"{action} needs a {role.label.lower()}; ask one to sign in and scan it."
        )


def _reason(reason_code: str, action: str) -> str:
    reason = (reason_code or "").strip()
    if not reason:
        raise ReasonRequired(f"{action} needs a reason code.", field="reason_code")
    return reason


def _virtual(warehouse_id: int, type_: LocationType) -> Location:
    try:
        return Location.objects.get(warehouse_id=warehouse_id, type=type_)
    except Location.DoesNotExist:
        raise DomainError(
            f"Warehouse has no {type_.label} location. An admin must create it before stock can move."
        ) from None


def check_receiving_location(location: Location) -> Location:
    """The receiving rule on its own, for a screen that asks for the dock before the units."""
    return _physical(location, allowed=RECEIVING_TYPES, what="receiving")


def check_stow_location(location: Location) -> Location:
    """The put-away rule on its own, for a screen that asks a reason before it stows."""
    return _physical(location, allowed=STOW_TYPES, what="put-away")


def _ids(**objs: object) -> dict[str, object]:
    return {k: getattr(v, "pk", v) for k, v in objs.items()}


def _lot_for_receipt(item: Item, lot_code: str, expiry_date: dt.date | None) -> Lot | None:
    code = (lot_code or "").strip()
    if not item.tracks_lots:
        if code or expiry_date:
            raise LotMismatch(f"SKU {item.sku} is not lot-tracked: do not enter a lot or expiry.")
        return None
    if not code:
        raise LotRequired(f"SKU {item.sku} is lot-tracked: scan or type the lot.", field="lot_code")
    if item.tracks_expiry and expiry_date is None:
        raise LotRequired(
            f"SKU {item.sku} tracks expiry: enter the expiry date.", field="expiry_date"
        )
    lot, _ = Lot.objects.get_or_create(
        item=item, code=code, defaults={"client_id": item.client_id, "expiry_date": expiry_date}
    )
    if expiry_date is not None and lot.expiry_date != expiry_date:
        raise LotMismatch(
            f"Lot {code} of {item.sku} already has expiry {lot.expiry_date}; you entered "
            f"{expiry_date}. Check the label.",
            field="expiry_date",
        )
    return lot


def _qty_text(quantity: int, item: Item) -> str:
    return f"{quantity} × {item.sku}"


# --- the touch kinds ----------------------------------------------------------------------------


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
            plate = ledger.lock_containers([container])[container.pk]
            if not plate.active:
                raise WrongContainer(
                    f"License plate {plate.barcode} has shipped or is closed; use a new one."
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


def _transfer(
    ctx: ScanContext,
    *,
    kind: TouchKind,
    verb: str,
    item: Item,
    lot: Lot | None,
    quantity: int,
    source: Bucket,
    target: Bucket,
    reference: str = "",
    reason_code: str = "",
    detail: dict[str, str] | None = None,
    checks: Callable[[], object] = lambda: None,
) -> ScanResult:
    """The common shape of a touch that moves one item/lot between two physical buckets.

    `checks` (and every other validation) runs inside the ledger transaction, after the scan-id
    gate: a retried scan replays its first result even if it would no longer pass them.
    """
    request = _ids(
        item=item,
        lot=lot,
        quantity=quantity,
        from_location=source.location,
        from_container=source.container,
        to_location=target.location,
        to_container=target.container,
    )
    request |= {
        "from_status": source.status,
        "to_status": target.status,
        "reference": reference,
        "reason": reason_code,
        "detail": detail or {},
    }

    def plan() -> Plan:
        _qty(quantity)
        _active(item)
        _lot(item, lot)
        checks()
        return Plan(
            movements=[Movement(item, lot, quantity, source, target, detail=detail or {})],
            reference=reference,
            reason_code=reason_code,
            message=f"{verb} {_qty_text(quantity, item)}: {source.describe()} → {target.describe()}.",
        )

    return ledger.record_scan(ctx, kind=kind, request=request, plan=plan)


def stow(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    from_location: Location,
    to_location: Location,
    lot: Lot | None = None,
    from_container: Container | None = None,
    to_container: Container | None = None,
    reason_code: str = "",
) -> ScanResult:
    """Put away from wherever it was received to a storage or pick-face location.

    `reason_code` says why the operator stowed somewhere else than the suggested location."""
    return _transfer(
        ctx,
        checks=_between(from_location, to_location, what="put-away", allowed=STOW_TYPES),
        kind=TouchKind.STOW,
        verb="Stowed",
        item=item,
        lot=lot,
        quantity=quantity,
        source=Bucket(from_location, from_container),
        target=Bucket(to_location, to_container),
        reason_code=reason_code,
    )


def move(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    from_location: Location,
    to_location: Location,
    lot: Lot | None = None,
    from_container: Container | None = None,
    to_container: Container | None = None,
    status: StockStatus = StockStatus.AVAILABLE,
    reason_code: str = "",
) -> ScanResult:
    """Move loose stock between two physical places; its status does not change."""
    between = _between(from_location, to_location, what="move")

    def checks() -> None:
        between()
        if from_location.pk == to_location.pk and from_container == to_container:
            raise WrongLocation(
                f"That stock is already at {to_location.code}; scan where it goes.",
                field="location",
            )

    return _transfer(
        ctx,
        checks=checks,
        kind=TouchKind.MOVE,
        verb="Moved",
        item=item,
        lot=lot,
        quantity=quantity,
        source=Bucket(from_location, from_container, status),
        target=Bucket(to_location, to_container, status),
        reason_code=reason_code,
    )


def _contents(containers: list[Container]) -> QuerySet[Balance]:
    return (
        Balance.objects.filter(container__in=containers, quantity__gt=0)
        .select_related("item", "lot", "location", "container")
        .order_by("pk")
    )


def move_container(ctx: ScanContext, *, container: Container, to_location: Location) -> ScanResult:
    """Move a pallet, tote or carton as a unit: every item/lot in it (and nested in it) moves too."""
    request = _ids(container=container, to_location=to_location)
    return _move_family(
        ctx,
        kind=TouchKind.MOVE,
        request=request,
        container=container,
        to_location=to_location,
        checks=lambda: _physical(to_location, what="move-to"),
        verb="Moved",
    )


def stow_container(
    ctx: ScanContext, *, container: Container, to_location: Location, reason_code: str = ""
) -> ScanResult:
    """Put a whole pallet (and what is on it) away to a storage or pick-face location.

    `reason_code` says why the operator stowed somewhere else than the suggested location."""

    def checks() -> None:
        _container(container, types=(ContainerType.PALLET,), what="A whole-pallet put-away")
        _physical(to_location, allowed=STOW_TYPES, what="put-away")

    request = _ids(container=container, to_location=to_location) | {"reason": reason_code}
    return _move_family(
        ctx,
        kind=TouchKind.STOW,
        request=request,
        container=container,
        to_location=to_location,
        checks=checks,
        verb="Stowed",
        reason_code=reason_code,
    )


def _move_family(
    ctx: ScanContext,
    *,
    kind: TouchKind,
    request: dict[str, object],
    container: Container,
    to_location: Location,
    checks: Callable[[], object],
    verb: str,
    reason_code: str = "",
) -> ScanResult:
    def plan() -> Plan:
        checks()
        family = ledger.lock_family(container)
        fresh = family[0]
        if fresh.parent_id is not None:
            raise WrongContainer(
                f"{fresh.barcode} is on pallet {fresh.parent}; move the pallet, or take "
                f"{fresh.barcode} off it first."
            )
        here = _placed(fresh)
        if here.pk == to_location.pk:
            raise WrongLocation(
                f"{fresh.barcode} is already at {to_location.code}; scan where it goes.",
                field="location",
            )
        _same_warehouse(here, to_location)
        movements = [
            Movement(
                b.item,
                b.lot,
                b.quantity,
                Bucket(b.location, b.container, b.status),
                Bucket(to_location, b.container, b.status),
            )
            for b in _contents(family)
        ]
        return Plan(
            movements=movements,
            container_moves=[ContainerMove(tuple(family), to_location)],
            reason_code=reason_code,
            message=f"{verb} {container.barcode} to {to_location.code} "
            f"({sum(m.quantity for m in movements)} units).",
        )

    return ledger.record_scan(ctx, kind=kind, request=request, plan=plan)


def _set_pallet(ctx: ScanContext, container: Container, pallet: Container | None) -> ScanResult:
    """Put `container` on `pallet`, or take it off (None). Both families change, so the old and the
    new pallet are locked, with the box, before anything is read."""
    if container.type == ContainerType.PALLET:
        raise WrongContainer("A pallet cannot go on another pallet.")
    if pallet is not None:
        _container(pallet, types=(ContainerType.PALLET,), what="Nesting")
    seen_parent = Container.objects.filter(pk=container.pk).values_list("parent", flat=True).first()

    def plan() -> Plan:
        involved = [container, *(c for c in (pallet,) if c is not None)]
        if seen_parent is not None:
            involved.append(Container(pk=seen_parent, type=ContainerType.PALLET))
        locked = ledger.lock_containers(involved)
        box = locked[container.pk]
        if box.parent_id != seen_parent:
            raise WrongContainer(f"{box.barcode} was just moved by someone else; scan it again.")
        if not box.active or box.location_id is None:
            raise WrongContainer(f"{box.barcode} is not on the floor (shipped or never placed).")
        if pallet is None:
            if seen_parent is None:
                raise WrongContainer(f"{box.barcode} is not on a pallet.")
            Container.objects.filter(pk=box.pk).update(parent=None)
            container.parent = None
            return Plan(movements=[], message=f"{box.barcode} is off pallet {locked[seen_parent]}.")
        base = locked[pallet.pk]
        if base.location_id is None or box.location_id != base.location_id:
            raise WrongContainer(
                f"{box.barcode} and {base.barcode} are in different places; bring them together."
            )
        Container.objects.filter(pk=box.pk).update(parent=base)
        container.parent = base
        return Plan(movements=[], message=f"{box.barcode} is on pallet {base.barcode}.")

    request = _ids(container=container, pallet=pallet) | {"action": "nest" if pallet else "unnest"}
    return ledger.record_scan(ctx, kind=TouchKind.MOVE, request=request, plan=plan)


def nest_container(ctx: ScanContext, *, container: Container, pallet: Container) -> ScanResult:
    """Put a carton or tote on a pallet (same location) so it moves with the pallet."""
    return _set_pallet(ctx, container, pallet)


def unnest_container(ctx: ScanContext, *, container: Container) -> ScanResult:
    """Take a carton or tote off its pallet; it stays where it is."""
    return _set_pallet(ctx, container, None)


def pick(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    from_location: Location,
    tote: Container,
    lot: Lot | None = None,
    from_container: Container | None = None,
    reference: str = "",
    consume_reservation: bool = False,
) -> ScanResult:
    """Pick available stock from a pick face (or storage) into a tote or carton.

    For the order services only (`fulfilment.confirm_pick`): a pick belongs to a pick task, whose
    order holds the reservation it consumes. No API endpoint or RF flow calls it directly.

    With `consume_reservation`, the units were reserved for the order being picked: the same
    transaction lowers the warehouse's reserved count, so available-to-promise does not move.
    """

    def plan() -> Plan:
        _qty(quantity)
        _active(item)
        _lot(item, lot)
        _physical(from_location, allowed=PICK_TYPES, what="picking")
        _container(tote, types=(ContainerType.TOTE, ContainerType.CARTON), what="Picking")
        at = _placed(tote, from_container)
        _same_warehouse(from_location, at)
        source, target = Bucket(from_location, from_container), Bucket(at, tote)
        consumed = {(item.pk, from_location.warehouse_id): quantity} if consume_reservation else {}
        return Plan(
            movements=[Movement(item, lot, quantity, source, target)],
            consume_reserved=consumed,
            reference=reference,
            message=f"Picked {_qty_text(quantity, item)}: {source.describe()} → {tote.barcode}.",
        )

    request = (
        _ids(item=item, lot=lot, quantity=quantity, from_location=from_location, tote=tote)
        | _ids(from_container=from_container)
        | {"reference": reference, "reserved": consume_reservation}
    )
    return ledger.record_scan(ctx, kind=TouchKind.PICK, request=request, plan=plan)


def pack(
    ctx: ScanContext,
    *,
    item: Item,
    quantity: int,
    tote: Container,
    carton: Container,
    lot: Lot | None = None,
    reference: str = "",
) -> ScanResult:
    """Pack units from a tote into a carton at a pack station.

    For the order services only (`fulfilment.pack_units`): the carton is an order's parcel, and the
    order's lines count what was packed. No API endpoint or RF flow calls it directly.
    """

    def plan() -> Plan:
        _qty(quantity)
        _active(item)
        _lot(item, lot)
        _container(tote, types=(ContainerType.TOTE,), what="Packing from")
        _container(carton, types=(ContainerType.CARTON,), what="Packing")
        at = _placed(tote, carton)
        _physical(at, allowed=(LocationType.PACK_STATION,), what="packing")
        return Plan(
            movements=[Movement(item, lot, quantity, Bucket(at, tote), Bucket(at, carton))],
            reference=reference,
            message=f"Packed {_qty_text(quantity, item)}: {tote.barcode} → {carton.barcode}.",
        )

    request = _ids(item=item, lot=lot, quantity=quantity, tote=tote, carton=carton)
    request |= {"reference": reference}
    return ledger.record_scan(ctx, kind=TouchKind.PACK, request=request, plan=plan)


def ship(ctx: ScanContext, *, container: Container, reference: str = "") -> ScanResult:
    """Everything in a carton or pallet (and nested in it) leaves for the customer.

    For the order services only (`fulfilment.ship_order`, which loading's close_load calls):
    they record the Shipment, run the ship-time compliance check, move the order to shipped and
    announce it in the same transaction. Nothing else may send stock to the customer location —
    every other touch refuses a virtual location — so nothing leaves without a Shipment.
    """
    _container(container, types=(ContainerType.CARTON, ContainerType.PALLET), what="Shipping")

    def plan() -> Plan:
        family = ledger.lock_family(container)
        fresh = family[0]
        if fresh.parent_id is not None:
            raise WrongContainer(
                f"{fresh.barcode} is on pallet {fresh.parent}; ship the pallet instead."
            )
        at = _placed(fresh)
        _physical(at, allowed=SHIP_FROM_TYPES, what="shipping")
        customer = _virtual(at.warehouse_id, LocationType.CUSTOMER)
        contents = list(_contents(family))
        if not contents:
            raise WrongContainer(f"{container.barcode} is empty; pack it before shipping.")
        unusable = [b for b in contents if b.status != StockStatus.AVAILABLE]
        if unusable:
            b = unusable[0]
            raise WrongContainer(
                f"{container.barcode} holds {b.item.sku} in {b.status} status; take it out first."
            )
        movements = [
            Movement(
                b.item,
                b.lot,
                b.quantity,
                Bucket(b.location, b.container, b.status),
                Bucket(customer, None, StockStatus.AVAILABLE),
            )
            for b in contents
        ]
        return Plan(
            movements=movements,
            container_moves=[ContainerMove(tuple(family), None)],
            reference=reference,
            message=f"Shipped {container.barcode} ({sum(m.quantity for m in movements)} units).",
        )

    request = _ids(container=container) | {"reference": reference}
    return ledger.record_scan(ctx, kind=TouchKind.SHIP, request=request, plan=plan)


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
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
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
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
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
        _physical(location, allowed=(LocationType.RETURNS,), what="returns receiving")
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

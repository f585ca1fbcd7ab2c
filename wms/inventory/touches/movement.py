"""Stock moving inside one warehouse: put-away, moves of loose units and of whole containers,
and nesting cartons and totes on pallets. `_transfer` is the common shape of a one-item touch
between two physical buckets, which the status and count touches use too.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet

from wms.catalog.models import Item, Lot
from wms.errors import WrongContainer, WrongLocation
from wms.inventory import ledger
from wms.inventory.ledger import Bucket, ContainerMove, Movement, Plan, ScanContext, ScanResult
from wms.inventory.models import Balance, StockStatus, TouchKind
from wms.inventory.touches.checks import (
    STOW_TYPES,
    _active,
    _between,
    _container,
    _ids,
    _lot,
    _of_warehouse,
    _physical,
    _placed,
    _qty,
    _qty_text,
    _same_warehouse,
    check_reason_code,
)
from wms.layout.models import Container, ContainerType, Location


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
        check_reason_code(reason_code)
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
        check_reason_code(reason_code)
        family = ledger.lock_family(container)
        fresh = family[0]
        _of_warehouse(
            fresh, warehouse_id=to_location.warehouse_id, code=lambda: to_location.warehouse.code
        )
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

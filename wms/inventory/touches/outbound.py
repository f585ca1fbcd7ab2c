"""Touches that belong to an order: pick, pack, ship.

Only the order services (wms/orders/fulfilment.py) call these; no API endpoint or RF flow does.
They keep the order's bookkeeping (pick task, reservation, parcel, Shipment, compliance check) in
step with the stock, so nothing leaves the building without a Shipment.
"""

from __future__ import annotations

from wms.catalog.models import Item, Lot
from wms.errors import WrongContainer
from wms.inventory import ledger
from wms.inventory.ledger import Bucket, ContainerMove, Movement, Plan, ScanContext, ScanResult
from wms.inventory.models import StockStatus, TouchKind
from wms.inventory.touches.checks import (
    PICK_TYPES,
    SHIP_FROM_TYPES,
    _active,
    _container,
    _ids,
    _lot,
    _physical,
    _placed,
    _qty,
    _qty_text,
    _same_warehouse,
    _virtual,
)
from wms.inventory.touches.movement import _contents
from wms.layout.models import Container, ContainerType, Location, LocationType


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

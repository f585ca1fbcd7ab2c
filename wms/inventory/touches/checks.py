"""Checks shared by the touch services: quantities, items and lots, locations, containers, roles.

Each raises a named `DomainError` whose message an operator can act on. The services call them
inside the ledger transaction (after the scan-id gate) unless a check needs no current state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from wms.accounts.models import Role
from wms.catalog.models import Item, Lot
from wms.errors import (
    ItemInactive,
    LotMismatch,
    LotRequired,
    NotPermitted,
    ReasonRequired,
    WrongContainer,
    WrongLocation,
    WrongLocationType,
)
from wms.inventory import ledger
from wms.inventory.errors import (
    LotCodeTooLong,
    NotAReturnsLocation,
    PlateClosed,
    PlateElsewhere,
    PlateNotOnFloor,
    PlateOfAnotherWarehouse,
    ReasonTooLong,
    VirtualLocationMissing,
)
from wms.inventory.ledger import ScanContext
from wms.inventory.quantities import whole_quantity
from wms.layout.models import Container, Location, LocationType, Warehouse

RECEIVING_TYPES = (LocationType.DOCK, LocationType.STAGING, LocationType.QUARANTINE)


STOW_TYPES = (LocationType.STORAGE, LocationType.PICK_FACE)


PICK_TYPES = (LocationType.PICK_FACE, LocationType.STORAGE)


SHIP_FROM_TYPES = (LocationType.SHIP_LANE, LocationType.DOCK, LocationType.PACK_STATION)


LOT_CODE_MAX = 40  # Lot.code


REASON_MAX = 40  # Touch.reason_code


def _qty(quantity: int) -> int:
    return whole_quantity(quantity)


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
        raise PlateNotOnFloor(_not_on_floor(fresh))
    return at


def _not_on_floor(plate: Container) -> str:
    return f"{plate.barcode} is not on the floor (shipped, closed or never placed); scan another."


def _of_warehouse(plate: Container, *, warehouse_id: int, code: Callable[[], str]) -> None:
    """`code` names the warehouse in the refusal only: reading it costs nothing on the way through."""
    if plate.warehouse_id != warehouse_id:
        raise PlateOfAnotherWarehouse(
            f"License plate {plate.barcode} belongs to another warehouse; use one of {code()}'s.",
            field="container",
        )


def check_receiving_plate(plate: Container, *, location: Location) -> Container:
    """A plate that takes units received at `location`: of its warehouse, open, and standing there
    (or new, placed by the receipt). Checked by `receive` on the locked row; a screen asks it as
    soon as the plate is scanned, before the units."""
    _of_warehouse(plate, warehouse_id=location.warehouse_id, code=lambda: location.warehouse.code)
    if not plate.active or plate.sealed_at is not None:
        raise PlateClosed(
            f"License plate {plate.barcode} has shipped or is closed; use a new one.",
            field="container",
        )
    if plate.location_id not in (None, location.pk):
        raise PlateElsewhere(
            f"{plate.barcode} is at {plate.location}, not {location.code}. Bring it here, or "
            "scan another plate.",
            field="container",
        )
    return plate


def check_on_floor(plate: Container, *, warehouse: Warehouse) -> Container:
    """A plate stock can be taken from or moved with: of this warehouse, active and placed.
    Checked by `move_container` / `stow_container` on the locked row; the screens ask it when the
    plate is scanned as the source."""
    _of_warehouse(plate, warehouse_id=warehouse.pk, code=lambda: warehouse.code)
    if not plate.active or plate.location_id is None:
        raise PlateNotOnFloor(_not_on_floor(plate), field="container")
    return plate


def _role(ctx: ScanContext, role: Role, action: str) -> None:
    if not ctx.actor.has_role(role):
        raise NotPermitted(
            f"{action} needs a {role.label.lower()}; ask one to sign in and scan it."
        )


def _reason(reason_code: str, action: str) -> str:
    reason = (reason_code or "").strip()
    if not reason:
        raise ReasonRequired(f"{action} needs a reason code.", field="reason_code")
    return check_reason_code(reason)


def check_reason_code(reason_code: str) -> str:
    """A reason (chosen or typed) short enough for the touch to record it."""
    if len(reason_code) > REASON_MAX:
        raise ReasonTooLong(
            f"Keep the reason to {REASON_MAX} characters; you typed {len(reason_code)}.",
            field="reason_code",
        )
    return reason_code


def _virtual(warehouse_id: int, type_: LocationType) -> Location:
    try:
        return Location.objects.get(warehouse_id=warehouse_id, type=type_)
    except Location.DoesNotExist:
        raise VirtualLocationMissing(
            f"Warehouse has no {type_.label} location. An admin must create it before stock can move."
        ) from None


def check_receiving_location(location: Location) -> Location:
    """The receiving rule on its own, for a screen that asks for the dock before the units."""
    return _physical(location, allowed=RECEIVING_TYPES, what="receiving")


def check_returns_location(location: Location) -> Location:
    """Returns are received into a returns location only: graded and disposed of from there."""
    _physical(location, what="returns receiving")
    if location.type != LocationType.RETURNS:
        raise NotAReturnsLocation(
            f"{location.code} is a {location.get_type_display().lower()} location; "
            "scan a returns location (RET-…).",
            field="location",
        )
    return location


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
    check_lot_code(code)
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


def check_lot_code(code: str) -> str:
    """A lot code the ledger can hold (Lot.code): a longer scan is usually two labels read as one."""
    if len(code) > LOT_CODE_MAX:
        raise LotCodeTooLong(
            f"A lot has at most {LOT_CODE_MAX} characters; you scanned {code}.", field="lot_code"
        )
    return code


def _qty_text(quantity: int, item: Item) -> str:
    return f"{quantity} × {item.sku}"

"""Warehouse layout writes: warehouses (with their virtual locations), locations, containers."""

from __future__ import annotations

import secrets

from django.db import models, transaction
from stdnum import ean

from wms.catalog.identifiers import is_digits
from wms.errors import IdentifierInvalid
from wms.layout.errors import (
    ContainerPlacementInvalid,
    InvalidTimeZone,
    LocationLabelTaken,
    PlateTaken,
    UnknownContainerType,
    UnknownPlate,
    VirtualLocationRefused,
)
from wms.layout.models import (
    VIRTUAL_TYPES,
    Container,
    ContainerType,
    Location,
    LocationType,
    Warehouse,
    validate_time_zone,
)


@transaction.atomic
def create_warehouse(*, code: str, name: str, time_zone: str, **address: str) -> Warehouse:
    """A warehouse always has its four virtual locations: every touch needs a source and a target."""
    try:
        validate_time_zone(time_zone)
    except Exception as exc:
        raise InvalidTimeZone(str(getattr(exc, "message", exc)), field="time_zone") from None
    warehouse = Warehouse.objects.create(code=code, name=name, time_zone=time_zone, **address)
    for type_ in VIRTUAL_TYPES:
        ensure_virtual_location(warehouse=warehouse, type_=type_)
    return warehouse


def ensure_virtual_location(*, warehouse: Warehouse, type_: LocationType) -> Location:
    code = f"~{type_.value.upper()}"
    location, _ = Location.objects.get_or_create(
        warehouse=warehouse,
        type=type_,
        defaults={"code": code, "barcode": f"{warehouse.code}{code}", "sellable": False},
    )
    return location


def create_location(
    *,
    warehouse: Warehouse,
    code: str,
    type: str,
    barcode: str = "",
    sellable: bool | None = None,
    sequence: int = 0,
    active: bool = True,
) -> Location:
    if type in VIRTUAL_TYPES:
        raise VirtualLocationRefused(
            "Virtual locations are created with the warehouse; create a physical one.", field="type"
        )
    if sellable is None:
        sellable = type in (LocationType.STORAGE, LocationType.PICK_FACE)
    barcode = barcode or code
    taken = Location.objects.filter(warehouse=warehouse).filter(
        models.Q(code=code) | models.Q(barcode=barcode)
    )
    if taken.exists():
        raise LocationLabelTaken(
            f"{warehouse.code} already has a location with code {code} or barcode {barcode}; "
            "every location label must scan to exactly one place.",
            field="code",
        )
    return Location.objects.create(
        warehouse=warehouse,
        code=code,
        barcode=barcode,
        type=type,
        sellable=sellable,
        sequence=sequence,
        active=active,
    )


def check_sscc(sscc: str) -> str:
    value = sscc.strip()
    if len(value) != 18 or not is_digits(value):
        raise IdentifierInvalid(f"An SSCC is 18 digits; '{value}' is not.", field="sscc")
    expected = ean.calc_check_digit(value[:-1])
    if value[-1] != expected:
        raise IdentifierInvalid(
            f"SSCC {value} has a wrong check digit (should end in {expected}).", field="sscc"
        )
    return value


def create_container(
    *,
    warehouse: Warehouse,
    type: str,
    barcode: str = "",
    sscc: str | None = None,
    location: Location | None = None,
) -> Container:
    """Register a license plate. A new container may be placed at once (an empty tote at a station)."""
    if type not in ContainerType.values:
        raise UnknownContainerType(f"Unknown container type '{type}'.", field="type")
    if sscc:
        sscc = check_sscc(sscc)
    if location is not None and (location.warehouse_id != warehouse.pk or location.is_virtual):
        raise ContainerPlacementInvalid(
            "Place a new container at a physical location of its warehouse."
        )
    if not barcode:
        barcode = f"{type[0].upper()}{secrets.token_hex(5).upper()}"
    if Container.objects.filter(barcode=barcode).exists():
        raise PlateTaken(f"License plate {barcode} is already in use.", field="barcode")
    if sscc and Container.objects.filter(sscc=sscc).exists():
        raise PlateTaken(f"SSCC {sscc} is already on another container.", field="sscc")
    return Container.objects.create(
        warehouse=warehouse, type=type, barcode=barcode, sscc=sscc or None, location=location
    )


# Our own license plates: "LP", ten digits, and a GS1 mod-10 check digit over the digits, so a
# mis-keyed or mis-read plate is refused instead of becoming a new container.
LPN_PREFIX = "LP"
LPN_DIGITS = 11  # ten of the serial, one check digit
SSCC_WITH_AI = 20  # "00" + the 18 digits, as a GS1-128 scan of an SSCC reads


def is_lpn(code: str) -> bool:
    digits = code[len(LPN_PREFIX) :]
    return (
        code.startswith(LPN_PREFIX)
        and len(digits) == LPN_DIGITS
        and is_digits(digits)
        and ean.calc_check_digit(digits[:-1]) == digits[-1]
    )


def sscc_of(code: str) -> str | None:
    """The 18 digits of a scanned SSCC (with or without AI 00), if it is one with a right check
    digit; else None."""
    if not is_digits(code) or len(code) not in (18, SSCC_WITH_AI):
        return None
    if len(code) == SSCC_WITH_AI and not code.startswith("00"):
        return None
    sscc = code[-18:]
    return sscc if ean.calc_check_digit(sscc[:-1]) == sscc[-1] else None


def new_lpn() -> str:
    """A fresh plate number of our series (for a "New plate" the operator then labels)."""
    while True:
        serial = f"{secrets.randbelow(10**10):010d}"
        code = f"{LPN_PREFIX}{serial}{ean.calc_check_digit(serial)}"
        if not Container.objects.filter(barcode=code).exists():
            return code


def register_scanned_plate(
    *, warehouse: Warehouse, type: str, code: str, location: Location | None = None
) -> Container:
    """A plate label scanned on the floor that names no container yet. Only a label of a plate
    series starts a new container: an SSCC with a right check digit (ours, or a supplier's on an
    inbound pallet: GS1 makes every SSCC unique) or one of our LPNs. Anything else is refused:
    a mis-keyed plate must never silently become a new, empty container."""
    sscc = sscc_of(code)
    if sscc is None and not is_lpn(code):
        raise UnknownPlate(
            f"License plate {code} is not known and is not a plate label of ours (an SSCC or an "
            f"{LPN_PREFIX} plate). Scan the label again, or press New plate."
        )
    return create_container(
        warehouse=warehouse, type=type, barcode=sscc or code, sscc=sscc, location=location
    )


def create_new_plate(*, warehouse: Warehouse, type: str, location: Location | None) -> Container:
    """A new plate of our series, asked for explicitly (the "New plate" button)."""
    return create_container(warehouse=warehouse, type=type, barcode=new_lpn(), location=location)


@transaction.atomic
def set_sellable(*, location: Location, sellable: bool) -> Location:
    """Flip whether a location's available stock counts toward what channels may sell.

    The positions' on-hand counters follow in the same transaction: the location's balance rows are
    locked first (the ledger's order: balances, then positions), so no scan can slip between.
    """
    from wms.inventory import positions
    from wms.inventory.models import Balance, StockStatus

    if location.is_virtual:
        raise VirtualLocationRefused("Virtual locations are never sellable.", field="sellable")
    location = Location.objects.select_for_update().get(pk=location.pk)
    if location.sellable == sellable:
        return location
    rows = list(
        Balance.objects.select_for_update(of=("self",))
        .filter(location=location, status=StockStatus.AVAILABLE)
        .filter(models.Q(container__isnull=True) | models.Q(container__type=ContainerType.PALLET))
        .exclude(quantity=0)
        .select_related("item")
        .order_by("pk")
    )
    Location.objects.filter(pk=location.pk).update(sellable=sellable)
    location.sellable = sellable
    deltas: dict[tuple[int, int], int] = {}
    for b in rows:
        key = (b.item_id, location.warehouse_id)
        deltas[key] = deltas.get(key, 0) + (b.quantity if sellable else -b.quantity)
    positions.apply(
        on_hand=deltas,
        reserved={},
        clients={b.item_id: b.item.client_id for b in rows},
        cause="sellable_on" if sellable else "sellable_off",
    )
    return location

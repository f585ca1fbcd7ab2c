"""Loading cartons onto a trailer or ship lane, and closing the load (docs/floor.md, "Loads").

Lock order: the load row first, then whatever the ledger and ship_order lock (order rows, then
containers). Nothing locks an order and then a load, so loading and shipping cannot deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from wms.accounts.models import User
from wms.errors import WrongContainer, WrongLocation, WrongLocationType
from wms.inventory import touches
from wms.inventory.ledger import ScanContext
from wms.inventory.models import Scan, TouchKind
from wms.layout.models import Container, ContainerType, Location, LocationType, Warehouse
from wms.loading.models import Load, LoadParcel, LoadState
from wms.orders import shipping
from wms.orders.errors import (
    EmptyLoad,
    LoadAlreadyOpen,
    LoadClosed,
    LoadReferenceInvalid,
    NotALoadingLane,
    OrderNotWhollyLoaded,
)
from wms.orders.models import Order, OrderState, Parcel, Shipment

LOAD_FROM = (LocationType.SHIP_LANE, LocationType.DOCK)
# Where a packed carton taken off a load may wait: not storage, where it would look like stock.
UNLOAD_TO = (
    LocationType.STAGING,
    LocationType.PACK_STATION,
    LocationType.SHIP_LANE,
    LocationType.DOCK,
)


@dataclass(frozen=True)
class Loaded:
    load: Load
    cartons: list[str]
    message: str


@dataclass(frozen=True)
class Unloaded:
    load: Load
    cartons: list[str]
    message: str


@dataclass(frozen=True)
class Closed:
    load: Load
    shipments: list[Shipment]
    message: str


def open_load_at(location: Location) -> Load | None:
    """The load open at a ship lane or dock door, or None; any other location is no place to load."""
    if location.type not in LOAD_FROM:
        raise NotALoadingLane(
            f"{location.code} is not a ship lane or dock door; scan the lane's label.",
            field="location",
        )
    return Load.objects.filter(location=location, state=LoadState.OPEN).first()


def open_load(*, warehouse: Warehouse, location: Location, reference: str, actor: User) -> Load:
    """Start filling a lane or dock door; its reference (trailer, BOL or PRO) is on every carton."""
    ref = (reference or "").strip()
    if location.warehouse_id != warehouse.pk or location.type not in LOAD_FROM:
        raise WrongLocation(
            f"{location.code} is not a ship lane or dock door of {warehouse.code}; scan one.",
            field="location",
        )
    if not ref or len(ref) > 60:
        raise LoadReferenceInvalid(
            "Scan the trailer, BOL or PRO number (1 to 60 characters).", field="reference"
        )
    try:
        with transaction.atomic():
            return Load.objects.create(
                warehouse=warehouse, location=location, reference=ref, opened_by=actor
            )
    except IntegrityError:
        existing = open_load_at(location)
        if existing is None:
            raise
        raise LoadAlreadyOpen(
            f"{location.code} already has load {existing.reference} open; load onto it or close it."
        ) from None


def _locked_open(load: Load) -> Load:
    fresh = Load.objects.select_for_update().get(pk=load.pk)
    if fresh.state != LoadState.OPEN:
        raise LoadClosed(f"Load {fresh.reference} is closed; open a new load at {fresh.location}.")
    return fresh


def _parcels_of(container: Container) -> list[Parcel]:
    """The closed cartons a scan puts on the load: the carton itself, or every carton on a pallet."""
    if container.type == ContainerType.PALLET:
        parcels = list(
            Parcel.objects.filter(container__parent=container)
            .select_related("order", "order__service", "container")
            .order_by("pk")
        )
        if not parcels:
            raise WrongContainer(f"Pallet {container.barcode} holds no packed cartons.")
        return parcels
    if container.type != ContainerType.CARTON:
        raise WrongContainer(
            f"{container.barcode} is a {container.type}; load cartons or pallets of cartons."
        )
    parcel = (
        Parcel.objects.filter(container=container)
        .select_related("order", "order__service", "container")
        .first()
    )
    if parcel is None:
        raise WrongContainer(f"Carton {container.barcode} has not been packed; pack it first.")
    if container.parent_id is not None:
        raise WrongContainer(
            f"Carton {container.barcode} is on a pallet; scan the pallet to load it."
        )
    return [parcel]


@transaction.atomic
def load_carton(ctx: ScanContext, *, load: Load, container: Container) -> Loaded:
    """Put a closed carton (or a pallet of them) on the load: it moves to the lane, on record."""
    load = _locked_open(load)
    parcels = _parcels_of(container)
    for p in parcels:
        if p.closed_at is None:
            raise WrongContainer(
                f"Carton {p.container.barcode} is still open; weigh and close it at packing first."
            )
        if p.order.state != OrderState.PACKED:
            raise WrongContainer(
                f"Order {p.order.external_id} of carton {p.container.barcode} is "
                f"{OrderState(p.order.state).label.lower()}; only packed orders load."
            )
    on_loads = {
        lp.parcel_id: lp.load
        for lp in LoadParcel.objects.filter(parcel__in=parcels).select_related("load")
    }
    elsewhere = [other for other in on_loads.values() if other.pk != load.pk]
    if elsewhere:
        raise WrongContainer(
            f"{container.barcode} is on load {elsewhere[0].reference} at {elsewhere[0].location}; "
            "take it off that load first."
        )
    new = [p for p in parcels if p.pk not in on_loads]
    if not new:
        return Loaded(load, [], f"{container.barcode} is already on load {load.reference}.")
    carriers = {p.order.service.carrier for p in new} | ({load.carrier} if load.carrier else set())
    if len(carriers) > 1:
        raise WrongContainer(
            f"{container.barcode} ships with {', '.join(sorted(carriers - {load.carrier}))}; "
            f"load {load.reference} is for {load.carrier or 'another carrier'}. Use another lane."
        )
    if container.location_id != load.location_id:
        touches.move_container(ctx, container=container, to_location=load.location)
    LoadParcel.objects.bulk_create(
        [LoadParcel(load=load, parcel=p, loaded_by=ctx.actor) for p in new]
    )
    if not load.carrier:
        load.carrier = carriers.pop()
        Load.objects.filter(pk=load.pk).update(carrier=load.carrier)
    names = [p.container.barcode for p in new]
    return Loaded(load, names, f"Loaded {', '.join(names)} onto {load.reference}.")


@transaction.atomic
def unload_carton(
    ctx: ScanContext, *, load: Load, container: Container, to_location: Location
) -> Unloaded:
    """Take a carton (or a pallet of cartons) off an open load and put it down at `to_location`:
    it no longer ships with the load, and the ledger records a move to where the operator put it
    (a Move touch under the scan's id), so nobody looks for it on the lane. It may not stay on
    the load's own lane, where it would look loaded. An emptied load takes its carrier from the
    next carton loaded. A retried scan (same scan id) answers as the first did."""
    load = _locked_open(load)
    on_this = LoadParcel.objects.filter(load=load, parcel__in=_parcels_of(container))
    names = sorted(on_this.values_list("parcel__container__barcode", flat=True))
    if not names:
        if Scan.objects.filter(pk=ctx.scan_id, kind=TouchKind.MOVE).exists():
            return Unloaded(
                load, [], f"Took {container.barcode} off {load.reference}; already moved."
            )
        raise WrongContainer(
            f"{container.barcode} is not on load {load.reference}; scan a carton loaded on it."
        )
    if to_location.pk == load.location_id:
        raise WrongLocation(
            f"{to_location.code} is the lane of load {load.reference}; put {container.barcode} "
            "down somewhere else (staging, a pack station, another lane) and scan that.",
            field="location",
        )
    if to_location.type not in UNLOAD_TO:
        names_ok = ", ".join(LocationType(t).label.lower() for t in UNLOAD_TO)
        raise WrongLocationType(
            f"{to_location.code} is a {to_location.get_type_display().lower()} location; a "
            f"packed carton waits at a {names_ok} location.",
            field="location",
        )
    touches.move_container(ctx, container=container, to_location=to_location)
    on_this.delete()
    if not LoadParcel.objects.filter(load=load).exists():
        Load.objects.filter(pk=load.pk).update(carrier="")
    return Unloaded(
        load,
        names,
        f"Took {', '.join(names)} off {load.reference}; moved to {to_location.code}.",
    )


def check_on_load(*, load: Load, container: Container) -> list[str]:
    """The cartons of `container` on `load` (asked before "where did you put it?"); refused when
    none is."""
    names = sorted(
        LoadParcel.objects.filter(load=load, parcel__in=_parcels_of(container)).values_list(
            "parcel__container__barcode", flat=True
        )
    )
    if not names:
        raise WrongContainer(
            f"{container.barcode} is not on load {load.reference}; scan a carton loaded on it."
        )
    return names


def check_closable(load: Load) -> tuple[dict[int, list[Parcel]], list[Order]]:
    """A load closes with cartons on it, every order on it wholly loaded: asked by the screen
    before it offers "Close and ship?", and by `close_load`. Returns the parcels by order, and
    the orders (by pk)."""
    by_order: dict[int, list[Parcel]] = defaultdict(list)
    for lp in LoadParcel.objects.filter(load=load).select_related("parcel__container"):
        by_order[lp.parcel.order_id].append(lp.parcel)
    if not by_order:
        raise EmptyLoad(f"Load {load.reference} is empty; load cartons before closing it.")
    orders = list(Order.objects.filter(pk__in=by_order).order_by("pk"))
    for order in orders:
        left = list(
            Parcel.objects.filter(order=order)
            .exclude(pk__in=[p.pk for p in by_order[order.pk]])
            .values_list("container__barcode", flat=True)
        )
        if left:
            raise OrderNotWhollyLoaded(
                f"Order {order.external_id}: {', '.join(left)} not on load {load.reference}. "
                "Load it, or take the order's cartons off before closing."
            )
    return by_order, orders


def summary(load: Load) -> dict[str, int]:
    """Cartons on the load and orders ready to ship with it (every carton of the order loaded)."""
    on = LoadParcel.objects.filter(load=load)
    orders = set(on.values_list("parcel__order_id", flat=True))
    missing = set(
        Parcel.objects.filter(order_id__in=orders)
        .exclude(load_parcel__load=load)
        .values_list("order_id", flat=True)
    )
    return {"cartons": on.count(), "orders": len(orders), "complete": len(orders - missing)}


@transaction.atomic
def close_load(ctx: ScanContext, *, load: Load) -> Closed:
    """Ship every order on the load. An order with cartons not on the load refuses the close."""
    load = _locked_open(load)
    by_order, orders = check_closable(load)
    shipments = [
        shipping.ship_order(
            # one scan id per order shipped by the close, stable across retries of the close
            ctx.derive(f"order-{order.pk}"),
            order=order,
            carrier=load.carrier,
            tracking={p.pk: load.reference for p in by_order[order.pk]},
        )
        for order in orders
    ]
    Load.objects.filter(pk=load.pk).update(
        state=LoadState.CLOSED, closed_at=timezone.now(), closed_by=ctx.actor
    )
    n = sum(len(v) for v in by_order.values())
    return Closed(
        load,
        shipments,
        f"Load {load.reference} closed: {plural(len(orders), 'order')}, {plural(n, 'carton')} "
        f"shipped with {load.carrier}.",
    )


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"

"""Packing: units verified by scan from the order's tote into its cartons at a pack station, and
closing a carton (weighed, sized, sealed; the station prints what it needs)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wms.accounts.models import User
from wms.catalog.models import Item, Lot
from wms.errors import InvalidQuantity, WrongContainer
from wms.inventory import ledger, touches
from wms.inventory.ledger import ScanContext, ScanResult
from wms.inventory.models import Balance, TouchKind
from wms.layout.models import Container, Location, LocationType
from wms.orders import hooks, locking, states
from wms.orders.errors import (
    EmptyCarton,
    ItemNotOnOrder,
    NotAtPackStation,
    OrderNotPicked,
    ParcelShipped,
)
from wms.orders.models import (
    Order,
    OrderLine,
    OrderState,
    Parcel,
    ShipmentParcel,
)

S = OrderState


def _pack_request(
    *,
    item: Item,
    lot: Lot | None,
    quantity: int,
    tote: Container,
    carton: Container,
    reference: str,
) -> dict[str, object]:
    """What `touches.pack` records as the request of a pack scan (wms/inventory/touches.py)."""
    return {
        "item": item.pk,
        "lot": lot.pk if lot else None,
        "quantity": quantity,
        "tote": tote.pk,
        "carton": carton.pk,
        "reference": reference,
    }


@transaction.atomic
def pack_units(
    ctx: ScanContext,
    *,
    order: Order,
    tote: Container,
    carton: Container,
    item: Item,
    quantity: int,
    lot: Lot | None = None,
) -> ScanResult:
    """Each unit verified by scan from the order's tote into one of its cartons."""
    order = locking.lock_order(order.pk)
    earlier = ledger.recorded(
        ctx,
        kind=TouchKind.PACK,
        request=_pack_request(
            item=item,
            lot=lot,
            quantity=quantity,
            tote=tote,
            carton=carton,
            reference=order.touch_reference,
        ),
    )
    if (
        earlier is not None
    ):  # a retry of the last unit: answer as the first time, not "nothing left"
        return earlier
    if order.state not in (S.PICKED, S.PACKED):
        raise OrderNotPicked(
            f"Order {order.external_id} is {order.state}; pack it once it is picked."
        )
    _at_pack_station(tote, carton)
    lines = list(order.lines.filter(item=item).order_by("pk"))
    if not lines:
        raise ItemNotOnOrder(
            f"{item.sku} is not on order {order.external_id}; put it aside for a supervisor."
        )
    parcel, _ = Parcel.objects.get_or_create(container=carton, defaults={"order": order})
    if parcel.order_id != order.pk:
        raise WrongContainer(
            f"Carton {carton.barcode} belongs to another order; take a new carton."
        )
    if parcel.closed_at is not None:
        raise WrongContainer(f"Carton {carton.barcode} is closed; take a new carton.")
    open_units = sum(line.picked - line.packed for line in lines)
    if quantity > open_units:
        raise InvalidQuantity(
            f"Only {open_units} × {item.sku} of this order are left to pack; you scanned {quantity}."
        )
    hooks.run(
        hooks.Pack(order=order, carton=carton, item=item, lot=lot, quantity=quantity, lines=lines)
    )
    result = touches.pack(
        ctx,
        item=item,
        lot=lot,
        quantity=quantity,
        tote=tote,
        carton=carton,
        reference=order.touch_reference,
    )
    if result.replayed:
        return result
    left = quantity
    for line in lines:  # two lines of one SKU fill in order
        take = min(left, line.picked - line.packed)
        if take > 0:
            OrderLine.objects.filter(pk=line.pk).update(packed=F("packed") + take)
            left -= take
    if not order.lines.filter(packed__lt=F("picked")).exists() and order.state == S.PICKED:
        states.move(order, S.PACKED, reason="Every picked unit packed.", actor=ctx.actor)
    return result


def _at_pack_station(*containers: Container) -> None:
    """Packing happens at a pack station: the tote packed from and the carton packed into stand
    at one (the RF pack screen takes the tote to the operator's station when it is scanned)."""
    where = dict(
        Container.objects.filter(pk__in=[c.pk for c in containers]).values_list(
            "pk", "location__type"
        )
    )
    for c in containers:
        if where.get(c.pk) != LocationType.PACK_STATION:
            raise NotAtPackStation(
                f"{c.barcode} is not at a pack station; take it to a pack station to pack.",
                field="location",
            )


def check_pack_station(station: Location) -> None:
    """Refuse a location that is not a pack station as the place to pack or close cartons."""
    if station.type != LocationType.PACK_STATION:
        raise NotAtPackStation(
            f"{station.code} is not a pack station; scan the station's label.", field="station"
        )


def check_closable(*, carton_id: int) -> None:
    """Refuse to close a carton with nothing in it. The RF pack screen asks this before it asks for
    the weight; `close_parcel` asks it again under the lock."""
    if not Balance.objects.filter(container_id=carton_id, quantity__gt=0).exists():
        raise EmptyCarton("This carton is empty; scan a unit into it first.")


@transaction.atomic
def close_parcel(
    *, parcel: Parcel, weight_g: int, length_mm: int, width_mm: int, height_mm: int
) -> Parcel:
    for name, value in (
        ("weight_g", weight_g),
        ("length_mm", length_mm),
        ("width_mm", width_mm),
        ("height_mm", height_mm),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise InvalidQuantity(
                f"{name.replace('_', ' ')} must be a positive whole number.", field=name
            )
    # The order row first (the lock order of every order verb), then the parcel.
    locking.lock_order(parcel.order_id)
    parcel = locking.lock_parcel(parcel.pk)
    if ShipmentParcel.objects.filter(parcel=parcel).exists():
        raise ParcelShipped(
            f"{parcel.container.barcode} has shipped; its weight and size are on record as shipped."
        )
    check_closable(carton_id=parcel.container_id)
    hooks.run(
        hooks.Close(
            parcel=parcel,
            weight_g=weight_g,
            length_mm=length_mm,
            width_mm=width_mm,
            height_mm=height_mm,
        )
    )
    now = timezone.now()
    Parcel.objects.filter(pk=parcel.pk).update(
        weight_g=weight_g,
        length_mm=length_mm,
        width_mm=width_mm,
        height_mm=height_mm,
        closed_at=now,
    )
    # Sealed: from here the ledger lets nothing in or out until the carton ships as a unit.
    Container.objects.filter(pk=parcel.container_id).update(sealed_at=now)
    parcel.refresh_from_db()
    return parcel


@transaction.atomic
def close_at_station(
    *,
    parcel: Parcel,
    station: Location,
    actor: User,
    weight_g: int,
    length_mm: int,
    width_mm: int,
    height_mm: int,
) -> tuple[Parcel, list[str]]:
    """Close a carton at a pack station, then print what it needs there (the "closed" hooks:
    compliance prints carton labels and the packing slip once the order's last carton closes).
    Answers the closed parcel and one line per label printed or not printed."""
    check_pack_station(station)
    closed = close_parcel(
        parcel=parcel,
        weight_g=weight_g,
        length_mm=length_mm,
        width_mm=width_mm,
        height_mm=height_mm,
    )
    return closed, hooks.run(hooks.Closed(parcel=closed, station=station, actor=actor))

"""Shipping and after: every closed carton of a packed order leaves with a Shipment, delivery as the
carrier reports it, and putting a cancelled order's picked units back on a shelf."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wms.errors import ScanIdReused, WrongContainer
from wms.inventory import ledger, touches
from wms.inventory.ledger import ScanContext, ScanResult, derive
from wms.inventory.models import Balance, TouchKind
from wms.layout.models import Container, Location
from wms.orders import allocation, hooks, locking, states
from wms.orders.errors import CartonOpen, OrderNotPacked, TaskNotOpen, TrackingMissing
from wms.orders.models import (
    Order,
    OrderLine,
    OrderState,
    Parcel,
    RestockTask,
    Shipment,
    ShipmentParcel,
    TaskState,
)

S = OrderState


# The ledger's one primitive for a second touch of the same operator action (uuid5, ids unchanged);
# `fulfilment.derived` keeps the old name importable.
derived = derive


@transaction.atomic
def ship_order(
    ctx: ScanContext, *, order: Order, carrier: str, tracking: dict[int, str]
) -> Shipment:
    """Ship every closed parcel of a packed order: stock leaves for the customer, the shipment is recorded.

    The request's scan id names the shipment: a retry of the same request answers the shipment it
    made, and any other request carrying that id is refused (each carton ships under an id derived
    from it, so the id itself is spent on the Scan gate here)."""
    # Long on purpose: one transaction from the lock to the announcement; split, it would hide
    # which checks run before the first write.
    request = {
        "order": order.pk,
        "carrier": carrier,
        "tracking": {str(pk): str(number) for pk, number in tracking.items()},
    }
    order = locking.lock_order(order.pk, related=["service"])
    # Under the lock: a concurrent request with this id may have shipped the order while we
    # waited, and only the same request may be answered with its shipment.
    if ledger.recorded(ctx, kind=TouchKind.SHIP, request=request) is not None:
        return order.shipments.order_by("pk").last() or _gone(order)
    if order.state == S.SHIPPED:
        existing = order.shipments.order_by("pk").last()
        if existing is not None:
            return existing
    if order.state != S.PACKED:
        raise OrderNotPacked(
            f"Order {order.external_id} is {order.state}; only a packed order can ship."
        )
    parcels = list(order.parcels.select_related("container", "container__location").order_by("pk"))
    open_parcels = [p.container.barcode for p in parcels if p.closed_at is None]
    if open_parcels:
        raise CartonOpen(f"Weigh and close {', '.join(open_parcels)} before shipping.")
    # A parcel carrying a bought carrier label ships with that label's tracking number, whatever
    # was typed or the load's reference (the carrier will report on that number).
    tracking = {**tracking, **hooks.bought_tracking(parcels)}
    missing = [p.container.barcode for p in parcels if not str(tracking.get(p.pk, "")).strip()]
    if missing:
        raise TrackingMissing(f"No tracking number for {', '.join(missing)}.", field="tracking")
    pallets = _pallets_of(order, parcels)
    hooks.run(
        hooks.Ship(
            order=order, parcels=parcels, pallets=list(Container.objects.filter(pk__in=pallets))
        )
    )
    warehouse = (
        parcels[0].container.location.warehouse
        if parcels[0].container.location
        else order.warehouse
    )
    assert warehouse is not None
    shipment = Shipment.objects.create(
        order=order, warehouse=warehouse, carrier=carrier, service=order.service
    )
    if ledger.spend(ctx, kind=TouchKind.SHIP, request=request, result={"shipment": shipment.pk}):
        # Only a concurrent retry of this very request could get here, and the order lock above
        # serializes it behind the first, which then shows the order shipped: never reached.
        raise ScanIdReused(f"Scan id {ctx.scan_id} was already used to ship this order.")
    for p in parcels:
        contents = [
            {"sku": b.item.sku, "lot": b.lot.code if b.lot else None, "quantity": b.quantity}
            for b in Balance.objects.filter(container=p.container, quantity__gt=0).select_related(
                "item", "lot"
            )
        ]
        if p.container.parent_id is None:
            touches.ship(
                ctx.derive(p.container.barcode),
                container=p.container,
                reference=order.touch_reference,
            )
        ShipmentParcel.objects.create(
            shipment=shipment, parcel=p, tracking_number=tracking[p.pk].strip(), contents=contents
        )
    for pallet in Container.objects.filter(pk__in=pallets).order_by("pk"):
        touches.ship(ctx.derive(pallet.barcode), container=pallet, reference=order.touch_reference)
    OrderLine.objects.filter(order=order).update(shipped=F("packed"))
    _release_unshipped(ctx, order)
    states.move(
        order,
        S.SHIPPED,
        reason=f"Shipped with {carrier}: {', '.join(tracking[p.pk] for p in parcels)}.",
        actor=ctx.actor,
    )
    states.announce(
        order,
        "order_shipped",
        carrier=carrier,
        service=order.service.code,
        parcels=[{"tracking": tracking[p.pk], "carton": p.container.barcode} for p in parcels],
    )
    return shipment


def _gone(order: Order) -> Shipment:
    raise OrderNotPacked(f"Order {order.external_id} has no shipment for this scan id.")


def _release_unshipped(ctx: ScanContext, order: Order) -> None:
    """A partial shipment closes the order: what did not ship stops being held, said plainly, and
    the channel is told."""
    unshipped = [
        {"sku": sku, "quantity": n - done}
        for sku, n, done in order.lines.values_list("item__sku", "quantity", "packed")
        if done < n
    ]
    if unshipped:
        left = ", ".join(f"{u['quantity']} × {u['sku']}" for u in unshipped)
        allocation.release_reservations(order, cause=f"partial shipment {order.external_id}")
        states.record(
            order,
            kind="decision",
            reason=f"Shipped partially; not shipped and no longer held: {left}.",
            actor=ctx.actor,
            policy="allow_partial_shipment",
        )
        states.announce(order, "order_partially_shipped", unshipped=unshipped)


def _pallets_of(order: Order, parcels: list[Parcel]) -> set[int]:
    """The pallets the order's cartons were built onto, each carrying nothing else."""
    # Cartons built onto a pallet leave as the pallet (one scan moves everything on it), so the
    # pallet may hold nothing but this order's closed cartons.
    pallets = {p.container.parent_id for p in parcels if p.container.parent_id is not None}
    mine = {p.container_id for p in parcels}
    strangers = Container.objects.filter(parent_id__in=pallets).exclude(pk__in=mine)
    if strangers.exists():
        names = ", ".join(strangers.values_list("barcode", flat=True)[:5])
        raise WrongContainer(
            f"The pallet also carries {names}, which are not cartons of order {order.external_id}; "
            "take them off before shipping."
        )
    loose = Balance.objects.filter(container_id__in=pallets, quantity__gt=0)
    if loose.exists():
        raise WrongContainer(
            "The pallet carries loose units besides the cartons; take them off before shipping."
        )
    return pallets


@transaction.atomic
def mark_delivered(*, shipment: Shipment, owner: str = "carrier") -> Order:
    """Carrier events own delivery reality."""
    order = locking.lock_order(shipment.order_id)
    Shipment.objects.filter(pk=shipment.pk, delivered_at__isnull=True).update(
        delivered_at=timezone.now()
    )
    if order.state == S.SHIPPED:
        states.move(order, S.DELIVERED, reason="Carrier reported delivery.", owner=owner)
        states.announce(order, "order_delivered")
    return order


@transaction.atomic
def complete_restock(ctx: ScanContext, *, task: RestockTask, to_location: Location) -> ScanResult:
    """Put units of a cancelled order back on a shelf (the unwind policy's restock task)."""
    task = locking.lock_restock_task(task.pk)
    if task.state != TaskState.OPEN:
        raise TaskNotOpen("This restock task is already done.")
    where = task.container.location
    if where is None:
        raise WrongContainer(f"{task.container.barcode} is not on the floor.")
    result = touches.move(
        ctx,
        item=task.item,
        lot=task.lot,
        quantity=task.quantity,
        from_location=where,
        from_container=task.container,
        to_location=to_location,
        reason_code="restock_cancelled",
    )
    if not result.replayed:
        RestockTask.objects.filter(pk=task.pk).update(state=TaskState.DONE)
    return result

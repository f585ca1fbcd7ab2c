"""Order reads: what the back office, the API and the RF screens list and show about orders, each
returning rows with what its users read already joined (no query per row).

Writes live in the services (wms/orders/services.py, waves.py, picking.py, packing.py,
shipping.py); these only read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone

from wms.inventory.models import StockPosition
from wms.layout.models import Container, Warehouse
from wms.orders.models import (
    SERVICE_RANK,
    Order,
    OrderEvent,
    OrderState,
    Parcel,
    PickTask,
    Reservation,
)

S = OrderState


# --- order reads ------------------------------------------------------------------------------


def work_queue(warehouse: Warehouse) -> QuerySet[Order]:
    """Orders holding stock at the node, in pick priority: due, service level, age. Released
    orders are included because a split order is released at its first node and still holds
    units at its second."""
    rank = Case(
        *(When(service__level=level, then=Value(r)) for level, r in SERVICE_RANK.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    return (
        Order.objects.filter(
            state__in=[S.RESERVED, S.RELEASED, S.PICKING],
            lines__reservations__warehouse=warehouse,
            lines__reservations__quantity__gt=0,
        )
        .distinct()
        .annotate(service_rank=rank)
        .order_by(F("due_at").asc(nulls_last=True), "service_rank", "received_at", "pk")
    )


def order_list() -> QuerySet[Order]:
    """Orders as the order list shows them: node, service and lines with their items joined."""
    return Order.objects.select_related("warehouse", "service").prefetch_related("lines__item")


def timeline_events(order: Order) -> QuerySet[OrderEvent]:
    """Every transition and decision of the order, oldest first, with who made it."""
    return order.events.select_related("actor")


def at_risk(
    *, within: dt.timedelta = dt.timedelta(hours=2), warehouse: Warehouse | None = None
) -> list[dict[str, Any]]:
    """Open orders due within `within` (or overdue), soonest first, with the time left."""
    now = timezone.now()
    rows = Order.objects.filter(
        state__in=[S.RESERVED, S.RELEASED, S.PICKING, S.PICKED, S.PACKED],
        due_at__lte=now + within,
    ).select_related("warehouse", "service", "client")
    if warehouse is not None:
        rows = rows.filter(Q(warehouse=warehouse))
    return [
        {
            "order": o,
            "due_at": o.due_at,
            "minutes_left": int(((o.due_at or now) - now).total_seconds() // 60),
            "state": o.state,
        }
        for o in rows.order_by("due_at")
    ]


def units_reserved(order: Order) -> int:
    """Units the order still holds (reserved, not yet picked), at every node."""
    return Reservation.objects.filter(line__order=order).aggregate(s=Sum("quantity"))["s"] or 0


def oversold(*, warehouse: Warehouse | None = None) -> list[dict[str, Any]]:
    """Where physical stock fell below what is promised (quarantine, adjustment, a count) and which
    orders hold it, most urgent first: the orders a supervisor must act on before picking fails.
    Two statements however many positions are short (the holders come in one prefetch)."""
    holders = (
        Reservation.objects.filter(quantity__gt=0)
        .select_related("line__order")
        .order_by(F("line__order__due_at").asc(nulls_last=True), "line__order__received_at", "pk")
    )
    short = (
        StockPosition.objects.filter(reserved__gt=F("on_hand"))
        .select_related("item", "warehouse")
        .prefetch_related(Prefetch("reservations", queryset=holders, to_attr="holders"))
    )
    if warehouse is not None:
        short = short.filter(warehouse=warehouse)
    return [
        {
            "warehouse": p.warehouse.code,
            "sku": p.item.sku,
            "on_hand": p.on_hand,
            "reserved": p.reserved,
            "short": p.reserved - p.on_hand,
            "orders": [
                {
                    "order": r.line.order.external_id,
                    "id": r.line.order_id,
                    "holds": r.quantity,
                    "state": r.line.order.state,
                    "due_at": r.line.order.due_at,
                }
                for r in p.holders
            ],
        }
        for p in short.order_by("warehouse__code", "item__sku")
    ]


# --- floor reads ---------------------------------------------------------------------------------
# What the RF flows read (wms/floor/flows): the same queries the flows made inline, so the screens'
# pinned query counts hold.


def get_order(*, pk: int) -> Order:
    return Order.objects.get(pk=pk)


def orders_numbered(*, external_id: str) -> list[Order]:
    """Up to two orders with this number (two means several brands use it), with the client."""
    return list(Order.objects.filter(external_id=external_id).select_related("client")[:2])


def pick_task_for_screen(*, pk: int) -> PickTask | None:
    """A pick task with what its screen shows (item, lot, location, order) in one query."""
    return PickTask.objects.select_related("item", "lot", "location", "order").filter(pk=pk).first()


def earlier_tote_pick(*, task: PickTask) -> PickTask | None:
    """The latest other pick of the task's order that went into a tote, with the tote."""
    return (
        PickTask.objects.filter(order_id=task.order_id, tote__isnull=False, picked__gt=0)
        .exclude(pk=task.pk)
        .select_related("tote")
        .order_by("-pk")
        .first()
    )


def last_pick_into(*, tote: Container) -> PickTask | None:
    """The latest pick into this tote, with its order: whose units the tote holds."""
    return (
        PickTask.objects.filter(tote=tote, picked__gt=0)
        .select_related("order")
        .order_by("-pk")
        .first()
    )


def open_carton_of(*, order: Order) -> int | None:
    """The container id of the order's carton still open at the pack station, if any."""
    return (
        Parcel.objects.filter(order=order, closed_at=None)
        .values_list("container_id", flat=True)
        .first()
    )


def parcel_in(*, container: Container) -> Parcel | None:
    return Parcel.objects.filter(container=container).first()


def parcel_of_carton(*, container_id: int) -> Parcel:
    return Parcel.objects.get(container_id=container_id)


def lines_left_to_pack(*, order: Order) -> list[tuple[str, int, int]]:
    """(sku, packed, picked) per SKU of the order still to pack, by SKU."""
    rows = (
        order.lines.values("item__sku")
        .annotate(packed=Sum("packed"), picked=Sum("picked"))
        .filter(packed__lt=F("picked"))
        .order_by("item__sku")
    )
    return [(r["item__sku"], r["packed"], r["picked"]) for r in rows]


def has_open_carton(*, order: Order) -> bool:
    return order.parcels.filter(closed_at=None).exists()


def carton_count(*, order: Order) -> int:
    return order.parcels.count()

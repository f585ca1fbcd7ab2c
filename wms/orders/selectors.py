"""Reads of orders and their execution (pick tasks, parcels). Selectors pull; nothing here writes."""

from __future__ import annotations

from django.db.models import F, Sum

from wms.layout.models import Container
from wms.orders.models import Order, Parcel, PickTask

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

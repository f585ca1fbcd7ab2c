"""Waves and pick tasks: which orders go to the floor next, as location-sequenced picks, and which
pick a picker is sent to (claimed so two pickers asking at once get different tasks)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Case, F, Q, Sum, Value, When
from django.utils import timezone

from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory.models import Balance, StockStatus
from wms.layout.models import LocationType, Warehouse
from wms.orders import locking, states
from wms.orders.models import (
    OrderException,
    OrderState,
    PickTask,
    Reservation,
    TaskState,
    Wave,
)
from wms.orders.selectors import work_queue

S = OrderState


def open_task_load(warehouse: Warehouse) -> dict[tuple[int, int | None, int, int | None], int]:
    """Units already promised to open pick tasks, per (location, container, item, lot)."""
    load: dict[tuple[int, int | None, int, int | None], int] = defaultdict(int)
    rows = PickTask.objects.filter(state=TaskState.OPEN, location__warehouse=warehouse).values_list(
        "location_id", "from_container_id", "item_id", "lot_id", "quantity", "picked"
    )
    for loc, cont, item, lot, qty, picked in rows:
        load[(loc, cont, item, lot)] += qty - picked
    return load


def _sources(item: Item, warehouse: Warehouse, exclude: set[int] | None = None) -> list[Balance]:
    """Sellable stock of the item at the node: pick faces before storage, earliest expiry first."""
    rows = (
        Balance.objects.filter(
            item=item,
            location__warehouse=warehouse,
            location__sellable=True,
            location__active=True,
            status=StockStatus.AVAILABLE,
            quantity__gt=0,
        )
        .select_related("location", "lot", "container")
        .annotate(
            face_first=Case(
                When(location__type=LocationType.PICK_FACE, then=Value(0)), default=Value(1)
            )
        )
        .order_by(
            "face_first", F("lot__expiry_date").asc(nulls_last=True), "location__sequence", "pk"
        )
    )
    return [b for b in rows if not exclude or b.location_id not in exclude]


def task_plan(
    reservation: Reservation,
    quantity: int,
    load: dict[tuple[int, int | None, int, int | None], int],
    exclude: set[int] | None = None,
) -> list[tuple[Balance, int]]:
    out = []
    need = quantity
    for b in _sources(reservation.line.item, reservation.warehouse, exclude):
        key = (b.location_id, b.container_id, b.item_id, b.lot_id)
        free = b.quantity - load[key]
        if free <= 0:
            continue
        take = min(free, need)
        out.append((b, take))
        load[key] += take
        need -= take
        if need == 0:
            break
    return out


def create_tasks(
    wave: Wave, reservation: Reservation, plan: list[tuple[Balance, int]]
) -> list[PickTask]:
    return [
        PickTask.objects.create(
            wave=wave,
            order=reservation.line.order,
            line=reservation.line,
            reservation=reservation,
            item=reservation.line.item,
            lot=b.lot,
            location=b.location,
            from_container=b.container,
            quantity=n,
            sequence=b.location.sequence,
        )
        for b, n in plan
    ]


@transaction.atomic
def release_wave(*, warehouse: Warehouse, actor: User, max_orders: int = 50) -> Wave | None:
    """Release the most urgent reserved orders to the floor as one wave of location-sequenced picks."""
    queue = work_queue(warehouse).values_list("pk", flat=True)
    candidates = [pk for pk in queue if _untasked(pk, warehouse) > 0][:max_orders]
    # skip_locked: two supervisors releasing at once split the queue instead of waiting on each other.
    orders = locking.lock_orders(
        candidates, states=[S.RESERVED, S.RELEASED, S.PICKING], skip_locked=True
    )
    if not orders:
        return None
    orders.sort(key=lambda o: candidates.index(o.pk))
    wave = Wave.objects.create(warehouse=warehouse, released_by=actor)
    load = open_task_load(warehouse)
    for order in orders:
        held = Reservation.objects.filter(
            line__order=order, warehouse=warehouse, quantity__gt=0
        ).select_related("line__item", "line__order", "warehouse")
        unlocated = []
        for r in held:
            already = (
                PickTask.objects.filter(reservation=r, state=TaskState.OPEN).aggregate(
                    s=Sum(F("quantity") - F("picked"))
                )["s"]
                or 0
            )
            plan = task_plan(r, r.quantity - already, load)
            create_tasks(wave, r, plan)
            missing = r.quantity - already - sum(n for _, n in plan)
            if missing:
                unlocated.append(f"{r.line.item.sku} ×{missing}")
        reason = f"Released in wave {wave.pk}."
        if unlocated:
            reason += f" No pickable stock located for {', '.join(unlocated)}: replenish."
            OrderException.objects.create(
                order=order,
                kind="replenish",
                detail=reason,
                owner=f"inventory control {warehouse.code}",
            )
        if order.state == S.RESERVED:
            states.move(order, S.RELEASED, reason=reason, actor=actor, reference=f"wave {wave.pk}")
        else:
            states.record(
                order, kind="released", reason=reason, actor=actor, reference=f"wave {wave.pk}"
            )
    return wave


def _untasked(order_id: int, warehouse: Warehouse) -> int:
    """Units the order holds at the node that no open pick task covers yet."""
    held = Reservation.objects.filter(line__order_id=order_id, warehouse=warehouse).aggregate(
        s=Sum("quantity")
    )["s"]
    tasked = PickTask.objects.filter(
        order_id=order_id, state=TaskState.OPEN, location__warehouse=warehouse
    ).aggregate(s=Sum(F("quantity") - F("picked")))["s"]
    return (held or 0) - (tasked or 0)


# A task held this long by a picker who has not confirmed it goes back to whoever asks next.
PICKER_HOLD = dt.timedelta(minutes=20)


def next_task(
    *, warehouse: Warehouse, wave: Wave | None = None, picker: User | None = None
) -> PickTask | None:
    """The next pick on the path: the most urgent wave first, then location sequence.

    With a `picker`, the task is theirs: the one they already hold, else the first one nobody
    holds (or somebody left for longer than PICKER_HOLD), claimed with a conditional update so two
    pickers asking at once are sent to different tasks.
    """
    tasks = PickTask.objects.filter(state=TaskState.OPEN, location__warehouse=warehouse)
    if wave is not None:
        tasks = tasks.filter(wave=wave)
    ordered = tasks.select_related("item", "location", "order").order_by(
        "wave_id", "sequence", "pk"
    )
    if picker is None:
        return ordered.first()
    now = timezone.now()
    free = Q(picker__isnull=True) | Q(assigned_at__lt=now - PICKER_HOLD)
    # One read for the usual case: the first task that is theirs, else the first free one (theirs
    # sort first), whole, with what the next screen shows.
    first = (
        ordered.filter(Q(picker=picker) | free)
        .alias(theirs=Case(When(picker=picker, then=Value(0)), default=Value(1)))
        .order_by("theirs", "wave_id", "sequence", "pk")
        .first()
    )
    if first is None:
        return None
    if first.picker_id == picker.pk:
        return first
    if _claim(first.pk, picker, free, now):
        # Claimed by the conditional update, so still open and free when it ran; every other
        # change to a task (a confirm, a cancel) also takes it out of OPEN, and that one would
        # have failed the claim: the row read above is the task as claimed.
        first.picker, first.assigned_at = picker, now
        return first
    # Somebody claimed it first: go down the path. Ids only: the candidates are many, the one
    # claimed is read whole once.
    for candidate in ordered.filter(free).values_list("pk", flat=True)[:20]:
        if _claim(candidate, picker, free, now):
            return ordered.get(pk=candidate)
    return None


def _claim(task_id: int, picker: User, free: Q, now: dt.datetime) -> bool:
    """Take the task if it is still open and free: of two pickers asking at once, one gets it."""
    claimed = (
        PickTask.objects.filter(pk=task_id, state=TaskState.OPEN)
        .filter(free)
        .update(picker=picker, assigned_at=now)
    )
    return bool(claimed)

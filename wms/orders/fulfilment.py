"""The outbound floor workflow as domain services: waves, picks (and short picks), packing,
shipping, delivery and restocking. The RF screens and the API call these; stock moves only through
wms/inventory/touches.py."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from wms.accounts.models import User
from wms.catalog.models import Item, Lot
from wms.errors import DomainError, InvalidQuantity, ReasonRequired, WrongContainer
from wms.inventory import ledger, touches
from wms.inventory.ledger import ScanContext, ScanResult
from wms.inventory.models import Balance, StockStatus, TouchKind
from wms.layout.models import Container, ContainerType, Location, LocationType, Warehouse
from wms.orders import allocation, hooks, states
from wms.orders.errors import EmptyCarton, NotAtPackStation
from wms.orders.models import (
    SERVICE_RANK,
    Order,
    OrderException,
    OrderLine,
    OrderState,
    Parcel,
    PickTask,
    Reservation,
    RestockTask,
    Shipment,
    ShipmentParcel,
    ShortPick,
    TaskState,
    Wave,
)

S = OrderState


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


# --- waves and pick tasks ---------------------------------------------------------------------


def _open_task_load(warehouse: Warehouse) -> dict[tuple[int, int | None, int, int | None], int]:
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


def _task_plan(
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


def _create_tasks(
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
    orders = list(
        Order.objects.select_for_update(skip_locked=True).filter(
            pk__in=candidates, state__in=[S.RESERVED, S.RELEASED, S.PICKING]
        )
    )
    if not orders:
        return None
    orders.sort(key=lambda o: candidates.index(o.pk))
    wave = Wave.objects.create(warehouse=warehouse, released_by=actor)
    load = _open_task_load(warehouse)
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
            plan = _task_plan(r, r.quantity - already, load)
            _create_tasks(wave, r, plan)
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


# --- picking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickOutcome:
    scan: ScanResult | None
    task: PickTask
    message: str


def derived(ctx: ScanContext, tag: str) -> ScanContext:
    """A scan id for a second touch of the same operator action, stable across retries."""
    return ScanContext(uuid.uuid5(ctx.scan_id, tag), ctx.actor, ctx.device)


@transaction.atomic
def confirm_pick(
    ctx: ScanContext, *, task: PickTask, tote: Container, quantity: int, short_reason: str = ""
) -> PickOutcome:
    """Confirm a pick by scans. Fewer units than asked is a short pick: say why, and the policy decides."""
    return confirm_pick_within(
        ctx, task=task, tote=tote, quantity=quantity, short_reason=short_reason
    )


def confirm_pick_within(
    ctx: ScanContext, *, task: PickTask, tote: Container, quantity: int, short_reason: str = ""
) -> PickOutcome:
    """`confirm_pick` for a caller inside a transaction that any error rolls back whole (the RF
    dispatcher, wms/floor/views.py `_apply_once`): no savepoint of its own, which nobody would roll
    back to — two statements less on every pick scan. A caller that catches an error and goes on
    in the same transaction must call `confirm_pick`."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("confirm_pick_within needs a transaction.")
    # The order row first: the lock order every order verb uses (cancel, pack, ship), so a pick and
    # a cancel cannot deadlock, and the last two picks of an order cannot both miss "all picked".
    order = Order.objects.select_for_update().get(pk=task.order_id)
    task = (
        PickTask.objects.select_for_update(of=("self",))
        .select_related("order", "line", "reservation", "item", "lot", "location")
        .get(pk=task.pk)
    )
    task.order = order
    remaining = task.quantity - task.picked
    if task.state != TaskState.OPEN:
        earlier = ledger.recorded(
            ctx,
            kind=TouchKind.PICK,
            request=_pick_request(
                task, tote=tote, quantity=quantity, reference=order.touch_reference
            ),
        )
        if earlier is not None:  # a retried confirm: answer as the first time
            return PickOutcome(earlier, task, earlier.message)
        raise DomainError(f"This pick task is {task.state}; take the next one.")
    if order.state in (S.ON_HOLD, S.CANCELLED):
        raise DomainError(
            f"Order {order.external_id} is {OrderState(order.state).label.lower()}: do not pick it; "
            "take the next task."
        )
    if tote.type != ContainerType.TOTE:
        raise WrongContainer(
            f"{tote.barcode} is not a picking tote; scan an empty tote.", field="tote"
        )
    in_parcel, loaded, last_order, order_tote = _tote_facts(tote, task)
    # An order's picks go into the tote that already holds its earlier picks (one tote to pack).
    if order_tote is not None and order_tote != tote.barcode:
        raise WrongContainer(f"Scan tote {order_tote} — you scanned {tote.barcode}.", field="tote")
    if in_parcel:
        raise WrongContainer(
            f"{tote.barcode} is not a picking tote; scan an empty tote.", field="tote"
        )
    # A tote with units in it belongs to the order last picked into it, until it is packed.
    if loaded and last_order is not None and last_order != order.pk:
        other = Order.objects.only("external_id").get(pk=last_order)
        raise WrongContainer(
            f"Tote {tote.barcode} holds order {other.external_id}; scan an empty tote.",
            field="tote",
        )
    if (
        isinstance(quantity, bool)
        or not isinstance(quantity, int)
        or quantity < 0
        or quantity > remaining
    ):
        raise InvalidQuantity(
            f"Pick between 0 and {remaining} units for this task; you entered {quantity!r}."
        )
    if quantity < remaining and not short_reason.strip():
        raise ReasonRequired(
            f"You picked {quantity} of {remaining}: say why the location is short (e.g. empty, damaged).",
            field="short_reason",
        )
    result = None
    if quantity:
        result = touches.pick(
            ctx,
            item=task.item,
            lot=task.lot,
            quantity=quantity,
            from_location=task.location,
            from_container=task.from_container,
            tote=tote,
            reference=order.touch_reference,
            consume_reservation=True,
        )
        if result.replayed:
            return PickOutcome(result, task, result.message)
        task.picked += quantity
    task.tote = tote
    task.state = TaskState.DONE if quantity == remaining else TaskState.SHORT
    _count_pick(task, quantity)
    message = result.message if result else "Nothing picked."
    first = None
    if order.state == S.RELEASED:
        first = states.Step(
            S.PICKING, reason="First pick confirmed.", actor=ctx.actor, reference=tote.barcode
        )
        if quantity < remaining:  # the short pick's policy decides from picking, as ever
            states.move_through(order, [first])
            first = None
    if quantity < remaining:
        message += " " + _short_pick(ctx, task, remaining - quantity, short_reason.strip())
    _maybe_picked(order, ctx.actor, first)
    return PickOutcome(result, task, message.strip())


def _pick_request(
    task: PickTask, *, tote: Container, quantity: int, reference: str
) -> dict[str, object]:
    """What `touches.pick` records as the request of a task's pick (wms/inventory/touches.py):
    the same keys and values, so that a retry of the confirm is recognised as the same scan."""
    return {
        "item": task.item_id,
        "lot": task.lot_id,
        "quantity": quantity,
        "from_location": task.location_id,
        "tote": tote.pk,
        "from_container": task.from_container_id,
        "reference": reference,
        "reserved": True,
    }


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


def _tote_facts(tote: Container, task: PickTask) -> tuple[bool, bool, int | None, str | None]:
    """Is the tote a parcel's, does it hold units, which order was last picked into it, and the
    barcode of the tote the task's order was picked into earlier while it still holds those units.

    One statement for what the tote scan checks every time (the ORM would send four and compile
    each). Plain SQL that SQLite runs too."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM wms_parcel WHERE container_id = %s), "
            "EXISTS (SELECT 1 FROM wms_balance WHERE container_id = %s AND quantity > 0), "
            "(SELECT order_id FROM wms_pick_task WHERE tote_id = %s ORDER BY id DESC LIMIT 1), "
            "(SELECT c.barcode FROM wms_container c WHERE c.id = ("
            "  SELECT tote_id FROM wms_pick_task WHERE order_id = %s AND tote_id IS NOT NULL "
            "  AND picked > 0 AND id <> %s ORDER BY id DESC LIMIT 1) "
            " AND EXISTS (SELECT 1 FROM wms_balance b WHERE b.container_id = c.id AND b.quantity > 0))",
            [tote.pk, tote.pk, tote.pk, task.order_id, task.pk],
        )
        in_parcel, loaded, last_order, order_tote = cur.fetchone()
    return bool(in_parcel), bool(loaded), last_order, order_tote


def _count_pick(task: PickTask, quantity: int) -> None:
    """The picked units on the reservation (no longer held) and the line, and the task's new
    picked, tote and state.

    On PostgreSQL one statement (data-modifying CTEs) instead of three: the order and the task are
    locked by the caller, so nothing races these rows and the order the three rows are written in
    does not matter. SQLite (`make run`) has no data-modifying CTEs: the ORM does it there."""
    assert task.tote is not None
    if connection.vendor != "postgresql":
        if quantity:
            Reservation.objects.filter(pk=task.reservation_id).update(
                quantity=F("quantity") - quantity, picked=F("picked") + quantity
            )
            OrderLine.objects.filter(pk=task.line_id).update(picked=F("picked") + quantity)
        task.save(update_fields=["picked", "tote", "state"])
        return
    counters = ""
    params: list[int | None] = []
    if quantity:
        counters = (
            "WITH r AS (UPDATE wms_reservation SET quantity = quantity - %s, picked = picked + %s "
            "WHERE id = %s), l AS (UPDATE wms_order_line SET picked = picked + %s WHERE id = %s) "
        )
        params = [quantity, quantity, task.reservation_id, quantity, task.line_id]
    with connection.cursor() as cur:
        cur.execute(
            counters
            + "UPDATE wms_pick_task SET picked = %s, tote_id = %s, state = %s WHERE id = %s",
            [*params, task.picked, task.tote.pk, str(task.state), task.pk],
        )


def _short_pick(ctx: ScanContext, task: PickTask, short: int, why: str) -> str:
    order = task.order
    policy = allocation.policy_of(order.client_id)
    rule = f"short_pick={policy.short_pick}"
    detail = f"Short pick: {short} × {task.item.sku} missing at {task.location.code} ({why})."
    OrderException.objects.create(
        order=order,
        kind="short_pick",
        detail=detail + " Count the location.",
        owner="inventory control",
    )
    if policy.short_pick == ShortPick.REALLOCATE:
        load = _open_task_load(task.location.warehouse)
        plan = _task_plan(task.reservation, short, load, exclude={task.location_id})
        if sum(n for _, n in plan) == short:
            new = _create_tasks(task.wave, task.reservation, plan)
            where = ", ".join(t.location.code for t in new)
            states.record(
                order,
                kind="decision",
                reason=f"{detail} Re-picked from {where}.",
                actor=ctx.actor,
                policy=rule,
            )
            return f"Short {short}: pick them from {where} instead."
    # Backorder or exception (or nothing to reallocate to): the missing units stop being held here.
    _release_from(task.reservation, short, cause=f"short pick {order.external_id}")
    if policy.short_pick == ShortPick.EXCEPTION:
        if order.state == S.EXCEPTION:  # a second short pick of an order already stopped
            states.record(
                order,
                kind="decision",
                reason=detail,
                owner="supervisor",
                actor=ctx.actor,
                policy=rule,
            )
        else:
            states.move(
                order, S.EXCEPTION, reason=detail, owner="supervisor", actor=ctx.actor, policy=rule
            )
        return f"Short {short}: order {order.external_id} is stopped for a supervisor."
    states.record(
        order, kind="decision", reason=f"{detail} Backordered.", actor=ctx.actor, policy=rule
    )
    _flag(order, "short_backordered")
    return f"Short {short}: backordered."


def _release_from(reservation: Reservation, n: int, *, cause: str) -> None:
    from wms.inventory import reservations

    n = min(n, Reservation.objects.get(pk=reservation.pk).quantity)
    if n <= 0:
        return
    reservations.release(
        held={(reservation.line.item_id, reservation.warehouse_id): n}, cause=cause
    )
    Reservation.objects.filter(pk=reservation.pk).update(quantity=F("quantity") - n)


def _flag(order: Order, flag: str) -> None:
    if flag not in order.flags:
        order.flags = [*order.flags, flag]
        Order.objects.filter(pk=order.pk).update(flags=order.flags)


def _maybe_picked(order: Order, actor: User, first: states.Step | None = None) -> None:
    """Picked once nothing is left to pick: every line complete, or the rest is backordered.

    `first` is the order's move to picking by this scan, not yet made: when the order is picked
    too, both moves are written together (one update, one insert of both history rows)."""
    if first is None and order.state != S.PICKING:
        return
    open_tasks, incomplete, any_picked = _pick_facts(order)
    if not incomplete and not open_tasks:
        done = states.Step(S.PICKED, reason="Every unit picked.", actor=actor)
        states.move_through(order, [first, done] if first else [done])
        return
    if first is not None:
        states.move_through(order, [first])
    if open_tasks:
        return
    still_held = Reservation.objects.filter(line__order=order, quantity__gt=0).exists()
    if still_held:
        return  # reserved units not yet tasked (replenishment): not done
    policy = allocation.policy_of(order.client_id)
    if not policy.allow_backorder:
        states.move(
            order,
            S.EXCEPTION,
            reason="Short, and the client allows no backorders: a supervisor decides "
            "(ship what is picked or cancel).",
            owner="supervisor",
            actor=actor,
            policy="allow_backorder=False",
        )
        return
    if policy.allow_partial_shipment and any_picked:
        states.move(
            order,
            S.PICKED,
            reason="Picked what there is; the rest is backordered (partial shipment allowed).",
            actor=actor,
            policy="allow_partial_shipment",
        )
    else:
        states.move(
            order,
            S.BACKORDERED,
            reason="Short: waiting for stock to ship complete.",
            actor=actor,
            policy="ship_complete",
        )


def _pick_facts(order: Order) -> tuple[bool, bool, bool]:
    """Has the order open pick tasks, a line not completely picked, a line with anything picked.
    One statement (the ORM would send two and compile them); plain SQL that SQLite runs too."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM wms_pick_task WHERE order_id = %s AND state = %s), "
            "EXISTS (SELECT 1 FROM wms_order_line WHERE order_id = %s AND picked <> quantity), "
            "EXISTS (SELECT 1 FROM wms_order_line WHERE order_id = %s AND picked <> 0)",
            [order.pk, TaskState.OPEN.value, order.pk, order.pk],
        )
        open_tasks, incomplete, any_picked = cur.fetchone()
    return bool(open_tasks), bool(incomplete), bool(any_picked)


# --- packing and shipping ---------------------------------------------------------------------


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
    order = Order.objects.select_for_update().get(pk=order.pk)
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
        raise DomainError(f"Order {order.external_id} is {order.state}; pack it once it is picked.")
    _at_pack_station(tote, carton)
    lines = list(order.lines.filter(item=item).order_by("pk"))
    if not lines:
        raise WrongContainer(
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
        "pack", order=order, carton=carton, item=item, lot=lot, quantity=quantity, lines=lines
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
    Order.objects.select_for_update().filter(pk=parcel.order_id).first()
    parcel = (
        Parcel.objects.select_for_update(of=("self",)).select_related("container").get(pk=parcel.pk)
    )
    if ShipmentParcel.objects.filter(parcel=parcel).exists():
        raise DomainError(
            f"{parcel.container.barcode} has shipped; its weight and size are on record as shipped."
        )
    check_closable(carton_id=parcel.container_id)
    hooks.run(
        "close",
        parcel=parcel,
        weight_g=weight_g,
        length_mm=length_mm,
        width_mm=width_mm,
        height_mm=height_mm,
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
    return closed, hooks.run("closed", parcel=closed, station=station, actor=actor)


@transaction.atomic
def ship_order(
    ctx: ScanContext, *, order: Order, carrier: str, tracking: dict[int, str]
) -> Shipment:
    """Ship every closed parcel of a packed order: stock leaves for the customer, the shipment is recorded."""
    order = Order.objects.select_for_update(of=("self",)).select_related("service").get(pk=order.pk)
    if order.state == S.SHIPPED:
        existing = order.shipments.order_by("pk").last()
        if existing is not None:
            return existing
    if order.state != S.PACKED:
        raise DomainError(
            f"Order {order.external_id} is {order.state}; only a packed order can ship."
        )
    parcels = list(order.parcels.select_related("container", "container__location").order_by("pk"))
    open_parcels = [p.container.barcode for p in parcels if p.closed_at is None]
    if open_parcels:
        raise DomainError(f"Weigh and close {', '.join(open_parcels)} before shipping.")
    # A parcel carrying a bought carrier label ships with that label's tracking number, whatever
    # was typed or the load's reference (the carrier will report on that number).
    tracking = {**tracking, **hooks.bought_tracking(parcels)}
    missing = [p.container.barcode for p in parcels if not str(tracking.get(p.pk, "")).strip()]
    if missing:
        raise DomainError(f"No tracking number for {', '.join(missing)}.", field="tracking")
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
    hooks.run(
        "ship", order=order, parcels=parcels, pallets=list(Container.objects.filter(pk__in=pallets))
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
    for p in parcels:
        contents = [
            {"sku": b.item.sku, "lot": b.lot.code if b.lot else None, "quantity": b.quantity}
            for b in Balance.objects.filter(container=p.container, quantity__gt=0).select_related(
                "item", "lot"
            )
        ]
        if p.container.parent_id is None:
            touches.ship(
                derived(ctx, p.container.barcode),
                container=p.container,
                reference=order.touch_reference,
            )
        ShipmentParcel.objects.create(
            shipment=shipment, parcel=p, tracking_number=tracking[p.pk].strip(), contents=contents
        )
    for pallet in Container.objects.filter(pk__in=pallets).order_by("pk"):
        touches.ship(
            derived(ctx, pallet.barcode), container=pallet, reference=order.touch_reference
        )
    OrderLine.objects.filter(order=order).update(shipped=F("packed"))
    unshipped = [
        {"sku": sku, "quantity": n - done}
        for sku, n, done in order.lines.values_list("item__sku", "quantity", "packed")
        if done < n
    ]
    if unshipped:
        # A partial shipment closes the order: say so plainly, and tell the channel.
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


@transaction.atomic
def mark_delivered(*, shipment: Shipment, owner: str = "carrier") -> Order:
    """Carrier events own delivery reality."""
    order = Order.objects.select_for_update().get(pk=shipment.order_id)
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
    task = (
        RestockTask.objects.select_for_update(of=("self",))
        .select_related("container__location", "item", "lot")
        .get(pk=task.pk)
    )
    if task.state != TaskState.OPEN:
        raise DomainError("This restock task is already done.")
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

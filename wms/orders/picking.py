"""Picking: confirming a pick task by scans, short picks and their policy, and the order's move to
picked. Stock moves only through wms/inventory/touches.py."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F

from wms.accounts.models import User
from wms.catalog.models import Lot
from wms.errors import InvalidQuantity, LotMismatch, ReasonRequired, WrongContainer
from wms.inventory import ledger, touches
from wms.inventory.ledger import ScanContext, ScanResult
from wms.inventory.models import TouchKind
from wms.layout.models import Container, ContainerType
from wms.orders import allocation, locking, states
from wms.orders.errors import OrderStopped, TaskNotOpen
from wms.orders.models import (
    Order,
    OrderException,
    OrderLine,
    OrderState,
    PickTask,
    Reservation,
    ShortPick,
    TaskState,
)
from wms.orders.waves import create_tasks, open_task_load, task_plan

S = OrderState


@dataclass(frozen=True)
class PickOutcome:
    scan: ScanResult | None
    task: PickTask
    message: str


@transaction.atomic
def confirm_pick(
    ctx: ScanContext,
    *,
    task: PickTask,
    tote: Container,
    quantity: int,
    short_reason: str = "",
    lot: Lot | None = None,
) -> PickOutcome:
    """Confirm a pick by scans. Fewer units than asked is a short pick: say why, and the policy decides."""
    return confirm_pick_within(
        ctx, task=task, tote=tote, quantity=quantity, short_reason=short_reason, lot=lot
    )


def check_pick_lot(task: PickTask, lot: Lot) -> Lot:
    """A lot the picker took instead of the task's (first-expiring) one: it must be a lot of the
    task's item. Whether it is at the location is the ledger's to say at the pick."""
    if lot.item_id != task.item_id:
        raise LotMismatch(
            f"Lot {lot.code} is not a lot of {task.item.sku}; scan the lot on the unit."
        )
    return lot


def confirm_pick_within(
    ctx: ScanContext,
    *,
    task: PickTask,
    tote: Container,
    quantity: int,
    short_reason: str = "",
    lot: Lot | None = None,
) -> PickOutcome:
    """`confirm_pick` for a caller inside a transaction that any error rolls back whole (the RF
    dispatcher, wms/floor/views.py `_apply_once`): no savepoint of its own, which nobody would roll
    back to — two statements less on every pick scan. A caller that catches an error and goes on
    in the same transaction must call `confirm_pick`."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("confirm_pick_within needs a transaction.")
    # The order row first: the lock order every order verb uses (cancel, pack, ship), so a pick and
    # a cancel cannot deadlock, and the last two picks of an order cannot both miss "all picked".
    order = locking.lock_order(task.order_id)
    task = locking.lock_pick_task(task.pk)
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
        raise TaskNotOpen(f"This pick task is {task.state}; take the next one.")
    if order.state in (S.ON_HOLD, S.CANCELLED):
        raise OrderStopped(
            f"Order {order.external_id} is {OrderState(order.state).label.lower()}: do not pick it; "
            "take the next task."
        )
    _check_tote(order, task, tote)
    _check_quantity(quantity, remaining=remaining, short_reason=short_reason)
    if lot is not None and lot.pk != task.lot_id:
        # Another lot than the one planned (FEFO): the touch and the task record the one picked.
        # Reservations are per item and warehouse, so the reservation is consumed the same.
        task.lot = check_pick_lot(task, lot)
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


def _check_tote(order: Order, task: PickTask, tote: Container) -> None:
    """The tote takes this pick: a picking tote, the order's own while it holds the order's earlier
    picks, and not holding another order's units."""
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


def _check_quantity(quantity: int, *, remaining: int, short_reason: str) -> None:
    """A whole number up to what the task has left; fewer than that is a short pick, with a why."""
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


def _tote_facts(tote: Container, task: PickTask) -> tuple[bool, bool, int | None, str | None]:
    """Is the tote a parcel's, does it hold units, which order was last picked into it, and the
    barcode of the tote the task's order was picked into earlier at the same node while it still
    holds those units (a split order is picked into one tote per node).

    One statement for what the tote scan checks every time (the ORM would send four and compile
    each). Plain SQL that SQLite runs too."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM wms_parcel WHERE container_id = %s), "
            "EXISTS (SELECT 1 FROM wms_balance WHERE container_id = %s AND quantity > 0), "
            "(SELECT order_id FROM wms_pick_task WHERE tote_id = %s ORDER BY id DESC LIMIT 1), "
            "(SELECT c.barcode FROM wms_container c WHERE c.id = ("
            "  SELECT tote_id FROM wms_pick_task WHERE order_id = %s AND tote_id IS NOT NULL "
            "  AND picked > 0 AND id <> %s AND location_id IN (SELECT id FROM wms_location "
            "  WHERE warehouse_id = (SELECT warehouse_id FROM wms_location WHERE id = %s)) "
            "  ORDER BY id DESC LIMIT 1) "
            " AND EXISTS (SELECT 1 FROM wms_balance b WHERE b.container_id = c.id AND b.quantity > 0))",
            [tote.pk, tote.pk, tote.pk, task.order_id, task.pk, task.location_id],
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
        task.save(update_fields=["picked", "tote", "state", "lot"])
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
            + "UPDATE wms_pick_task SET picked = %s, tote_id = %s, state = %s, lot_id = %s "
            "WHERE id = %s",
            [*params, task.picked, task.tote.pk, str(task.state), task.lot_id, task.pk],
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
        load = open_task_load(task.location.warehouse)
        plan = task_plan(task.reservation, short, load, exclude={task.location_id})
        if sum(n for _, n in plan) == short:
            new = create_tasks(task.wave, task.reservation, plan)
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
    states.flag(order, "short_backordered")
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

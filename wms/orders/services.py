"""Order verbs: import (from any channel), cancel, change address, hold, resume, retry backorders.

Each judges a channel's request against execution reality by the client's AuthorityPolicy and
records the decision, with the policy that made it, on the order's history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.errors import DomainError, InvalidQuantity, ItemInactive
from wms.inventory.models import Balance, Touch
from wms.layout.models import Container, Warehouse
from wms.orders import allocation, states
from wms.orders.models import (
    AddressAfterLabel,
    CancelAfterPick,
    CarrierService,
    Order,
    OrderException,
    OrderLine,
    OrderState,
    PickTask,
    RestockTask,
    TaskState,
)

S = OrderState
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
REQUIRED_ADDRESS = ("name", "line1", "city", "postal_code", "country")


@dataclass(frozen=True)
class LineIn:
    item: Item
    quantity: int
    channel_line_id: str = ""


@dataclass(frozen=True)
class Imported:
    order: Order
    created: bool


def _address(ship_to: dict[str, str]) -> dict[str, str]:
    missing = [f for f in REQUIRED_ADDRESS if not str(ship_to.get(f, "")).strip()]
    if missing:
        raise DomainError(f"The ship-to address lacks {', '.join(missing)}.", field="ship_to")
    unknown = set(ship_to) - set(ADDRESS_FIELDS)
    if unknown:
        raise DomainError(f"Unknown address fields: {', '.join(sorted(unknown))}.", field="ship_to")
    return {f"ship_to_{k}": str(v).strip() for k, v in ship_to.items()}


def import_order(
    *,
    client: Client,
    channel: str,
    external_id: str,
    ship_to: dict[str, str],
    service: CarrierService,
    lines: list[LineIn],
    ship_by: dt.datetime | None = None,
    deliver_by: dt.datetime | None = None,
    requested_warehouse: Warehouse | None = None,
    actor: User | None = None,
) -> Imported:
    """Take an order from any channel; the same external id twice returns the first order."""
    existing = Order.objects.filter(client=client, channel=channel, external_id=external_id).first()
    if existing is not None:
        return Imported(existing, created=False)
    if not lines:
        raise DomainError("An order needs at least one line.", field="lines")
    for line in lines:
        if line.item.client_id != client.pk:
            raise DomainError(f"SKU {line.item.sku} belongs to another client.", field="lines")
        if not line.item.active:
            raise ItemInactive(
                f"SKU {line.item.sku} is inactive; it cannot be ordered.", field="lines"
            )
        if line.quantity < 1:
            raise InvalidQuantity(
                f"SKU {line.item.sku}: quantity must be at least 1.", field="lines"
            )
    address = _address(ship_to)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                client=client,
                channel=channel,
                external_id=external_id,
                service=service,
                ship_by=ship_by,
                deliver_by=deliver_by,
                requested_warehouse=requested_warehouse,
                **address,
            )
            OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        item=x.item,
                        quantity=x.quantity,
                        channel_line_id=x.channel_line_id,
                    )
                    for x in lines
                ]
            )
            states.record(
                order,
                kind="transition",
                to_state=S.RECEIVED,
                reason=f"Imported from {channel}.",
                owner=f"channel:{channel}",
                actor=actor,
                reference=external_id,
            )
            allocation.allocate(order, actor=actor)
    except IntegrityError:
        # The same order arrived twice at once (webhook + poll): the first one is the order.
        existing = Order.objects.filter(
            client=client, channel=channel, external_id=external_id
        ).first()
        if existing is None:
            raise
        return Imported(existing, created=False)
    return Imported(order, created=True)


def _locked(order: Order) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("client", "service")
        .get(pk=order.pk)
    )


def _picked_any(order: Order) -> bool:
    return bool(order.lines.filter(picked__gt=0).exists())


@dataclass(frozen=True)
class Decision:
    outcome: str  # applied, refused, flagged, held, already
    message: str


def _refuse(
    order: Order, kind: str, message: str, *, owner: str, actor: User | None, policy: str = ""
) -> Decision:
    states.record(order, kind=kind, reason=message, owner=owner, actor=actor, policy=policy)
    return Decision("refused", message)


@transaction.atomic
def cancel_order(
    *, order: Order, reason: str, requested_by: str, actor: User | None = None
) -> Decision:
    """A cancel is a request: judged against what the floor has already done, by the client's policy."""
    order = _locked(order)
    if order.state == S.CANCELLED:
        return Decision("already", f"Order {order.external_id} is already cancelled.")
    if order.state in (S.SHIPPED, S.DELIVERED):
        return _refuse(
            order,
            "cancel_refused",
            f"Order {order.external_id} has shipped; it cannot be cancelled. Create a return (RMA) instead.",
            owner=requested_by,
            actor=actor,
        )
    if not _picked_any(order):
        released = allocation.release_reservations(order, cause=f"cancel {order.external_id}")
        PickTask.objects.filter(order=order, state=TaskState.OPEN).update(state=TaskState.CANCELLED)
        message = f"Cancelled before picking: {reason}. {released} reserved unit(s) released."
        states.move(
            order,
            S.CANCELLED,
            reason=message,
            owner=requested_by,
            actor=actor,
            policy="cancel_before_pick",
        )
        states.announce(order, "order_cancelled", reason=reason)
        return Decision("applied", message)

    policy = allocation.policy_of(order.client_id)
    rule = f"cancel_after_pick={policy.cancel_after_pick}"
    if policy.cancel_after_pick == CancelAfterPick.UNWIND:
        allocation.release_reservations(order, cause=f"cancel {order.external_id}")
        PickTask.objects.filter(order=order, state=TaskState.OPEN).update(state=TaskState.CANCELLED)
        tasks = _restock_tasks(order)
        message = (
            f"Cancelled after picking started: {reason}. Picked units go back to stock "
            f"({len(tasks)} restock task(s))."
        )
        states.move(
            order, S.CANCELLED, reason=message, owner=requested_by, actor=actor, policy=rule
        )
        states.announce(order, "order_cancelled", reason=reason)
        return Decision("applied", message)
    if policy.cancel_after_pick == CancelAfterPick.COMPLETE_AND_FLAG:
        message = f"Cancel requested after picking started ({reason}); shipping anyway and flagged."
        _flag(order, "cancel_requested_after_pick")
        OrderException.objects.create(
            order=order, kind="cancel_after_pick", detail=message, owner="client services"
        )
        states.record(
            order, kind="decision", reason=message, owner=requested_by, actor=actor, policy=rule
        )
        return Decision("flagged", message)
    message = f"Cancel requested after picking started ({reason}); it ships and is expected back as a return."
    _flag(order, "expect_return")
    states.record(
        order, kind="decision", reason=message, owner=requested_by, actor=actor, policy=rule
    )
    states.announce(order, "cancel_converted_to_return", reason=reason)
    return Decision("flagged", message)


def _flag(order: Order, flag: str) -> None:
    if flag not in order.flags:
        order.flags = [*order.flags, flag]
        Order.objects.filter(pk=order.pk).update(flags=order.flags)


def _restock_tasks(order: Order) -> list[RestockTask]:
    """One task per container and item/lot holding this order's picked units.

    Counted from the order's own touches (picked in, packed out, shipped), not from what a
    container holds now: a tote shared by a batch pick also holds other orders' units.
    """
    held: dict[tuple[int, int, int | None], int] = defaultdict(int)
    mine = Touch.objects.filter(client_id=order.client_id, reference=order.touch_reference)
    for kind, src, dst, item, lot, qty in mine.filter(
        kind__in=["pick", "pack", "ship"]
    ).values_list("kind", "from_container_id", "to_container_id", "item_id", "lot_id", "quantity"):
        if kind in ("pack", "ship") and src is not None:
            held[(src, item, lot)] -= qty
        if kind in ("pick", "pack") and dst is not None:
            held[(dst, item, lot)] += qty
    tasks = []
    for (container_id, item_id, lot_id), quantity in sorted(held.items(), key=lambda kv: kv[0][0]):
        if quantity <= 0:
            continue
        container = Container.objects.select_related("location").get(pk=container_id)
        face = (
            Balance.objects.filter(
                item_id=item_id,
                location__type="pick_face",
                location__warehouse_id=container.warehouse_id,
            )
            .order_by("-quantity")
            .values_list("location_id", flat=True)
            .first()
        )
        tasks.append(
            RestockTask.objects.create(
                order=order,
                item_id=item_id,
                lot_id=lot_id,
                container_id=container_id,
                quantity=quantity,
                suggested_location_id=face,
            )
        )
    return tasks


@transaction.atomic
def change_address(
    *, order: Order, ship_to: dict[str, str], requested_by: str, actor: User | None = None
) -> Decision:
    """An address change is a request: after the label is printed, the client's policy decides."""
    order = _locked(order)
    address = _address(ship_to)
    if order.state in (S.SHIPPED, S.DELIVERED, S.CANCELLED):
        return _refuse(
            order,
            "address_refused",
            f"Order {order.external_id} is {order.state}; its address can no longer change.",
            owner=requested_by,
            actor=actor,
        )
    if order.label_printed_at is None:
        _apply_address(order, address)
        message = "Address changed before any label was printed."
        states.record(
            order, kind="address_changed", reason=message, owner=requested_by, actor=actor
        )
        return Decision("applied", message)
    policy = allocation.policy_of(order.client_id)
    rule = f"address_after_label={policy.address_after_label}"
    if policy.address_after_label == AddressAfterLabel.REPRINT:
        _apply_address(order, address)
        Order.objects.filter(pk=order.pk).update(label_printed_at=None)
        _flag(order, "reprint_label")
        message = (
            "Address changed after the label was printed: the old label must be replaced (reprint)."
        )
        states.record(
            order,
            kind="address_changed",
            reason=message,
            owner=requested_by,
            actor=actor,
            policy=rule,
        )
        return Decision("applied", message)
    if policy.address_after_label == AddressAfterLabel.REJECT:
        return _refuse(
            order,
            "address_refused",
            "The label is already printed and the client's policy rejects address changes after that.",
            owner=requested_by,
            actor=actor,
            policy=rule,
        )
    order.flags = [f for f in order.flags if not isinstance(f, dict)] + [
        {"pending_address": ship_to}
    ]
    Order.objects.filter(pk=order.pk).update(flags=order.flags)
    message = "Address change after the label was printed: order held for a supervisor to decide."
    if order.state == S.ON_HOLD:  # already waiting for a decision: the newest address waits instead
        states.record(
            order, kind="decision", reason=message, owner=requested_by, actor=actor, policy=rule
        )
        return Decision("held", message)
    OrderException.objects.create(
        order=order, kind="address_after_label", detail=message, owner="supervisor"
    )
    states.move(order, S.ON_HOLD, reason=message, owner=requested_by, actor=actor, policy=rule)
    return Decision("held", message)


def _apply_address(order: Order, address: dict[str, str]) -> None:
    blank = {f"ship_to_{f}": "" for f in ("line2", "region")}
    Order.objects.filter(pk=order.pk).update(**(blank | address))
    for k, v in (blank | address).items():
        setattr(order, k, v)


@transaction.atomic
def mark_label_printed(*, order: Order, actor: User | None = None) -> None:
    Order.objects.filter(pk=order.pk).update(label_printed_at=timezone.now())
    states.record(order, kind="label_printed", reason="Shipping label printed.", actor=actor)


@transaction.atomic
def hold_order(*, order: Order, reason: str, actor: User) -> Order:
    return states.move(
        _locked(order), S.ON_HOLD, reason=reason, owner=f"user:{actor.username}", actor=actor
    )


def _pending_address(order: Order) -> dict[str, str] | None:
    for flag in order.flags:
        if isinstance(flag, dict) and "pending_address" in flag:
            return dict(flag["pending_address"])
    return None


@transaction.atomic
def resume_order(
    *,
    order: Order,
    actor: User,
    reason: str = "Resumed.",
    apply_pending_address: bool | None = None,
) -> Order:
    """A supervisor's way out of a hold or an exception.

    On hold: back to where it was; a waiting address change must be applied (the label is then
    reprinted) or dropped — the supervisor says which. Exception: if nothing is picked yet, the
    order is allocated afresh (its holds released first); otherwise it must be cancelled.
    """
    order = _locked(order)
    who = f"user:{actor.username}"
    if order.state == S.EXCEPTION:
        if _picked_any(order):
            raise states.StateConflict(
                f"Order {order.external_id} has picked units: cancel it (they go back to stock) "
                "rather than resuming it."
            )
        allocation.release_reservations(order, cause=f"resume {order.external_id}")
        order.exceptions.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
        states.record(
            order, kind="decision", reason=f"Exception resolved: {reason}", owner=who, actor=actor
        )
        allocation.allocate(order, actor=actor)
        return order
    if order.state != S.ON_HOLD or not order.held_from:
        raise states.StateConflict(f"Order {order.external_id} is not on hold.")
    pending = _pending_address(order)
    if pending is not None:
        if apply_pending_address is None:
            raise DomainError(
                "An address change waits on this order: say whether to apply it "
                "(apply_pending_address true or false).",
                field="apply_pending_address",
            )
        order.flags = [
            f for f in order.flags if not (isinstance(f, dict) and "pending_address" in f)
        ]
        Order.objects.filter(pk=order.pk).update(flags=order.flags)
        if apply_pending_address:
            _apply_address(order, _address(pending))
            Order.objects.filter(pk=order.pk).update(label_printed_at=None)
            _flag(order, "reprint_label")
        verb = "applied (label to reprint)" if apply_pending_address else "dropped"
        states.record(
            order,
            kind="address_changed" if apply_pending_address else "decision",
            reason=f"Pending address change {verb}.",
            owner=who,
            actor=actor,
        )
    order.exceptions.filter(resolved_at__isnull=True, kind="address_after_label").update(
        resolved_at=timezone.now()
    )
    return states.move(order, OrderState(order.held_from), reason=reason, owner=who, actor=actor)


def retry_backorders(*, limit: int = 200, client: Client | None = None) -> int:
    """Try again to allocate backordered orders, oldest promise first; returns how many now hold stock."""
    todo = Order.objects.filter(state=S.BACKORDERED)
    if client is not None:
        todo = todo.filter(client=client)
    done = 0
    for order in todo.order_by("ship_by", "received_at")[:limit]:
        with transaction.atomic():
            locked = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(pk=order.pk, state=S.BACKORDERED)
                .first()
            )
            if locked is None:
                continue
            sid = transaction.savepoint()
            decision = allocation.allocate(locked)
            if decision.outcome in ("allocated", "split"):
                transaction.savepoint_commit(sid)
                done += 1
            else:
                transaction.savepoint_rollback(sid)  # still short: no new history line each retry
    return done


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
    from wms.orders.models import Reservation

    return Reservation.objects.filter(line__order=order).aggregate(s=Sum("quantity"))["s"] or 0


def oversold(*, warehouse: Warehouse | None = None) -> list[dict[str, Any]]:
    """Where physical stock fell below what is promised (quarantine, adjustment, a count) and which
    orders hold it, most urgent first: the orders a supervisor must act on before picking fails."""
    from wms.inventory.models import StockPosition
    from wms.orders.models import Reservation

    short = StockPosition.objects.filter(reserved__gt=F("on_hand")).select_related(
        "item", "warehouse"
    )
    if warehouse is not None:
        short = short.filter(warehouse=warehouse)
    rows = []
    for p in short.order_by("warehouse__code", "item__sku"):
        holders = (
            Reservation.objects.filter(position=p, quantity__gt=0)
            .select_related("line__order")
            .order_by(F("line__order__due_at").asc(nulls_last=True), "line__order__received_at")
        )
        rows.append(
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
                    for r in holders
                ],
            }
        )
    return rows

"""Changes to an order after it arrived: cancel, change address, hold, resume, label printed.

Each judges a channel's request against execution reality by the client's AuthorityPolicy and
records the decision, with the policy that made it, on the order's history.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from wms.accounts.models import User
from wms.inventory.models import Balance, Touch
from wms.layout.models import Container
from wms.orders import allocation, locking, states
from wms.orders.errors import DecisionRequired
from wms.orders.intake import ship_to_fields
from wms.orders.models import (
    AddressAfterLabel,
    CancelAfterPick,
    Order,
    OrderException,
    OrderState,
    PickTask,
    RestockTask,
    TaskState,
)

S = OrderState


def _locked(order: Order) -> Order:
    return locking.lock_order(order.pk, related=["client", "service"])


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
        states.flag(order, "cancel_requested_after_pick")
        OrderException.objects.create(
            order=order, kind="cancel_after_pick", detail=message, owner="client services"
        )
        states.record(
            order, kind="decision", reason=message, owner=requested_by, actor=actor, policy=rule
        )
        return Decision("flagged", message)
    message = f"Cancel requested after picking started ({reason}); it ships and is expected back as a return."
    states.flag(order, "expect_return")
    states.record(
        order, kind="decision", reason=message, owner=requested_by, actor=actor, policy=rule
    )
    states.announce(order, "cancel_converted_to_return", reason=reason)
    return Decision("flagged", message)


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
    address = ship_to_fields(ship_to)
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
        states.flag(order, "reprint_label")
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
            raise DecisionRequired(
                "An address change waits on this order: say whether to apply it "
                "(apply_pending_address true or false).",
                field="apply_pending_address",
            )
        order.flags = [
            f for f in order.flags if not (isinstance(f, dict) and "pending_address" in f)
        ]
        Order.objects.filter(pk=order.pk).update(flags=order.flags)
        if apply_pending_address:
            _apply_address(order, ship_to_fields(pending))
            Order.objects.filter(pk=order.pk).update(label_printed_at=None)
            states.flag(order, "reprint_label")
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

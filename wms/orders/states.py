"""The order state machine: one place that moves an order and writes why (docs/orders.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from wms.accounts.models import User
from wms.errors import DomainError
from wms.orders.models import Event, Order, OrderEvent, OrderState
from wms.outbox.queue import queue_event

S = OrderState
OPEN_STATES = (S.RECEIVED, S.RESERVED, S.BACKORDERED, S.RELEASED, S.PICKING, S.PICKED, S.PACKED)

ALLOWED: dict[str, set[str]] = {
    S.RECEIVED: {S.RESERVED, S.BACKORDERED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION},
    S.BACKORDERED: {S.RESERVED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION},
    S.RESERVED: {S.RELEASED, S.BACKORDERED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION},
    S.RELEASED: {S.PICKING, S.RESERVED, S.BACKORDERED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION},
    S.PICKING: {S.PICKED, S.BACKORDERED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION},
    S.PICKED: {S.PACKED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION},
    S.PACKED: {S.SHIPPED, S.CANCELLED, S.ON_HOLD, S.EXCEPTION},
    S.SHIPPED: {S.DELIVERED, S.EXCEPTION},
    S.DELIVERED: set(),
    S.CANCELLED: set(),
    S.ON_HOLD: set(OPEN_STATES) | {S.CANCELLED, S.EXCEPTION},
    S.EXCEPTION: set(OPEN_STATES) | {S.CANCELLED, S.ON_HOLD},
}


class StateConflict(DomainError):
    code = "state_conflict"
    http_status = 409


def record(
    order: Order,
    *,
    kind: str,
    reason: str,
    owner: str = "wms",
    actor: User | None = None,
    policy: str = "",
    reference: str = "",
    from_state: str = "",
    to_state: str = "",
) -> OrderEvent:
    """Write one line of the order's history (a decision, a flag, a note)."""
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_state=from_state,
        to_state=to_state,
        actor=actor,
        owner=owner,
        reason=reason,
        policy=policy,
        reference=reference,
    )


def move(
    order: Order,
    to: OrderState,
    *,
    reason: str,
    owner: str = "wms",
    actor: User | None = None,
    policy: str = "",
    reference: str = "",
) -> Order:
    """Move the order to `to` if the machine allows it from its current state, and say why.

    A conditional update on the state it was read in: of two concurrent writers, one wins and the
    other gets StateConflict instead of silently overwriting.
    """
    current = order.state
    if to not in ALLOWED[current]:
        raise StateConflict(
            f"Order {order.external_id} is {OrderState(current).label.lower()}; it cannot become "
            f"{to.label.lower()}."
        )
    changes: dict[str, object] = {"state": to}
    if to == S.ON_HOLD:
        changes["held_from"] = current
    updated = Order.objects.filter(pk=order.pk, state=current).update(**changes)
    if not updated:
        fresh = Order.objects.only("state").get(pk=order.pk)
        raise StateConflict(
            f"Order {order.external_id} changed to {fresh.state} while this was being done; "
            "look at it again."
        )
    order.state = to
    if to == S.ON_HOLD:
        order.held_from = current
    record(
        order,
        kind="transition",
        from_state=current,
        to_state=to,
        reason=reason,
        owner=owner,
        actor=actor,
        policy=policy,
        reference=reference,
    )
    return order


@dataclass(frozen=True)
class Step:
    """One move of `move_through`, with what `move` would write about it."""

    to: OrderState
    reason: str
    owner: str = "wms"
    actor: User | None = None
    policy: str = ""
    reference: str = ""


def move_through(order: Order, steps: Sequence[Step]) -> Order:
    """Several moves in a row, as `move` one after the other would make them (each allowed from the
    one before, one history row each, in order) — in one conditional update from the state the
    order was read in to the last, and one insert of the history rows. A pick that is an order's
    first and last moves it released → picking → picked in one scan; the RF screen waits for it.
    """
    first = order.state
    current = first
    for step in steps:
        if step.to == S.ON_HOLD:
            raise ValueError("A hold records held_from: use move().")
        if step.to not in ALLOWED[current]:
            raise StateConflict(
                f"Order {order.external_id} is {OrderState(current).label.lower()}; it cannot "
                f"become {step.to.label.lower()}."
            )
        current = step.to
    updated = Order.objects.filter(pk=order.pk, state=first).update(state=current)
    if not updated:
        fresh = Order.objects.only("state").get(pk=order.pk)
        raise StateConflict(
            f"Order {order.external_id} changed to {fresh.state} while this was being done; "
            "look at it again."
        )
    events = []
    before = first
    for step in steps:
        events.append(
            OrderEvent(
                order=order,
                kind="transition",
                from_state=before,
                to_state=step.to,
                actor=step.actor,
                owner=step.owner,
                reason=step.reason,
                policy=step.policy,
                reference=step.reference,
            )
        )
        before = step.to
    OrderEvent.objects.bulk_create(events)
    order.state = current
    return order


def announce(order: Order, kind: str, **payload: object) -> None:
    """Queue an event the channel or the brand's systems must hear (same transaction)."""
    event = Event.objects.create(
        kind=kind,
        client_id=order.client_id,
        order=order,
        payload={
            "order": order.external_id,
            "channel": order.channel,
            "at": timezone.now().isoformat(),
            **payload,
        },
    )
    queue_event(event, channel=order.channel)


def flag(order: Order, name: str) -> None:
    """Mark the order for a person's attention (a reprint, an expected return…), once."""
    if name not in order.flags:
        order.flags = [*order.flags, name]
        Order.objects.filter(pk=order.pk).update(flags=order.flags)

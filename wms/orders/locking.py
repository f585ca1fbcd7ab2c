"""The order-side row locks, named once (after Saleor's ``lock_objects.py``).

The lock order every order verb keeps: the order row first, then its pick task, parcel or restock
task, then whatever the ledger locks (containers, balances, positions). Several orders are locked
in primary-key order. Every lock is ``FOR UPDATE OF`` the row itself: related rows read with it
(``related``) are not locked, so a verb never blocks on a client or a carrier service row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from wms.orders.models import Order, OrderState, Parcel, PickTask, RestockTask


def lock_order(pk: int, *, related: Sequence[str] = ()) -> Order:
    """Lock one order row and read it (with `related` joined, unlocked); waits for a holder."""
    return Order.objects.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


def lock_orders(
    pks: Iterable[int],
    *,
    states: Sequence[OrderState] | None = None,
    skip_locked: bool = False,
) -> list[Order]:
    """Lock several order rows in primary-key order, only those still in one of `states`.

    With `skip_locked`, rows another transaction holds are left out instead of waited for: two
    supervisors releasing waves (or two retry jobs) split the work instead of queueing on it."""
    rows = Order.objects.select_for_update(skip_locked=skip_locked, of=("self",)).filter(
        pk__in=list(pks)
    )
    if states is not None:
        rows = rows.filter(state__in=states)
    return list(rows.order_by("pk"))


def lock_pick_task(pk: int) -> PickTask:
    """Lock a pick task (after its order) and read it with what confirming it needs."""
    return (
        PickTask.objects.select_for_update(of=("self",))
        .select_related("order", "line", "reservation", "item", "lot", "location")
        .get(pk=pk)
    )


def lock_parcel(pk: int) -> Parcel:
    """Lock a parcel (after its order) and read it with its carton."""
    return Parcel.objects.select_for_update(of=("self",)).select_related("container").get(pk=pk)


def lock_restock_task(pk: int) -> RestockTask:
    """Lock a restock task and read it with where its units stand."""
    return (
        RestockTask.objects.select_for_update(of=("self",))
        .select_related("container__location", "item", "lot")
        .get(pk=pk)
    )

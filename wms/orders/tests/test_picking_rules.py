"""Which picks the floor may make: no held order, only a plain tote, a stopped order's short picks
recorded, a pick and a cancel at once never deadlock, and the order picks are queued in."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from tests.factories import Site, UserFactory, ctx, make_item, make_site, place, stock
from wms.accounts.models import Role, User
from wms.catalog.models import Client, Item
from wms.errors import DomainError, WrongContainer
from wms.inventory.reconcile import verify
from wms.orders import allocation, fulfilment
from wms.orders.models import Order, OrderState, PickTask, TaskState
from wms.orders.services import cancel_order, hold_order, resume_order


def set_policy(client: Client, **fields: object) -> None:
    policy = allocation.policy_of(client.pk)
    for k, v in fields.items():
        setattr(policy, k, v)
    policy.save()


def released(
    site: Site, client: Client, item: Item, sam: User, external_id: str, qty: int = 1
) -> Order:
    order = place(client, external_id, [(item, qty)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    order.refresh_from_db()
    return order


def ScanCtx(user: User) -> Any:
    from wms.inventory.ledger import ScanContext

    return ScanContext(uuid.uuid4(), user, "race")


def test_a_held_order_is_not_picked(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 2, oscar)
    order = released(site, nwo, tent, sam, "HOLD-1")
    hold_order(order=order, reason="fraud check", actor=sam)
    task = PickTask.objects.get(order=order)
    with pytest.raises(DomainError, match="is on hold: do not pick it"):
        fulfilment.confirm_pick(ctx(oscar), task=task, tote=site.tote(), quantity=1)
    resume_order(order=order, actor=sam)
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=site.tote(), quantity=1)
    order.refresh_from_db()
    assert order.state == OrderState.PICKED


def test_only_a_plain_tote_takes_a_pick(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 2, oscar)
    order = released(site, nwo, tent, sam, "TOTE-1")
    with pytest.raises(WrongContainer, match="is not a picking tote"):
        fulfilment.confirm_pick(
            ctx(oscar), task=PickTask.objects.get(order=order), tote=site.carton(), quantity=1
        )


def test_a_second_short_pick_of_a_stopped_order_is_recorded(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    set_policy(nwo, short_pick="exception")
    stock(site, tent, 1, oscar, at=site.face1)
    stock(site, tent, 1, oscar, at=site.face2)
    order = released(site, nwo, tent, sam, "SHORT-X", qty=2)
    tasks = list(PickTask.objects.filter(order=order).order_by("sequence"))
    assert len(tasks) == 2
    for task in tasks:
        fulfilment.confirm_pick(
            ctx(oscar), task=task, tote=site.tote(), quantity=0, short_reason="empty"
        )
    order.refresh_from_db()
    assert order.state == OrderState.EXCEPTION
    assert order.exceptions.filter(kind="short_pick").count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_pick_and_a_cancel_at_once_never_deadlock() -> None:
    from tests.factories import ClientFactory, run_parallel

    client = ClientFactory.create(code="DLK")
    site = make_site("DLK1")
    op = UserFactory.create(username="dlk-op", role=Role.OPERATOR)
    sup = UserFactory.create(username="dlk-sup", role=Role.SUPERVISOR)
    item = make_item(client, "DLK-1")
    stock(site, item, 40, op)
    orders = [place(client, f"DLK-{i}", [(item, 1)]) for i in range(8)]
    fulfilment.release_wave(warehouse=site.warehouse, actor=sup)
    tasks = {t.order_id: t for t in PickTask.objects.filter(state=TaskState.OPEN)}
    totes = [site.tote(f"T-DLK-{i}") for i in range(8)]

    def race(i: int) -> Any:
        order = orders[i // 2]
        if i % 2:
            return cancel_order(order=order, reason="race", requested_by="test")
        return fulfilment.confirm_pick(
            ScanCtx(op), task=tasks[order.pk], tote=totes[i // 2], quantity=1
        )

    results = run_parallel(16, race)
    errors = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert errors == [], errors
    report = verify()
    assert report.ok, report.problems


def test_an_order_with_no_due_time_queues_after_those_with_one(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    from django.utils import timezone

    stock(site, tent, 2, oscar)
    undated = place(nwo, "NODATE", [(tent, 1)])
    dated = place(nwo, "DATED", [(tent, 1)], ship_by=timezone.now() + dt.timedelta(days=5))
    assert undated.due_at is None
    assert list(fulfilment.work_queue(site.warehouse)) == [dated, undated]

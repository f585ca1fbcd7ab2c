"""The outbox under faults, with a real Celery worker process, a private Redis and a receiver on
127.0.0.1: the worker SIGKILLed before and after the call, Redis stopped and restarted, the receiver
answering 500, 429 or too late. Every test ends with each event applied exactly once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import transaction
from django.db.models import F

from tests.factories import ClientFactory, UserFactory, ctx, make_item, make_site, place, stock
from tests.outbox_receiver import Hold, Receiver
from tests.outbox_support import PrivateRedis, Worker, state_of, to_receiver, wait_for
from wms.catalog.models import Client
from wms.inventory import touches
from wms.inventory.models import ChannelAvailability, ChannelRule, Touch
from wms.orders.models import Event, Order, OrderException
from wms.outbox import queue, routing
from wms.outbox.models import DeliveryException, OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def announce(client: Client, kind: str = "order_shipped", **payload: object) -> OutboxMessage:
    """An event and its delivery row, committed together, the way the domain writes them."""
    with routing.routed(to_receiver()), transaction.atomic():
        event = Event.objects.create(kind=kind, client=client, payload=payload)
        (message,) = queue.queue_event(event, channel="amazon")
    return message


def delivered(message: OutboxMessage) -> bool:
    return state_of(message.pk) == OutboxState.DELIVERED


def test_an_event_is_delivered_once_with_its_idempotency_key(
    worker: Worker, receiver: Receiver
) -> None:
    message = announce(ClientFactory.create(code="OB1"), tracking="1Z1")

    wait_for("the delivery", lambda: delivered(message))

    key = f"tl-event-{message.event_id}-webhook:receiver"
    assert receiver.calls == {key: 1}
    assert receiver.bodies[key]["tracking"] == "1Z1"
    assert receiver.applied_per_event() == {message.event_id: 1}


@pytest.mark.parametrize("applied_before_kill", [False, True], ids=["before-call", "after-call"])
def test_worker_killed_mid_delivery_the_event_is_applied_once(
    worker: Worker, receiver: Receiver, applied_before_kill: bool
) -> None:
    hold = Hold(apply=applied_before_kill)
    receiver.script = [hold]
    message = announce(ClientFactory.create(code="OB2"))

    assert hold.arrived.wait(30), "the worker never called the receiver"
    worker.kill()  # after the call (effect applied) or before it (the request never got through)
    hold.release.set()
    assert state_of(message.pk) == OutboxState.IN_FLIGHT  # the dead worker's claim
    worker.start()

    wait_for("the redelivery after the lease", lambda: delivered(message))
    row = OutboxMessage.objects.get(pk=message.pk)
    key = row.key_for(row.version)
    assert receiver.calls[key] == 2  # called again after the lease expired, with the same key
    assert receiver.applied_per_event() == {message.event_id: 1}
    assert row.attempts == 2


def test_redis_down_scans_and_orders_commit_and_the_backlog_drains(
    worker: Worker, receiver: Receiver, private_redis: PrivateRedis
) -> None:
    op = UserFactory.create(username="ob-op")
    site = make_site("OBR1")
    nwo = ClientFactory.create(code="OBR")
    tent = make_item(nwo, "OBR-TENT")
    stock(site, tent, 5, op)

    private_redis.stop()
    with routing.routed(to_receiver()):
        touches.receive(ctx(op), item=tent, quantity=2, location=site.dock)
        order = place(nwo, "OBR-1001", [(tent, 1)])
        message = announce(nwo, "order_shipped", order=order.external_id)

    # Everything committed without the broker, and waits in the outbox.
    assert Touch.objects.filter(item=tent).count() == 3
    assert Order.objects.get(pk=order.pk).state == "reserved"
    waiting = OutboxMessage.objects.filter(client=nwo)
    assert waiting.count() == 2  # order_accepted and order_shipped
    assert set(waiting.values_list("state", flat=True)) == {OutboxState.PENDING}

    private_redis.start()  # empty: whatever had been queued is gone
    wait_for(
        "the sweeper to drain the backlog",
        lambda: not waiting.exclude(state=OutboxState.DELIVERED).exists(),
    )
    assert receiver.applied_per_event() == dict.fromkeys(
        waiting.values_list("event_id", flat=True), 1
    )
    assert message.event_id in receiver.applied_per_event()


@pytest.mark.parametrize("failure", [500, "timeout"])
def test_a_failing_receiver_is_retried_until_it_answers(
    worker: Worker, receiver: Receiver, failure: int | str
) -> None:
    receiver.script = [failure, failure]
    message = announce(ClientFactory.create(code="OB3"))

    wait_for("the delivery after two failures", lambda: delivered(message))
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.attempts == 3
    assert receiver.calls[row.idempotency_key] == 3
    assert receiver.applied_per_event() == {message.event_id: 1}  # the timed-out call applied it


def test_429_reschedules_without_counting_an_attempt(worker: Worker, receiver: Receiver) -> None:
    receiver.script = [429, 429, 429, 429]  # more 429s than the retry limit allows failures
    message = announce(ClientFactory.create(code="OB4"))

    wait_for("the delivery after the throttling", lambda: delivered(message))
    row = OutboxMessage.objects.get(pk=message.pk)
    assert row.attempts == 1
    assert receiver.calls[row.idempotency_key] == 5
    assert receiver.applied_per_event() == {message.event_id: 1}


def test_after_the_retry_limit_the_event_is_dead_lettered_to_an_owner(
    worker: Worker, receiver: Receiver
) -> None:
    op = UserFactory.create(username="ob-dl")
    site = make_site("OBD1")
    client = ClientFactory.create(code="OBD")
    tent = make_item(client, "OBD-TENT")
    stock(site, tent, 3, op)
    receiver.script = [500, 500, 500]  # OUTBOX_MAX_ATTEMPTS in the worker's settings
    with routing.routed(to_receiver("order_accepted")):
        order = place(client, "OBD-1", [(tent, 1)])
    message = OutboxMessage.objects.get(event__order=order)

    wait_for("the dead letter", lambda: state_of(message.pk) == OutboxState.DEAD)
    exception = DeliveryException.objects.get(message=message)
    assert exception.owner == "integration engineer"
    assert "HTTP 500" in exception.detail and "OBD-1" in exception.detail
    assert OrderException.objects.filter(order=order, kind="delivery_failed").exists()
    assert order.events.filter(kind="delivery_failed").exists()  # in the order's timeline
    assert receiver.applied_per_event() == {}

    queue.retry(message)  # the integration engineer fixed it

    wait_for("the delivery after the retry", lambda: delivered(message))
    assert receiver.applied_per_event() == {message.event_id: 1}
    assert DeliveryException.objects.get(pk=exception.pk).resolved_at is not None


def test_a_burst_of_scans_on_one_sku_costs_a_handful_of_calls(
    worker: Worker, receiver: Receiver, settings: Any
) -> None:
    settings.OUTBOX_COALESCE_SECONDS = 1.0
    burst = 300
    op = UserFactory.create(username="ob-burst")
    site = make_site("OBC1")
    client = ClientFactory.create(code="OBC")
    tent = make_item(client, "OBC-TENT")
    ChannelRule.objects.create(client=client, channel="amazon")
    touches.receive(ctx(op), item=tent, quantity=burst, location=site.dock)

    started = time.monotonic()
    with routing.routed(to_receiver(routing.AVAILABILITY)):
        for _ in range(burst):
            touches.stow(
                ctx(op), item=tent, quantity=1, from_location=site.dock, to_location=site.face1
            )
    took = time.monotonic() - started

    assert ChannelAvailability.objects.get(item=tent, channel="amazon").quantity == burst
    row = OutboxMessage.objects.get(listing__isnull=False)
    wait_for(
        "the last quantity to be delivered",
        lambda: OutboxMessage.objects.filter(
            pk=row.pk, state=OutboxState.DELIVERED, delivered_version=F("version")
        ).exists(),
    )
    quantities = [effect["quantity"] for effect in receiver.effects]
    print(f"{burst} scans in {took:.1f}s cost {len(quantities)} calls: {quantities}")
    assert quantities[-1] == burst  # the receiver ends on the true value...
    assert quantities == sorted(quantities)  # ...and never saw an older one after a newer one
    # One call per coalescing window at most, whatever the number of scans in it.
    assert len(quantities) <= 2 + took / settings.OUTBOX_COALESCE_SECONDS
    assert len(quantities) < burst / 10
    assert sum(receiver.calls.values()) == len(quantities)

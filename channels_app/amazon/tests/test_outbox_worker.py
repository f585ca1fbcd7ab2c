"""Amazon end to end with a real Celery worker process (solo pool, embedded beat), a private
redis-server and the SP-API simulator over real HTTP: an order created on Amazon is imported by the
pollers, reserved, picked, packed and shipped by scans, and Amazon receives one confirmShipment;
a receipt scan reaches Amazon's listing. Then the same under faults — the worker SIGKILLed before
and after the call, Redis stopped and restarted, Amazon answering 429, 500 or too late, ORDER_CHANGE
notifications duplicated and out of order — proved on the simulator's applied-effect counters."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.simulator import Credentials
from channels_app.amazon.tests.conftest import SimControl
from tests.factories import Site, ctx, stock
from tests.outbox_support import PrivateRedis, Worker, private_redis, wait_for  # noqa: F401
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory import touches
from wms.inventory.models import StockPosition
from wms.inventory.reconcile import verify
from wms.orders import fulfilment
from wms.orders.models import Order, OrderState, Shipment
from wms.outbox.models import InboundMessage, OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TRACKING = "1Z999AA10123456784"
StartWorker = Callable[..., Worker]


@pytest.fixture
def start_worker(
    private_redis: PrivateRedis,  # noqa: F811
    sim: SimControl,
    integration: AmazonIntegration,
    tmp_path: Path,
) -> Iterator[StartWorker]:
    """Start the worker with extra environment (pollers, timeouts); stopped after the test."""
    started: list[Worker] = []
    creds = Credentials()

    def start(**env: str) -> Worker:
        w = Worker(broker=private_redis.url, receiver_url="http://127.0.0.1:9/", tmp=tmp_path)
        w.env |= {
            "DJANGO_SETTINGS_MODULE": "tests.amazon_worker_settings",
            "AMAZON_SP_API_URL": sim.url,
            "AMAZON_LWA_URL": sim.url,
            "AMAZON_NOTIFICATIONS_URL": f"{sim.url}/_sim/notifications",
            "AMAZON_NWO_LWA_CLIENT_SECRET": creds.client_secret,
            "AMAZON_NWO_REFRESH_TOKEN": creds.refresh_token,
            **env,
        }
        w.start()
        started.append(w)
        return w

    yield start
    for w in started:
        w.stop()
        for n in range(1, w.starts + 1):  # shown by pytest when the test failed
            log = tmp_path / f"worker-{n}.log"
            print(f"--- worker log {n} ---\n{log.read_text()[-6000:] if log.exists() else ''}")


def effects(sim: SimControl) -> dict[str, Any]:
    return dict(sim.state()["effects"])


def quantity_on_amazon(sim: SimControl, sku: str = "NWO-TENT") -> int | None:
    value = effects(sim)["availability"].get(sku)
    return None if value is None else int(value)


def amazon_order(amazon_id: str) -> Order | None:
    return Order.objects.filter(channel="amazon", external_id=amazon_id).first()


def imported(amazon_id: str, state: str = OrderState.RESERVED) -> Callable[[], bool]:
    return lambda: Order.objects.filter(
        channel="amazon", external_id=amazon_id, state=state
    ).exists()


def pick_and_pack(order: Order, site: Site, tent: Item, oscar: User, sam: User, n: int) -> Any:
    """The floor's scans, through the services the RF screens call."""
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote, carton = site.tote(), site.carton()
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=n)
    fulfilment.pack_units(ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=n)
    parcel = order.parcels.get()
    fulfilment.close_parcel(
        parcel=parcel, weight_g=3000, length_mm=500, width_mm=300, height_mm=200
    )
    return parcel


def ship(order: Order, parcel: Any, oscar: User) -> Shipment:
    return fulfilment.ship_order(
        ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: TRACKING}
    )


def receive_and_stow(site: Site, tent: Item, oscar: User, n: int) -> None:
    touches.receive(ctx(oscar), item=tent, quantity=n, location=site.dock)
    touches.stow(ctx(oscar), item=tent, quantity=n, from_location=site.dock, to_location=site.face1)


def confirmation_row(order: Order) -> OutboxMessage:
    return OutboxMessage.objects.get(event__order=order, kind="order_shipped")


def delivered(row: OutboxMessage) -> Callable[[], bool]:
    return lambda: OutboxMessage.objects.filter(pk=row.pk, state=OutboxState.DELIVERED).exists()


def all_delivered() -> bool:
    return not OutboxMessage.objects.exclude(state=OutboxState.DELIVERED).exists()


def confirmed_once(sim: SimControl, amazon_id: str) -> Callable[[], bool]:
    return lambda: effects(sim)["confirmShipment"].get(amazon_id) == 1


def an_order_on_amazon(
    sim: SimControl, site: Site, tent: Item, oscar: User, *, stocked: int = 5, ordered: int = 2
) -> tuple[str, Order]:
    """Stock published to Amazon, then a buyer's order there, imported by the worker's pollers."""
    sim.listings(**{"NWO-TENT": 0})
    stock(site, tent, stocked, oscar)
    wait_for("Amazon to show the stock", lambda: quantity_on_amazon(sim) == stocked)
    amazon_id = str(sim.order(("NWO-TENT", ordered))["AmazonOrderId"])
    wait_for("the order to be imported and reserved", imported(amazon_id))
    order = amazon_order(amazon_id)
    assert order is not None
    return amazon_id, order


def assert_shipped_as_packed(sim: SimControl, amazon_id: str, n: int) -> None:
    state = sim.state()
    [package] = state["shipments"][amazon_id]
    [item] = state["order_items"][amazon_id]
    assert (package["carrierCode"], package["trackingNumber"]) == ("UPS", TRACKING)
    assert package["orderItems"] == [{"orderItemId": item["OrderItemId"], "quantity": n}]
    assert state["orders"][amazon_id]["OrderStatus"] == "Shipped"
    assert state["effects"]["confirmShipment"] == {amazon_id: 1}


# --- end to end -----------------------------------------------------------------------------------


def test_an_amazon_order_is_imported_shipped_by_scans_and_confirmed_once_and_a_receipt_reaches_amazon(
    start_worker: StartWorker, sim: SimControl, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    start_worker()
    amazon_id, order = an_order_on_amazon(sim, site, tent, oscar, stocked=5, ordered=2)
    assert order.ship_by is not None  # Amazon's LatestShipDate
    wait_for("the reservation to reach Amazon", lambda: quantity_on_amazon(sim) == 3)

    parcel = pick_and_pack(order, site, tent, oscar, sam, 2)
    ship(order, parcel, oscar)
    wait_for("Amazon to receive confirmShipment", confirmed_once(sim, amazon_id))
    wait_for("the confirmation to be recorded", delivered(confirmation_row(order)))
    assert_shipped_as_packed(sim, amazon_id, 2)

    receive_and_stow(site, tent, oscar, 7)  # 3 left after the shipment, 7 received
    wait_for("Amazon to show the receipt", lambda: quantity_on_amazon(sim) == 10)
    wait_for("every outbox row to be delivered", all_delivered)

    state = sim.state()
    assert state["calls"]["confirmShipment"] == 1
    keys = state["effects"]["keys"]
    assert keys and set(keys.values()) == {1}  # no call went out twice in a fault-free run
    assert StockPosition.objects.get(item=tent).on_hand == 10
    assert verify().ok


def test_a_three_carton_order_reaches_amazon_with_three_tracking_numbers(
    start_worker: StartWorker, sim: SimControl, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    start_worker()
    amazon_id, order = an_order_on_amazon(sim, site, tent, oscar, stocked=5, ordered=3)
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote = site.tote()
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=3)
    for _ in range(3):
        carton = site.carton()
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=1
        )
        fulfilment.close_parcel(
            parcel=order.parcels.get(container=carton),
            weight_g=1000,
            length_mm=300,
            width_mm=200,
            height_mm=100,
        )
    numbers = ["1Z999AA10000000011", "1Z999AA10000000022", "1Z999AA10000000033"]
    parcels = list(order.parcels.order_by("pk"))
    fulfilment.ship_order(
        ctx(oscar),
        order=order,
        carrier="UPS",
        tracking={p.pk: numbers[n] for n, p in enumerate(parcels)},
    )

    wait_for("the confirmation to be delivered", delivered(confirmation_row(order)))

    state = sim.state()
    packages = state["shipments"][amazon_id]
    assert [p["trackingNumber"] for p in packages] == numbers
    assert len({p["packageReferenceId"] for p in packages}) == 3
    assert state["effects"]["confirmShipment"] == {amazon_id: 3}
    assert state["orders"][amazon_id]["OrderStatus"] == "Shipped"


# --- the worker killed mid-delivery ----------------------------------------------------------------


@pytest.mark.parametrize("when", ["before-the-call", "after-the-call"])
def test_worker_killed_mid_confirmation_amazon_confirms_once(
    start_worker: StartWorker,
    sim: SimControl,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
    when: str,
) -> None:
    worker = start_worker(AMAZON_SP_API_TIMEOUT="4")  # the kill comes well before a timeout
    amazon_id, order = an_order_on_amazon(sim, site, tent, oscar)
    parcel = pick_and_pack(order, site, tent, oscar, sam, 2)
    if when == "before-the-call":  # the request never takes effect on Amazon
        sim.fault("drop", operation="confirmShipment", seconds=60)
    else:  # Amazon applies it; the answer never comes back
        sim.fault("apply_then_hang", operation="confirmShipment", seconds=60)

    ship(order, parcel, oscar)
    row = confirmation_row(order)
    wait_for("the call to reach Amazon", lambda: sim.state()["calls"].get("confirmShipment") == 1)
    if when == "after-the-call":
        wait_for("Amazon to apply it", confirmed_once(sim, amazon_id))
    worker.kill()
    assert OutboxMessage.objects.get(pk=row.pk).state == OutboxState.IN_FLIGHT  # the dead claim
    start_worker()

    wait_for("the redelivery after the lease", delivered(row), timeout=120)
    assert_shipped_as_packed(sim, amazon_id, 2)
    row.refresh_from_db()
    assert row.attempts == 2
    state = sim.state()
    # Sent again with the same packageReferenceId: Amazon edits the package it may already have
    # (never a second package), and the units shipped stay as packed (above).
    assert state["calls"]["confirmShipment"] == 2
    [package] = state["shipments"][amazon_id]
    key = f"{row.idempotency_key}#{package['packageReferenceId']}"
    assert state["effects"]["keys"][key] == (1 if when == "before-the-call" else 2)


# --- Redis stopped and restarted ----------------------------------------------------------------


def test_redis_down_scans_commit_and_amazon_hears_everything_once_when_it_returns(
    start_worker: StartWorker,
    private_redis: PrivateRedis,  # noqa: F811
    sim: SimControl,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    worker = start_worker()
    amazon_id, order = an_order_on_amazon(sim, site, tent, oscar)
    parcel = pick_and_pack(order, site, tent, oscar, sam, 2)

    private_redis.stop()  # broker and token buckets gone
    ship(order, parcel, oscar)
    receive_and_stow(site, tent, oscar, 4)
    late = str(sim.order(("NWO-TENT", 1))["AmazonOrderId"])  # a buyer orders meanwhile
    assert Order.objects.get(pk=order.pk).state == OrderState.SHIPPED  # the scans committed
    assert effects(sim)["confirmShipment"] == {}
    private_redis.start()  # empty: whatever had been queued is lost

    def supervised(check: Callable[[], bool]) -> Callable[[], bool]:
        """A worker holding an unacknowledged task when Redis vanished exits (kombu must put the
        task back into Redis and cannot); its supervisor starts it again (docker-compose:
        restart: unless-stopped). What it held is in the outbox, not only in the broker."""

        def revived_then_checked() -> bool:
            if worker.proc is not None and worker.proc.poll() is not None:
                with contextlib.suppress(ProcessLookupError):
                    worker.kill()  # its embedded beat, if still there
                worker.start()
            return check()

        return revived_then_checked

    wait = {"timeout": 120.0}
    wait_for("the confirmation", supervised(confirmed_once(sim, amazon_id)), **wait)
    wait_for("the order placed during the outage", supervised(imported(late)), **wait)
    wait_for("Amazon to show 3 + 4 − 1", supervised(lambda: quantity_on_amazon(sim) == 6), **wait)
    wait_for("every outbox row to be delivered", supervised(all_delivered), **wait)
    assert_shipped_as_packed(sim, amazon_id, 2)
    assert Order.objects.filter(channel="amazon").count() == 2


# --- Amazon answering 429, 500, or too late -------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "count", "attempts"),
    [("429", 3, 1), ("500", 2, 3), ("apply_then_hang", 1, 2)],
    ids=["429", "500", "timeout"],
)
def test_amazon_failing_is_retried_and_applied_once(
    start_worker: StartWorker,
    sim: SimControl,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
    fault: str,
    count: int,
    attempts: int,
) -> None:
    start_worker()  # SP-API timeout 2 s: an answer 4 s late is a timeout (after Amazon applied it)
    amazon_id, order = an_order_on_amazon(sim, site, tent, oscar)
    parcel = pick_and_pack(order, site, tent, oscar, sam, 2)
    for operation in ("confirmShipment", "patchListingsItem"):
        sim.fault(fault, operation=operation, count=count, seconds=4)

    ship(order, parcel, oscar)
    receive_and_stow(site, tent, oscar, 4)

    row = confirmation_row(order)
    wait_for("the confirmation to be delivered", delivered(row), timeout=120)
    wait_for("Amazon to show 3 + 4", lambda: quantity_on_amazon(sim) == 7, timeout=120)
    wait_for("every outbox row to be delivered", all_delivered, timeout=120)
    assert_shipped_as_packed(sim, amazon_id, 2)
    row.refresh_from_db()
    assert row.attempts == attempts  # a 429 is not a failed attempt
    calls = sim.state()["calls"]
    # 429: three refusals, then the call; 500: two failures, then the call; timeout: the late
    # call landed and the retry re-sent the same package, which Amazon edits (one package above).
    assert calls["confirmShipment"] == {"429": 4, "500": 3, "apply_then_hang": 2}[fault]


# --- ORDER_CHANGE notifications duplicated and out of order -------------------------------------


NEW_ADDRESS = {
    "Name": "Jo Buyer",
    "AddressLine1": "9 Elm St",
    "City": "Boston",
    "StateOrRegion": "MA",
    "PostalCode": "02108",
    "CountryCode": "US",
}


def test_duplicated_and_reordered_notifications_change_the_order_once(
    start_worker: StartWorker,
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
) -> None:
    stock(site, tent, 5, oscar)
    amazon_id = str(sim.order(("NWO-TENT", 2))["AmazonOrderId"])
    sim.change_address(amazon_id, NEW_ADDRESS)
    first_marker = str(sim.order(("NWO-TENT", 1))["AmazonOrderId"])
    new, moved, marker = sim.notifications()  # taken off the queue before any worker runs
    # SQS delivers at least once and in no promised order: the newest first, then all again. The
    # marker order's notification comes last: once it is imported, the worker (one task at a
    # time, in queue order) has handled every one before it.
    sim.redeliver([moved, new, moved, new, marker])
    worker = start_worker(AMAZON_TEST_POLLERS="notifications")  # no order polling

    wait_for("the marker order", imported(first_marker))
    order = amazon_order(amazon_id)
    assert order is not None and order.state == OrderState.RESERVED
    assert (order.ship_to_line1, order.ship_to_city) == ("9 Elm St", "Boston")  # the newest
    # One getOrder each for the two orders: the stale notification and the repeats cost no call.
    assert sim.state()["calls"]["getOrder"] == 2
    assert Order.objects.filter(channel="amazon").count() == 2
    assert StockPosition.objects.get(item=tent).reserved == 3  # 2 + the marker's 1, once each
    assert InboundMessage.objects.filter(source__endswith=":ORDER_CHANGE").count() == 3

    worker.stop()  # so that the test, not the worker, receives the next notifications
    sim.cancel(amazon_id)
    second_marker = str(sim.order(("NWO-TENT", 1))["AmazonOrderId"])
    cancel, marker = sim.notifications()
    sim.redeliver([cancel, cancel, new, marker])
    worker.start()

    wait_for("the second marker order", imported(second_marker))
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert order.events.filter(to_state=OrderState.CANCELLED).count() == 1
    assert sim.state()["calls"]["getOrder"] == 4
    assert StockPosition.objects.get(item=tent).reserved == 2  # the two markers
    assert InboundMessage.objects.filter(source__endswith=":ORDER_CHANGE").count() == 5

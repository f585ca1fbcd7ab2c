"""What Shopify must hear goes through the outbox: availability as a compare-and-set
inventorySetQuantities with an idempotency key, shipments as fulfillmentCreate with tracking.
Deliveries are driven in-process here (the real worker is in test_d2c.py and test_faults.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from channels_app.outbox import delivery
from channels_app.outbox.delivery import Outcome
from channels_app.shopify.client import CostBucket
from channels_app.shopify.models import ShopifyInventoryItem, ShopifyStore
from channels_app.shopify.pushes import cas_key
from channels_app.shopify.tests.conftest import SimControl, pick_pack_ship
from tests.factories import Site, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders.models import Order
from wms.outbox.models import OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_broker")]


@pytest.fixture(autouse=True)
def _no_coalescing(settings: Any) -> None:
    settings.OUTBOX_COALESCE_SECONDS = 0


def listing(store: ShopifyStore) -> OutboxMessage:
    return OutboxMessage.objects.get(destination=store.destination, listing__isnull=False)


def deliver_all(store: ShopifyStore) -> list[Outcome]:
    due = OutboxMessage.objects.filter(destination=store.destination, state=OutboxState.PENDING)
    return [delivery.deliver(pk) for pk in due.values_list("pk", flat=True)]


def test_availability_is_set_compare_and_set_with_an_idempotency_key(
    registered: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    sim.products(**{"NWO-TENT": 0})
    stock(site, tent, 6, oscar)

    assert deliver_all(registered) == [Outcome.DELIVERED]

    row = listing(registered)
    state = sim.state()
    assert state["available"] == {"NWO-TENT": 6}
    key = cas_key(row.key_for(row.version), 0)  # the outbox's key, compared against Shopify's 0
    assert state["effects"]["applied_keys"] == {key: 1}
    assert state["calls"]["inventoryItem"] == 1  # the first compare value was read, not guessed
    assert ShopifyInventoryItem.objects.get(item=tent).known_quantity == 6

    stock(site, tent, 2, oscar)
    assert deliver_all(registered) == [Outcome.DELIVERED]
    state = sim.state()
    assert state["available"] == {"NWO-TENT": 8}
    assert state["calls"]["inventoryItem"] == 1  # compared against what we last set
    assert state["effects"]["inventory_writes"] == {"NWO-TENT": 2}


def test_a_stale_compare_re_reads_and_retries_once_with_the_fresh_value(
    registered: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    sim.products(**{"NWO-TENT": 0})
    stock(site, tent, 6, oscar)
    deliver_all(registered)
    sim.set_available(**{"NWO-TENT": 4})  # a merchant edits the number behind our back

    stock(site, tent, 1, oscar)
    assert deliver_all(registered) == [Outcome.DELIVERED]

    state = sim.state()
    assert state["available"] == {"NWO-TENT": 7}
    assert state["effects"]["stale"] == {"NWO-TENT": 1}  # 6 → 7 refused: Shopify had 4
    assert state["calls"]["inventorySetQuantities"] == 3  # first push, stale, retry
    assert state["calls"]["inventoryItem"] == 2  # the first read, and the re-read
    row = listing(registered)
    key = row.key_for(row.version)
    assert state["effects"]["applied_keys"] == {
        cas_key(row.key_for(row.version - 1), 0): 1,
        cas_key(key, 4): 1,  # the retry's own key: the same content, compared anew
    }
    assert state["effects"]["keys"][cas_key(key, 6)] == 1  # the stale attempt, not applied


def test_a_compare_stale_twice_is_a_failed_attempt_and_the_outbox_retries(
    registered: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    sim.products(**{"NWO-TENT": 0})
    stock(site, tent, 6, oscar)
    deliver_all(registered)
    sim.set_available(**{"NWO-TENT": 4})
    stock(site, tent, 1, oscar)
    # Between our re-read and our retry it moves again (another app): refused a second time.
    sim.fault("bump_after", operation="AvailableAt")

    assert deliver_all(registered) == [Outcome.RETRYING]

    row = listing(registered)
    assert "still stale after a re-read" in row.last_error
    assert sim.state()["available"]["NWO-TENT"] == 5  # theirs, untouched by us

    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
    assert deliver_all(registered) == [Outcome.DELIVERED]  # the next attempt reads 5 and sets 7
    assert sim.state()["available"]["NWO-TENT"] == 7


def test_throttled_is_rescheduled_not_failed_and_the_bucket_adopts_shopifys_numbers(
    registered: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    sim.products(**{"NWO-TENT": 0})
    sim.throttle(maximumAvailable=200, restoreRate=10, currentlyAvailable=3)
    # Shopify answers our first call THROTTLED. (Left to the buckets alone, whether Shopify's or
    # ours runs dry first depends on how fast the calls follow each other: a race, not a test.)
    sim.fault("THROTTLED")
    stock(site, tent, 6, oscar)

    assert deliver_all(registered) == [Outcome.RESCHEDULED]

    row = listing(registered)
    assert row.attempts == 0  # throttling is not a failure
    # Shopify's THROTTLED, or — when a loaded machine lets the sweep try again at once — the shared
    # bucket holding the retry back; the adopted numbers below prove Shopify's reply was read.
    assert "THROTTLED" in row.last_error or "query-cost points" in row.last_error, row.last_error
    bucket = CostBucket(registered.shop_domain).state()
    assert (bucket["rate"], bucket["burst"]) == (10.0, 200.0)  # Shopify's throttleStatus, adopted
    assert bucket["blocked_until"] > 0
    assert sim.state()["effects"]["applied_keys"] == {}


def test_a_shipment_becomes_one_fulfillment_with_tracking(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})
    created = sim.order(("NWO-TENT", 2))
    order = Order.objects.get(external_id=created["fulfillment_order_id"])

    pick_pack_ship(site, order, oscar, sam, tracking="1ZSHIP0001")

    message = OutboxMessage.objects.get(destination=served.destination, kind="order_shipped")
    assert delivery.deliver(message.pk) == Outcome.DELIVERED
    fo = created["fulfillment_order_id"]
    state = sim.state()
    assert state["effects"]["fulfillments"] == {fo: 1}
    assert state["fulfillment_orders"][fo]["status"] == "CLOSED"
    (fulfillment,) = state["fulfillments"].values()
    assert fulfillment["trackingInfo"] == [
        {
            "company": "UPS",
            "number": "1ZSHIP0001",
            "url": "https://www.ups.com/track?tracknum=1ZSHIP0001",
        }
    ]
    assert fulfillment["lines"] == {created["line_item_ids"][0]: 2}

    # Delivered again (a redelivery after a lost ack): Shopify already has it; nothing is created.
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxState.PENDING, attempts=F("attempts")
    )
    assert delivery.deliver(message.pk) == Outcome.DELIVERED
    assert sim.state()["effects"]["fulfillments"] == {fo: 1}

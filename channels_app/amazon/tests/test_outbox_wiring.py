"""Amazon behind the outbox, in one process over real HTTP to the simulator: what is routed to
Amazon, what the handler sends, the seller's token buckets in Redis, and the polling tasks.
(The same with a real Celery worker, a private Redis and faults: tests/test_amazon_outbox.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.utils import timezone

from channels_app.amazon import adapter, tasks
from channels_app.amazon.client import client_for
from channels_app.amazon.mapping import parse_time
from channels_app.amazon.models import AmazonException, AmazonIntegration
from channels_app.amazon.outbound import destination
from channels_app.amazon.tests.conftest import SimControl
from channels_app.amazon.tests.test_shipments import ship_amazon_order
from channels_app.amazon.throttle import SellerThrottle, bucket_key
from channels_app.outbox import delivery
from channels_app.outbox.delivery import Outcome
from channels_app.outbox.ratelimit import TokenBucket
from tests.factories import ClientFactory, Site, make_item, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.celery import app
from wms.inventory.models import ChannelRule
from wms.orders.models import Order, OrderState
from wms.outbox.models import DeliveryException, InboundMessage, OutboxMessage, OutboxState

S = OutboxState
SELLER = "A3SIMSELLER01"


@pytest.fixture(autouse=True)
def fresh_buckets() -> Iterator[None]:
    """The seller's buckets live in this run's Redis database; each test starts them full."""
    r = redis.Redis.from_url(settings.OUTBOX_RATELIMIT_REDIS_URL)
    keys = list(r.scan_iter(f"ratelimit:amazon:{SELLER}:*"))
    if keys:
        r.delete(*keys)
    yield
    r.close()
    # An eager task run caches a disabled result backend on this thread; a later test that
    # configures one (tests/test_celery.py) must not inherit it.
    celery: Any = app
    celery._local.__dict__.pop("backend", None)


def listing_row(item: Item) -> OutboxMessage:
    return OutboxMessage.objects.get(listing__isnull=False, availability__item=item)


def deliver_now(message: OutboxMessage) -> Outcome:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    return delivery.deliver(message.pk)


def bucket(operation: str) -> TokenBucket:
    return TokenBucket(bucket_key(SELLER, operation), rate=1.0)


# --- routing ------------------------------------------------------------------------------------


def test_availability_of_a_client_selling_on_amazon_is_patched_with_its_key(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    sim.listings(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)

    row = listing_row(tent)
    assert (row.destination, row.kind, row.payload["quantity"]) == (
        destination(integration.pk),
        "availability",
        5,
    )
    assert deliver_now(row) == Outcome.DELIVERED

    effects = sim.state()["effects"]
    assert effects["availability"] == {"NWO-TENT": 5}
    row.refresh_from_db()
    assert effects["keys"] == {f"{row.key_for(row.delivered_version)}:NWO-TENT": 1}


def test_a_client_without_an_active_integration_sends_nothing_to_amazon(
    integration: AmazonIntegration, site: Site, oscar: User
) -> None:
    other = ClientFactory.create(code="BBB")
    ChannelRule.objects.create(client=other, channel="amazon")
    stock(site, make_item(other, "BBB-SERUM"), 5, oscar)
    AmazonIntegration.objects.filter(pk=integration.pk).update(active=False)
    stock(site, make_item(integration.client, "NWO-CUP"), 5, oscar)

    assert not OutboxMessage.objects.exists()


def test_only_the_shipment_of_an_amazon_order_is_confirmed_to_amazon(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    nwo: Client,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    amazon_id, shipment = ship_amazon_order(sim, integration, site, tent, oscar, sam)
    place(nwo, "SH-1", [(tent, 1)])  # a Shopify order of the same brand: not Amazon's business

    events = OutboxMessage.objects.filter(listing__isnull=True)
    [message] = events
    assert (message.kind, message.destination) == ("order_shipped", destination(integration.pk))
    assert deliver_now(message) == Outcome.DELIVERED

    state = sim.state()
    [package] = state["shipments"][amazon_id]
    assert (package["carrierCode"], package["trackingNumber"]) == ("UPS", "1Z999AA10123456784")
    assert state["effects"]["confirmShipment"] == {amazon_id: 1}
    # One key per package: the message's key and the carton's packageReferenceId.
    assert state["effects"]["keys"] == {
        f"{message.idempotency_key}#{package['packageReferenceId']}": 1
    }
    assert Order.objects.get(pk=shipment.order_id).state == OrderState.SHIPPED


# --- the seller's token buckets -----------------------------------------------------------------


def test_the_bucket_adopts_the_rate_amazon_announces(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    sim.listings(**{"NWO-TENT": 0})
    sim.rate_limit("patchListingsItem", 0.5, 5)  # this seller's real rate, below the model's 5/s
    stock(site, tent, 5, oscar)

    assert deliver_now(listing_row(tent)) == Outcome.DELIVERED

    assert bucket("patchListingsItem").state()["rate"] == 0.5


def test_an_empty_bucket_reschedules_without_calling_amazon_or_counting_an_attempt(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    sim.listings(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)
    bucket("patchListingsItem").throttled(30)  # another worker just heard a 429

    row = listing_row(tent)
    assert deliver_now(row) == Outcome.RESCHEDULED

    row.refresh_from_db()
    assert (row.state, row.attempts) == (S.PENDING, 0)
    assert row.next_attempt_at > timezone.now()
    assert "patchListingsItem" not in sim.state()["calls"]


def test_a_429_from_amazon_blocks_the_bucket_for_every_worker(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    sim.listings(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)
    sim.fault("429", operation="patchListingsItem")

    row = listing_row(tent)
    assert deliver_now(row) == Outcome.RESCHEDULED

    row.refresh_from_db()
    assert (row.state, row.attempts) == (S.PENDING, 0)
    assert "rate limited" in row.last_error
    assert bucket("patchListingsItem").take() > 0  # blocked: no worker calls before Retry-After
    assert sim.state()["effects"]["availability"] == {}


def test_every_call_of_a_poll_takes_a_token(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    sim.config(orders_page_size=1)
    for _ in range(3):
        sim.order(("NWO-TENT", 1))
    throttle = SellerThrottle(SELLER)

    with client_for(integration, throttle=throttle) as api:
        adapter.import_orders(integration, parse_time("2020-01-01T00:00:00Z"), api=api)

    calls = sim.state()["calls"]
    # The Restricted Data Token for the buyer's address is an SP-API call like any other.
    assert throttle.calls == {
        "createRestrictedDataToken": 1,
        "getOrders": calls["getOrders"],
        "getOrderItems": 3,
    }
    assert calls["getOrders"] == 3


# --- failures the outbox must see -----------------------------------------------------------------


def test_missing_secrets_dead_letter_the_message_with_the_variable_to_set(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stock(site, tent, 5, oscar)
    monkeypatch.delenv("AMAZON_NWO_REFRESH_TOKEN")

    row = listing_row(tent)
    assert deliver_now(row) == Outcome.DEAD

    assert "AMAZON_NWO_REFRESH_TOKEN" in DeliveryException.objects.get(message=row).detail
    assert sim.state()["calls"] == {}


def test_a_500_is_a_failed_attempt_retried_with_the_same_key(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    sim.listings(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)
    sim.fault("apply_then_500", operation="patchListingsItem")

    row = listing_row(tent)
    assert deliver_now(row) == Outcome.RETRYING
    assert deliver_now(row) == Outcome.DELIVERED

    effects = sim.state()["effects"]
    row.refresh_from_db()
    assert row.attempts == 2
    assert effects["keys"] == {f"{row.key_for(row.delivered_version)}:NWO-TENT": 2}
    assert effects["availability_writes"] == {"NWO-TENT": 1}


# --- the polling tasks (run eagerly here; on a worker in tests/test_amazon_outbox.py) ----------


def test_a_notification_task_applies_it_once_recorded_in_the_outbox_dedupe(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 1))
    [note] = sim.notifications()

    first = tasks.handle_notification.apply((integration.pk, note)).get()
    again = tasks.handle_notification.apply((integration.pk, note)).get()

    assert (first, again) == ("imported", "duplicate")
    notification_id = note["NotificationMetadata"]["NotificationId"]
    assert InboundMessage.objects.filter(
        source=f"amazon:{integration.pk}:ORDER_CHANGE", external_id=notification_id
    ).exists()
    assert Order.objects.get(external_id=placed["AmazonOrderId"]).state == OrderState.RESERVED


def test_an_order_poll_retries_a_transient_failure(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 1))
    sim.fault("500", operation="getOrders")

    result = tasks.import_orders.apply((integration.pk,)).get()

    assert result == {"pages": 1, "orders": 1, "more": False}
    assert sim.state()["calls"]["getOrders"] == 2
    assert Order.objects.filter(external_id=placed["AmazonOrderId"]).exists()


def test_a_revoked_refresh_token_opens_one_exception_instead_of_retrying(
    sim: SimControl, integration: AmazonIntegration, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", "Atzr|revoked")

    for _ in range(2):
        outcome: Any = tasks.import_orders.apply((integration.pk,))
        assert outcome.failed()

    exception = AmazonException.objects.get(kind="sync_failed")
    assert exception.owner == "integration engineer"
    assert "invalid grant" in exception.detail
    assert sim.state()["calls"] == {}  # LWA refused before any SP-API call; no retry storm


def test_reconciliation_holds_a_mismatch_and_publishes_zero_in_the_catalogue_feed(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    sim.listings(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)
    assert deliver_now(listing_row(tent)) == Outcome.DELIVERED
    sim.listings(**{"NWO-TENT": 9})  # someone edited the quantity in Seller Central

    result = tasks.reconcile.apply((integration.pk,)).get()

    assert result["held"] == ["NWO-TENT"]
    assert sim.state()["calls"]["createFeed"] == 1  # the whole catalogue, one feed
    for _ in range(2):  # Amazon processes the feed: IN_PROGRESS, then DONE
        tasks.poll_feed.apply((integration.pk, result["feed"])).get()
    assert sim.state()["effects"]["availability"] == {"NWO-TENT": 0}
    assert AmazonException.objects.get(kind="quantity_mismatch").msku == "NWO-TENT"


def test_without_an_integration_no_task_calls_anything(db: None, sim: SimControl) -> None:
    assert tasks.poll_orders() == 0
    assert tasks.poll_notifications() == 0
    assert tasks.poll_feeds() == 0
    assert tasks.reconcile_all() == 0
    assert sim.state()["calls"] == {}

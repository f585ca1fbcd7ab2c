"""One SKU, two channels, one ATP: Northwind sells NWO-TENT on Amazon and on its Shopify store,
both with buffer 0, from the same 5 sellable units. At the same instant, four Shopify fulfillment
requests (each one the simulator's notification to our live server, which imports, reserves and
accepts or rejects) and four Amazon orders (each imported by a poller task run in its own thread,
several pollers at once) ask for 2 units each — 16 units for 5. Nothing is oversold: exactly two
orders hold stock, the other six are backordered (or refused) with the shortfall as reason,
Shopify was answered per the client's policy, the ledger verifies, and once a real Celery worker
has drained the outbox both simulators show the same quantity as our published ATP: 1."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db.models import F, Sum

from channels_app.amazon import tasks as amazon_tasks
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.simulator import Credentials
from channels_app.amazon.simulator import Simulator as AmazonSimulator
from channels_app.amazon.tests.conftest import SimControl as AmazonControl
from channels_app.errors import TransportError
from channels_app.shopify import adapter as shopify_adapter
from channels_app.shopify.models import FulfillmentOrderState, ShopifyFulfillmentOrder, ShopifyStore
from channels_app.shopify.simulator import Simulator as ShopifySimulator
from channels_app.shopify.tests.conftest import WEBHOOKS
from channels_app.shopify.tests.conftest import SimControl as ShopifyControl
from tests.factories import Site, run_parallel, service, stock
from tests.outbox_support import PrivateRedis, Worker, wait_for
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.models import ChannelAvailability, ChannelRule, StockPosition
from wms.inventory.reconcile import verify
from wms.orders.models import AuthorityPolicy, Order, OrderState, Reservation
from wms.outbox.models import OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SKU = "NWO-TENT"
STOCKED = 5
PER_ORDER = 2
ORDERS_PER_CHANNEL = 4
WAIT = 180.0  # generous: a loaded 2-core machine runs the worker, two simulators and the server


@pytest.fixture
def amazon(settings: Any) -> Iterator[AmazonControl]:
    simulator = AmazonSimulator().start()
    if settings.REDIS_URL:  # no LWA token cached for an earlier simulator on this port
        r = redis.Redis.from_url(settings.REDIS_URL)
        stale = list(r.scan_iter("amazon:lwa:*"))
        if stale:
            r.delete(*stale)
        r.close()
    settings.AMAZON_SP_API_URL = simulator.url
    settings.AMAZON_LWA_URL = simulator.url
    settings.AMAZON_VALIDATE_WIRE = True
    control = AmazonControl(simulator)
    yield control
    control.http.close()
    simulator.stop()


@pytest.fixture
def shopify(settings: Any) -> Iterator[ShopifyControl]:
    simulator = ShopifySimulator(shop_domain=f"nwo-{uuid.uuid4().hex[:8]}.myshopify.com").start()
    settings.SHOPIFY_ADMIN_URL = simulator.url
    settings.SHOPIFY_VALIDATE_WIRE = True
    settings.SHOPIFY_TIMEOUT = 5.0
    control = ShopifyControl(simulator)
    yield control
    control.http.close()
    simulator.stop()


@pytest.fixture
def integration(
    nwo: Client, amazon: AmazonControl, monkeypatch: pytest.MonkeyPatch
) -> AmazonIntegration:
    creds = Credentials()
    monkeypatch.setenv("AMAZON_NWO_LWA_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", creds.refresh_token)
    return AmazonIntegration.objects.create(
        client=nwo,
        seller_id="A3SIMSELLER01",
        marketplace_ids=["ATVPDKIKX0DER"],
        lwa_client_id=creds.client_id,
        secrets_name="NWO",
        default_service=service(),
        ship_from_phone="+1 215 555 0100",
    )


@pytest.fixture
def store(
    nwo: Client,
    shopify: ShopifyControl,
    live_server: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> ShopifyStore:
    """Registered as the store's fulfillment service, callbacks and webhooks to our live server."""
    monkeypatch.setenv("SHOPIFY_NWO_ACCESS_TOKEN", shopify.sim.access_token)
    monkeypatch.setenv("SHOPIFY_NWO_WEBHOOK_SECRET", shopify.sim.webhook_secret)
    settings.SHOPIFY_CALLBACK_BASE_URL = live_server.url
    shopify.config(webhook_url=f"{live_server.url}{WEBHOOKS}")
    row = ShopifyStore.objects.create(
        client=nwo,
        shop_domain=shopify.sim.state.shop_domain,
        secrets_name="NWO",
        default_service=service(),
    )
    return shopify_adapter.register_fulfillment_service(row)


@pytest.fixture
def both_channels(nwo: Client) -> None:
    """Buffer 0 on both: the two channels sell the same units from one ATP."""
    for channel in ("amazon", "shopify"):
        ChannelRule.objects.update_or_create(
            client=nwo, channel=channel, defaults={"buffer": 0, "cap": None, "share_percent": None}
        )


@pytest.fixture
def worker(
    private_redis: PrivateRedis,
    amazon: AmazonControl,
    shopify: ShopifyControl,
    integration: AmazonIntegration,
    store: ShopifyStore,
    tmp_path: Path,
) -> Iterator[Worker]:
    """One real `celery worker` delivering to both simulators; the Amazon order pollers are off
    (the test runs them, several at once), the outbox sweeper and feed poller on."""
    creds = Credentials()
    w = Worker(broker=private_redis.url, receiver_url="http://127.0.0.1:9/unused", tmp=tmp_path)
    w.env |= {
        "DJANGO_SETTINGS_MODULE": "tests.amazon_worker_settings",
        "AMAZON_TEST_POLLERS": "none",
        "AMAZON_SP_API_URL": amazon.url,
        "AMAZON_LWA_URL": amazon.url,
        "AMAZON_NWO_LWA_CLIENT_SECRET": creds.client_secret,
        "AMAZON_NWO_REFRESH_TOKEN": creds.refresh_token,
        "SHOPIFY_ADMIN_URL": shopify.url,
        "SHOPIFY_TIMEOUT": "2",  # under the worker's lease
    }
    w.start()
    yield w
    w.stop()
    for n in range(1, w.starts + 1):  # shown by pytest when the test failed
        log = tmp_path / f"worker-{n}.log"
        print(f"--- worker log {n} ---\n{log.read_text()[-6000:] if log.exists() else ''}")


def on_amazon(amazon: AmazonControl) -> int | None:
    value = amazon.state()["effects"]["availability"].get(SKU)
    return None if value is None else int(value)


def on_shopify(shopify: ShopifyControl) -> int | None:
    value = shopify.state()["available"].get(SKU)
    return None if value is None else int(value)


def published(item: Item, channel: str) -> int:
    return ChannelAvailability.objects.get(item=item, channel=channel).quantity


def outbox_drained() -> bool:
    """Every row delivered, each listing at its latest version."""
    return (
        not OutboxMessage.objects.exclude(state=OutboxState.DELIVERED).exists()
        and not OutboxMessage.objects.filter(listing__isnull=False)
        .exclude(delivered_version=F("version"))
        .exists()
    )


def held(order: Order) -> int:
    total = Reservation.objects.filter(line__order=order).aggregate(n=Sum("quantity"))["n"]
    return int(total or 0)


@pytest.mark.usefixtures("both_channels")
@pytest.mark.parametrize("allow_backorder", [True, False], ids=["backorders", "no-backorders"])
def test_concurrent_orders_on_amazon_and_shopify_for_the_last_units_never_oversell_and_converge(
    worker: Worker,
    amazon: AmazonControl,
    shopify: ShopifyControl,
    integration: AmazonIntegration,
    store: ShopifyStore,
    site: Site,
    tent: Item,
    oscar: User,
    allow_backorder: bool,
) -> None:
    AuthorityPolicy.objects.update_or_create(
        client=tent.client, defaults={"allow_backorder": allow_backorder}
    )
    amazon.listings(**{SKU: 0})
    shopify.products(**{SKU: 0})
    stock(site, tent, STOCKED, oscar)  # received and stowed by scans
    wait_for("Amazon to show the stock", lambda: on_amazon(amazon) == STOCKED, timeout=WAIT)
    wait_for("Shopify to show the stock", lambda: on_shopify(shopify) == STOCKED, timeout=WAIT)

    def buyer(i: int) -> Any:
        if i < ORDERS_PER_CHANNEL:
            # Shopify: the fulfillment request's notification is answered by our live server.
            return shopify.order((SKU, PER_ORDER))
        # Amazon: a buyer orders, and a poller (the beat's task, run here) imports what it finds.
        created = amazon.order((SKU, PER_ORDER))
        try:
            amazon_tasks.import_orders(integration.pk)
        except TransportError as exc:  # throttled: the next poll imports it, as the beat would
            return (created, exc)
        return (created, None)

    results = run_parallel(2 * ORDERS_PER_CHANNEL, buyer, start_within=60)
    failures = [r for r in results if isinstance(r, BaseException)]
    assert not failures, failures
    shopify_created: list[dict[str, Any]] = results[:ORDERS_PER_CHANNEL]
    amazon_ids = [str(created["AmazonOrderId"]) for created, _ in results[ORDERS_PER_CHANNEL:]]

    def all_amazon_imported() -> bool:
        if Order.objects.filter(channel="amazon", external_id__in=amazon_ids).count() == len(
            amazon_ids
        ):
            return True
        with contextlib.suppress(TransportError):
            amazon_tasks.import_orders(integration.pk)  # one more poll, as the beat would make
        return False

    wait_for("every Amazon order imported", all_amazon_imported, timeout=WAIT)
    assert all(c["notification"] == 200 for c in shopify_created), shopify_created

    # --- never oversold ---------------------------------------------------------------------
    position = StockPosition.objects.get(item=tent)
    orders = list(Order.objects.filter(client=tent.client).order_by("pk"))
    assert len(orders) == 2 * ORDERS_PER_CHANNEL
    holding = [o for o in orders if held(o) > 0]
    reserved = sum(held(o) for o in orders)
    assert position.on_hand == STOCKED
    assert position.reserved == reserved <= position.on_hand
    # All or nothing per order, and an order is refused only when fewer than 2 units were left.
    assert reserved == (STOCKED // PER_ORDER) * PER_ORDER == 4
    assert {o.state for o in holding} == {OrderState.RESERVED}
    assert all(held(o) == PER_ORDER for o in holding)
    assert verify().ok

    # --- those that got nothing, per the client's policy, with the shortfall as reason -------
    unserved = [o for o in orders if held(o) == 0]
    assert len(unserved) == 2 * ORDERS_PER_CHANNEL - 2
    sim = shopify.state()
    for o in unserved:
        decision = o.decisions.order_by("at", "pk").last()
        assert decision is not None
        assert SKU in decision.reason, decision.reason  # the shortfall names the SKU
        if allow_backorder:
            assert o.state == OrderState.BACKORDERED
            assert decision.reason.startswith("Backordered: ")
            assert o.events.filter(
                to_state=OrderState.BACKORDERED, policy="allow_backorder"
            ).exists()
        elif o.channel == "amazon":
            assert o.state == OrderState.EXCEPTION  # visible to the client, with why
            assert decision.reason.startswith("Cannot fill and backorders are not allowed: ")
        else:
            assert o.state == OrderState.CANCELLED  # rejected on Shopify: it may route elsewhere
    for created in shopify_created:
        fo_id = created["fulfillment_order_id"]
        order = Order.objects.get(channel="shopify", external_id=fo_id)
        row = ShopifyFulfillmentOrder.objects.get(store=store, fulfillment_order_id=fo_id)
        status = sim["fulfillment_orders"][fo_id]["requestStatus"]
        if held(order) or allow_backorder:
            assert status == "ACCEPTED" and sim["effects"]["accepted"][fo_id] == 1
            assert row.state == FulfillmentOrderState.ACCEPTED
        else:
            assert status == "REJECTED"
            rejected = sim["effects"]["rejected"][fo_id]
            assert rejected["reason"] == "INVENTORY_OUT_OF_STOCK"
            assert rejected["message"].startswith("Rejected by policy allow_backorder=False")
            assert row.state == FulfillmentOrderState.REJECTED
    amazon_orders = amazon.state()["orders"]
    assert all(amazon_orders[a]["OrderStatus"] == "Unshipped" for a in amazon_ids)

    # --- both channels converge on the one ATP ------------------------------------------------
    atp = STOCKED - reserved
    wait_for("the outbox to drain", outbox_drained, timeout=WAIT)
    wait_for("Amazon to show our ATP", lambda: on_amazon(amazon) == atp, timeout=WAIT)
    wait_for("Shopify to show our ATP", lambda: on_shopify(shopify) == atp, timeout=WAIT)
    assert published(tent, "amazon") == published(tent, "shopify") == atp == 1
    assert on_amazon(amazon) == on_shopify(shopify) == atp
    assert verify().ok

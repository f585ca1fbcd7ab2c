"""Restocked returns change every channel's availability at once (issue 12, item 15).

Northwind sells NWO-TENT on Amazon and on its Shopify store from one ATP. Three units are on the
shelf and both channels show 3. A customer sends two back (RMA-88): received and graded sellable
at the returns bench they are not yet sellable, so neither channel moves; restocked to a storage
location, both channels are told 5 — by the outbox, over real HTTP, to each partner's simulator.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.utils import timezone

from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.simulator import Credentials
from channels_app.amazon.simulator import Simulator as AmazonSimulator
from channels_app.amazon.tests.conftest import SimControl as AmazonControl
from channels_app.outbox import delivery
from channels_app.outbox.delivery import Outcome
from channels_app.outbox.tasks import dispatch
from channels_app.shopify import adapter as shopify_adapter
from channels_app.shopify.models import ShopifyStore
from channels_app.shopify.simulator import Simulator as ShopifySimulator
from channels_app.shopify.tests.conftest import SimControl as ShopifyControl
from tests.factories import Site, ctx, service, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inbound import services as inbound
from wms.inbound.models import Disposition, Grade
from wms.inventory.models import ChannelAvailability, ChannelRule
from wms.outbox import queue
from wms.outbox.models import OutboxMessage, OutboxState

SKU = "NWO-TENT"


@pytest.fixture
def no_broker() -> Iterator[None]:
    """Deliveries are driven in-process by the test: nothing goes to the shared broker."""
    queue.set_dispatcher(None)
    yield
    queue.set_dispatcher(dispatch)


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
def both_channels(
    nwo: Client,
    amazon: AmazonControl,
    shopify: ShopifyControl,
    monkeypatch: pytest.MonkeyPatch,
    no_broker: None,
) -> None:
    """An active Amazon integration and a registered Shopify store, buffer 0 on both."""
    creds = Credentials()
    monkeypatch.setenv("AMAZON_NWO_LWA_CLIENT_SECRET", creds.client_secret)
    monkeypatch.setenv("AMAZON_NWO_REFRESH_TOKEN", creds.refresh_token)
    monkeypatch.setenv("SHOPIFY_NWO_ACCESS_TOKEN", shopify.sim.access_token)
    monkeypatch.setenv("SHOPIFY_NWO_WEBHOOK_SECRET", shopify.sim.webhook_secret)
    AmazonIntegration.objects.create(
        client=nwo,
        seller_id="A3SIMSELLER01",
        marketplace_ids=["ATVPDKIKX0DER"],
        lwa_client_id=creds.client_id,
        secrets_name="NWO",
        default_service=service(),
        ship_from_phone="+1 215 555 0100",
    )
    store = ShopifyStore.objects.create(
        client=nwo,
        shop_domain=shopify.sim.state.shop_domain,
        secrets_name="NWO",
        default_service=service(),
    )
    shopify_adapter.register_fulfillment_service(store)
    for channel in ("amazon", "shopify"):
        ChannelRule.objects.update_or_create(
            client=nwo, channel=channel, defaults={"buffer": 0, "cap": None, "share_percent": None}
        )
    amazon.listings(**{SKU: 0})
    shopify.products(**{SKU: 0})


def drain() -> None:
    """Deliver every due outbox row now, as the worker would (the coalescing wait skipped)."""
    for _ in range(10):
        due = list(
            OutboxMessage.objects.filter(state=OutboxState.PENDING).values_list("pk", flat=True)
        )
        if not due:
            return
        OutboxMessage.objects.filter(pk__in=due).update(next_attempt_at=timezone.now())
        outcomes = {delivery.deliver(pk) for pk in due}
        assert outcomes <= {Outcome.DELIVERED, Outcome.NOT_CLAIMED}, outcomes
    raise AssertionError("the outbox did not drain")


def on_channels(amazon: AmazonControl, shopify: ShopifyControl) -> tuple[Any, Any]:
    return (
        amazon.state()["effects"]["availability"].get(SKU),
        shopify.state()["available"].get(SKU),
    )


@pytest.mark.usefixtures("both_channels")
def test_restocked_returns_reach_amazon_and_shopify_at_once(
    amazon: AmazonControl,
    shopify: ShopifyControl,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    stock(site, tent, 3, oscar)
    drain()
    assert on_channels(amazon, shopify) == (3, 3)

    ret = inbound.open_return(client=tent.client, warehouse=site.warehouse, rma="RMA-88")
    unit = inbound.receive_return_units(
        ctx(oscar), ret=ret, item=tent, quantity=2, grade=Grade.SELLABLE, location=site.returns
    )
    drain()
    assert on_channels(amazon, shopify) == (3, 3)  # at the returns bench: not sellable yet

    inbound.dispose_return_unit(
        ctx(sam), unit=unit, disposition=Disposition.RESTOCKED, to_location=site.storage1
    )
    published = dict(
        ChannelAvailability.objects.filter(item=tent).values_list("channel", "quantity")
    )
    assert published == {"amazon": 5, "shopify": 5}  # both recomputed in the restock's transaction
    drain()
    assert on_channels(amazon, shopify) == (5, 5)

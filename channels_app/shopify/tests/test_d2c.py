"""D2C end to end over real HTTP with a real Celery worker: Shopify's fulfillment request reaches
our live server, is accepted and reserved; the floor picks, packs and ships by scans; the worker
delivers the fulfillment with tracking to the simulator exactly once, and the store's available
quantity converges on our ATP. Delivery itself is the carrier's to report (the seam is
wms.orders.fulfilment.mark_delivered, which carrier events call)."""

from __future__ import annotations

import pytest
from django.db.models import F

from channels_app.shopify.models import FulfillmentOrderState, ShopifyFulfillmentOrder, ShopifyStore
from channels_app.shopify.tests.conftest import SimControl, pick_pack_ship
from tests.factories import Site, stock
from tests.outbox_support import Worker, wait_for
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inventory.models import ChannelAvailability
from wms.orders import fulfilment
from wms.orders.models import Order, OrderState
from wms.outbox.models import OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_shopify_order_from_fulfillment_request_to_tracking_on_the_store(
    shopify_worker: Worker,
    served: ShopifyStore,
    sim: SimControl,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    sim.products(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)

    created = sim.order(("NWO-TENT", 2))  # the notification goes to the live server

    fo = created["fulfillment_order_id"]
    order = Order.objects.get(channel="shopify", external_id=fo)
    assert order.state == OrderState.RESERVED
    assert sim.state()["fulfillment_orders"][fo]["requestStatus"] == "ACCEPTED"

    shipment = pick_pack_ship(site, order, oscar, sam, tracking="1ZD2C0000001")

    shipped = OutboxMessage.objects.get(destination=served.destination, kind="order_shipped")
    wait_for(
        "the fulfillment on the simulator",
        lambda: OutboxMessage.objects.get(pk=shipped.pk).state == OutboxState.DELIVERED,
    )
    state = sim.state()
    assert state["effects"]["fulfillments"] == {fo: 1}
    assert state["calls"]["fulfillmentCreate"] == 1
    (fulfillment,) = state["fulfillments"].values()
    assert fulfillment["trackingInfo"][0]["number"] == "1ZD2C0000001"
    assert state["fulfillment_orders"][fo]["status"] == "CLOSED"
    row = ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=fo)
    assert row.state == FulfillmentOrderState.FULFILLED and row.fulfillment_id == fulfillment["id"]

    # Availability went out through the same worker and the store shows our ATP (5 − 2 = 3).
    ours = ChannelAvailability.objects.get(item=tent, channel="shopify").quantity
    assert ours == 3
    wait_for(
        "the last availability on the simulator",
        lambda: OutboxMessage.objects.filter(
            destination=served.destination,
            listing__isnull=False,
            state=OutboxState.DELIVERED,
            delivered_version=F("version"),
        ).exists(),
    )
    assert sim.state()["available"] == {"NWO-TENT": ours}

    # The carrier's seam: its events own delivery reality.
    fulfilment.mark_delivered(shipment=shipment)
    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED

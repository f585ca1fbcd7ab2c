"""Shopify names each fulfillment of an order "<order name>.<n>" and asks fetch_tracking_numbers by
that name; we store the name fulfillmentCreate answers with and answer from it exactly — never
from a guess at which of our fulfillments Shopify counted as the n-th."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest

from channels_app.shopify import documents as D
from channels_app.shopify.models import ShopifyFulfillmentOrder, ShopifyStore
from channels_app.shopify.tests.conftest import SimControl, pick_pack_ship
from channels_app.shopify.tests.test_callbacks_and_addresses import signed_get
from channels_app.shopify.tests.test_golive_simulator import _register, raw  # noqa: F401
from channels_app.shopify.tests.test_outbound import deliver_all
from tests.factories import Site, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders.models import Order


def test_the_simulator_numbers_fulfillments_per_order_as_shopify_does(raw: Any) -> None:  # noqa: F811
    sim, gql = raw
    sim.products(**{"NWO-TENT": 0})
    _register(gql)
    order = sim.order(("NWO-TENT", 3), name="#1001", webhook=False, notify=False)
    fo = order["fulfillment_order_id"]
    gql(D.ACCEPT, {"id": fo})
    line = order["line_item_ids"][0]

    def fulfil(quantity: int) -> dict[str, Any]:
        group = {
            "fulfillmentOrderId": fo,
            "fulfillmentOrderLineItems": [{"id": line, "quantity": quantity}],
        }
        answer = gql(D.FULFILL, {"fulfillment": {"lineItemsByFulfillmentOrder": [group]}})
        return dict(answer["data"]["fulfillmentCreate"]["fulfillment"])

    assert [fulfil(1)["name"], fulfil(2)["name"]] == ["#1001.1", "#1001.2"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("no_broker")
def test_tracking_is_answered_by_the_name_shopify_gave_our_fulfillment(
    served: ShopifyStore,
    sim: SimControl,
    live: str,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})
    created = sim.order(("NWO-TENT", 1), name="#1001")
    pick_pack_ship(
        site, Order.objects.get(external_id=created["fulfillment_order_id"]), oscar, sam, "1ZOURS"
    )
    deliver_all(served)  # fulfillmentCreate
    row = ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=created["fulfillment_order_id"])
    assert row.fulfillment_name == "#1001.1"  # as fulfillmentCreate answered
    # The merchant had fulfilled other items of #1001 by hand first: Shopify named ours #1001.2.
    ShopifyFulfillmentOrder.objects.filter(pk=row.pk).update(fulfillment_name="#1001.2")
    query = urlencode(
        [("order_names[]", "#1001.1"), ("order_names[]", "#1001.2"), ("shop", served.shop_domain)]
    )

    answer = signed_get(live, served, sim.sim.webhook_secret, "fetch_tracking_numbers", query)

    assert answer.status_code == 200
    # #1001.1 is the merchant's fulfillment, not ours: left out rather than answered with ours.
    assert answer.json()["tracking_numbers"] == {"#1001.2": "1ZOURS"}

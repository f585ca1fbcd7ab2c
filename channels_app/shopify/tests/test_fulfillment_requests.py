"""Shopify asks, we answer: fulfillment requests are imported and reserved, then accepted, or
rejected with why; cancellation requests are judged by the client's policy. Over real HTTP: the
simulator notifies the live server, which reads the assigned fulfillment orders back."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from channels_app.shopify import signing
from channels_app.shopify.models import FulfillmentOrderState, ShopifyFulfillmentOrder, ShopifyStore
from channels_app.shopify.tests.conftest import SimControl, pick_pack_ship
from tests.factories import Site, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders.models import AuthorityPolicy, Order, OrderState, Reservation
from wms.outbox.models import InboundMessage

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_broker")]


def order_for(created: dict[str, Any]) -> Order:
    return Order.objects.get(channel="shopify", external_id=created["fulfillment_order_id"])


def test_a_fulfillment_request_is_imported_reserved_and_accepted_once(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})

    created = sim.order(("NWO-TENT", 2))

    assert created["notification"] == 200
    assert created["webhook"] == 200  # orders/create, signed, noted
    order = order_for(created)
    assert order.state == OrderState.RESERVED
    assert (
        sum(Reservation.objects.filter(line__order=order).values_list("quantity", flat=True)) == 2
    )
    assert order.lines.get().channel_line_id == created["line_item_ids"][0]
    fo = created["fulfillment_order_id"]
    state = sim.state()
    assert state["fulfillment_orders"][fo]["requestStatus"] == "ACCEPTED"
    assert state["effects"]["accepted"] == {fo: 1}
    row = ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=fo)
    assert row.state == FulfillmentOrderState.ACCEPTED and row.order_id == order.pk
    assert row.decision.startswith("Accepted and reserved: Ship complete from TST1")
    assert InboundMessage.objects.filter(source=f"shopify:{served.pk}:webhook").count() == 1

    # The same notification again (Shopify retries them): nothing is requested any more.
    assert httpx.post(f"{sim.url}/_sim/notify", json={"kind": "FULFILLMENT_REQUEST"}).json() == {
        "status": 200
    }
    assert sim.state()["effects"]["accepted"] == {fo: 1}
    assert Order.objects.filter(channel="shopify").count() == 1


def test_no_stock_and_no_backorders_by_policy_is_rejected_with_the_reason(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    AuthorityPolicy.objects.update_or_create(
        client=served.client, defaults={"allow_backorder": False}
    )
    stock(site, tent, 1, oscar)
    sim.products(**{"NWO-TENT": 1})

    created = sim.order(("NWO-TENT", 3))

    rejected = sim.state()["effects"]["rejected"][created["fulfillment_order_id"]]
    assert rejected["reason"] == "INVENTORY_OUT_OF_STOCK"
    assert rejected["message"].startswith("Rejected by policy allow_backorder=False: Cannot fill")
    assert "NWO-TENT" in rejected["message"]
    order = order_for(created)
    assert order.state == OrderState.CANCELLED
    assert not Reservation.objects.filter(line__order=order, quantity__gt=0).exists()


def test_a_backorder_allowed_by_policy_is_accepted_and_says_so(
    served: ShopifyStore, sim: SimControl, tent: Item
) -> None:
    sim.products(**{"NWO-TENT": 0})

    created = sim.order(("NWO-TENT", 1))

    assert sim.state()["effects"]["accepted"] == {created["fulfillment_order_id"]: 1}
    assert order_for(created).state == OrderState.BACKORDERED
    row = ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=created["fulfillment_order_id"])
    assert row.decision.startswith("Accepted; backordered by policy allow_backorder=True")


def test_an_unknown_sku_is_rejected_and_nothing_is_imported(
    served: ShopifyStore, sim: SimControl, tent: Item
) -> None:
    sim.products(**{"NWO-GHOST": 4})

    created = sim.order(("NWO-GHOST", 1))

    rejected = sim.state()["effects"]["rejected"][created["fulfillment_order_id"]]
    assert rejected["reason"] == "INVALID_SKU"
    assert "Shopify SKU NWO-GHOST matches no item" in rejected["message"]
    assert not Order.objects.exists()


def test_a_cancellation_request_before_picking_is_accepted_and_frees_the_stock(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})
    created = sim.order(("NWO-TENT", 2))

    answer = sim.request_cancellation(created["fulfillment_order_id"])

    assert answer["notification"] == 200
    fo = created["fulfillment_order_id"]
    assert sim.state()["effects"]["cancellations"] == {fo: "accepted"}
    order = order_for(created)
    assert order.state == OrderState.CANCELLED
    assert not Reservation.objects.filter(line__order=order, quantity__gt=0).exists()
    assert order.events.filter(policy="cancel_before_pick", owner="channel:shopify").exists()


def test_a_cancellation_request_after_shipping_is_rejected_with_the_policy_answer(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})
    created = sim.order(("NWO-TENT", 1))
    pick_pack_ship(site, order_for(created), oscar, sam)

    sim.request_cancellation(created["fulfillment_order_id"])

    verdict = sim.state()["effects"]["cancellations"][created["fulfillment_order_id"]]
    assert verdict.startswith("rejected: Order gid://shopify/FulfillmentOrder/")
    assert "has shipped; it cannot be cancelled" in verdict
    assert order_for(created).state == OrderState.SHIPPED


def test_an_orders_cancelled_webhook_cancels_by_policy(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    sim.products(**{"NWO-TENT": 5})
    created = sim.order(("NWO-TENT", 2))

    sent = sim.webhook(
        "orders/cancelled",
        {"admin_graphql_api_id": created["order_id"], "cancel_reason": "customer"},
        webhook_id="wh-cancel-1",
    )

    assert sent == {"status": 200}
    assert order_for(created).state == OrderState.CANCELLED
    assert sim.webhook(
        "orders/cancelled", {"admin_graphql_api_id": created["order_id"]}, "wh-cancel-1"
    ) == {"status": 200}
    assert sim.state()["sent"][-1]["answer"] == '{"outcome": "duplicate"}'


def test_fetch_stock_answers_our_atp_for_channel_shopify_signed(
    served: ShopifyStore, sim: SimControl, live: str, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 7, oscar)
    url = f"{live}/channels/shopify/callbacks/{served.pk}/fetch_stock"
    query = f"sku=NWO-TENT&shop={served.shop_domain}"

    signed = httpx.get(
        f"{url}?{query}",
        headers={signing.HEADER: signing.sign(sim.sim.webhook_secret, query.encode())},
    )
    unsigned = httpx.get(f"{url}?{query}")

    assert signed.json() == {"NWO-TENT": 7}
    assert unsigned.status_code == 401

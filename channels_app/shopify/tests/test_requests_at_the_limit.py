"""Fulfillment requests at Shopify's real limits, over real HTTP: a 150-line fulfillment order is
imported with every document under the 1,000-point single-query limit; a request whose callback
was lost is found by the poller; a permanent refusal becomes an exception with an owner and the
notification is acknowledged instead of failing (503) forever."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from channels_app.shopify import adapter, inbound, tasks
from channels_app.shopify.models import ShopifyException, ShopifyFulfillmentOrder, ShopifyStore
from channels_app.shopify.simulator.cost import SINGLE_QUERY_LIMIT
from channels_app.shopify.tests.conftest import SimControl
from tests.factories import Site, make_item, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.orders.models import Order, OrderState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_broker")]

LINES = 150


def order_for(created: dict[str, Any]) -> Order:
    return Order.objects.get(channel="shopify", external_id=created["fulfillment_order_id"])


@pytest.mark.slow  # 150 items received and stowed first (~30 s on the shared CI box)
def test_a_150_line_fulfillment_order_is_imported_at_the_1000_point_limit(
    served: ShopifyStore, sim: SimControl, site: Site, nwo: Client, oscar: User
) -> None:
    sim.throttle(plan="standard")  # Shopify's Standard plan: 2,000-point bucket, 100 points/s
    skus = [f"NWO-P{n:03d}" for n in range(LINES)]
    for sku in skus:
        stock(site, make_item(nwo, sku), 2, oscar)
    sim.products(**dict.fromkeys(skus, 2))

    created = sim.order(*[(sku, 1) for sku in skus])

    assert created["notification"] == 200
    order = order_for(created)
    assert order.state == OrderState.RESERVED
    assert order.lines.count() == LINES
    assert sorted(order.lines.values_list("channel_line_id", flat=True)) == sorted(
        created["line_item_ids"]
    )
    state = sim.state()
    assert state["effects"]["accepted"] == {created["fulfillment_order_id"]: 1}
    costs = state["costs"]
    assert [c for c in costs if c[3] is not None] == []  # nothing refused, nothing throttled
    assert max(c[1] for c in costs) <= SINGLE_QUERY_LIMIT // 2  # well under the limit
    assert state["calls"]["fulfillmentOrder"] >= 1  # the line items came page by page
    row = ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=created["fulfillment_order_id"])
    assert len(row.lines) == LINES


def test_the_poller_answers_a_request_whose_callback_was_lost(
    served: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User, capsys: Any
) -> None:
    stock(site, tent, 3, oscar)
    sim.products(**{"NWO-TENT": 3})
    lost = sim.order(("NWO-TENT", 1), notify=False, webhook=False)
    assert not Order.objects.exists()  # Shopify's notification never arrived

    call_command("shopify_poll_requests")

    assert order_for(lost).state == OrderState.RESERVED
    assert sim.state()["effects"]["accepted"] == {lost["fulfillment_order_id"]: 1}
    out = capsys.readouterr().out
    assert f"{served.shop_domain}: 1 request(s) answered" in out
    assert f"{lost['fulfillment_order_id']}: accepted" in out

    # The beat task finds nothing more: answered requests are no longer requested.
    again = sim.order(("NWO-TENT", 1), notify=False, webhook=False)
    assert tasks.poll_store.apply(args=(served.pk,)).get() == {
        "outcomes": {again["fulfillment_order_id"]: "accepted"},
        "exceptions": [],
    }
    assert tasks.poll_store.apply(args=(served.pk,)).get() == {"outcomes": {}, "exceptions": []}


def test_a_permanent_refusal_is_an_exception_with_an_owner_not_an_endless_503(
    served: ShopifyStore, sim: SimControl, tent: Item
) -> None:
    sim.products(**{"NWO-TENT": 1})
    # The listing issue 12 found: 25 fulfillment orders × 100 line items, 2,602 points.
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(inbound, "ORDERS_PER_PAGE", 25)
        patched.setattr(inbound, "LINES_WITH_ORDER", 100)
        created = sim.order(("NWO-TENT", 1))
        resent = sim.sim.notify("FULFILLMENT_REQUEST")  # Shopify retrying the notification

    assert (created["notification"], resent) == (200, 200)  # acknowledged: no resend storm
    problem = ShopifyException.objects.get(store=served)  # one open exception, seen twice
    assert problem.kind == "fulfillment_requests_unlisted"
    assert problem.owner == "integration engineer"
    assert problem.codes == ["MAX_COST_EXCEEDED"]
    assert "would cost 2602 points" in problem.detail
    assert problem.seen_at > problem.created_at
    assert "assignedFulfillmentOrders" not in sim.state()["calls"]  # never sent to Shopify
    assert not Order.objects.exists()

    # Fixed (the page sizes back): the poller answers the request and the exception closes.
    assert adapter.answer_open_requests(served)["outcomes"] == {
        created["fulfillment_order_id"]: "accepted"
    }
    assert order_for(created).state == OrderState.BACKORDERED  # no stock; policy allows it
    problem.refresh_from_db()
    assert problem.resolved_at is not None


def test_a_transient_failure_still_answers_503_and_records_nothing(
    served: ShopifyStore, sim: SimControl, tent: Item
) -> None:
    sim.products(**{"NWO-TENT": 1})
    sim.fault("500", operation="AssignedFulfillmentOrders")

    created = sim.order(("NWO-TENT", 1))
    resent = sim.sim.notify("FULFILLMENT_REQUEST")

    assert (created["notification"], resent) == (503, 200)  # Shopify resends; the second works
    assert not ShopifyException.objects.exists()
    assert sim.state()["effects"]["accepted"] == {created["fulfillment_order_id"]: 1}


def test_a_revoked_token_is_an_exception_for_the_integration_engineer(
    served: ShopifyStore, sim: SimControl, tent: Item
) -> None:
    sim.products(**{"NWO-TENT": 1})
    # The app was reinstalled: our token is dead.
    sim.config(access_token="shpat_reinstalled")  # noqa: S106 - the simulator's, not a secret

    created = sim.order(("NWO-TENT", 1))

    assert created["notification"] == 200
    problem = ShopifyException.objects.get(store=served)
    assert (problem.kind, problem.owner) == (
        "fulfillment_requests_unlisted",
        "integration engineer",
    )
    assert "refused our access token" in problem.detail and "reinstall" in problem.detail

"""Amazon orders into the WMS over real HTTP: polling with paging, ORDER_CHANGE notifications
(dedupe, out of date), and cancels and address changes judged by the client's policy."""

from __future__ import annotations

import pytest

from channels_app.amazon import adapter
from channels_app.amazon.mapping import parse_time
from channels_app.amazon.models import AmazonException, AmazonIntegration, AmazonOrder
from channels_app.amazon.tests.conftest import SimControl
from tests.factories import Site, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders import services
from wms.orders.models import AuthorityPolicy, CancelAfterPick, Order, OrderState

NEW_ADDRESS = {
    "Name": "Jo Buyer",
    "AddressLine1": "9 Elm St",
    "City": "Boston",
    "StateOrRegion": "MA",
    "PostalCode": "02108",
    "CountryCode": "US",
}


def wms_order(amazon_order_id: str) -> Order:
    return Order.objects.get(channel="amazon", external_id=amazon_order_id)


def test_polling_imports_every_page_with_the_latest_ship_date_as_ship_by(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
) -> None:
    stock(site, tent, 20, oscar)
    stock(site, mug, 20, oscar)
    sim.config(orders_page_size=2, items_page_size=1)
    placed = [sim.order(("NWO-TENT", 1), ("NWO-MUG", 2)) for _ in range(5)]

    result = adapter.import_orders(integration, parse_time("2020-01-01T00:00:00Z"))

    assert result.pages == 3
    assert result.count("imported") == 5
    first = wms_order(placed[0]["AmazonOrderId"])
    assert first.ship_by == parse_time(placed[0]["LatestShipDate"])
    assert first.state == OrderState.RESERVED
    lines = sorted(first.lines.values_list("item__sku", "quantity", "channel_line_id"))
    items = sim.state()["order_items"][placed[0]["AmazonOrderId"]]
    assert lines == sorted(
        [(i["SellerSKU"], i["QuantityOrdered"], i["OrderItemId"]) for i in items]
    )
    integration.refresh_from_db()
    assert integration.orders_synced_through == parse_time(placed[-1]["LastUpdateDate"])

    again = adapter.import_orders(integration)
    assert again.outcomes == {}
    assert Order.objects.filter(channel="amazon").count() == 5


def test_an_order_with_an_unknown_sku_is_refused_and_polled_again(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    bad = sim.order(("NWO-NOPE", 1))
    result = adapter.import_orders(integration, parse_time("2020-01-01T00:00:00Z"))
    assert result.outcomes[bad["AmazonOrderId"]].startswith("refused: Amazon SKU NWO-NOPE")
    exception = AmazonException.objects.get(kind="order_refused")
    assert exception.evidence == {"amazon_order_id": bad["AmazonOrderId"]}
    integration.refresh_from_db()
    assert integration.orders_synced_through is not None
    assert integration.orders_synced_through < parse_time(bad["LastUpdateDate"])


def test_a_notification_delivered_twice_is_applied_once(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 1))
    [note] = sim.notifications()

    assert adapter.handle_notification(integration, note) == "imported"
    assert adapter.handle_notification(integration, note) == "duplicate"

    assert sim.state()["calls"]["getOrder"] == 1  # the repeat cost no Amazon call
    assert wms_order(placed["AmazonOrderId"]).state == OrderState.RESERVED


def test_an_out_of_date_notification_is_ignored(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 1))
    [created] = sim.notifications()
    sim.cancel(placed["AmazonOrderId"])
    [cancelled] = sim.notifications()

    # Delivered out of order: the cancel first, then the older "new order" notification.
    assert adapter.handle_notification(integration, cancelled) == "cancelled_before_import"
    assert adapter.handle_notification(integration, created) == "out_of_date"
    assert not Order.objects.filter(channel="amazon").exists()
    row = AmazonOrder.objects.get(amazon_order_id=placed["AmazonOrderId"])
    assert row.status == "Canceled"


def test_a_cancel_before_picking_releases_the_stock(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 2))
    adapter.handle_notification(integration, sim.notifications()[0])
    sim.cancel(placed["AmazonOrderId"])

    assert adapter.handle_notification(integration, sim.notifications()[0]) == "cancel_applied"

    order = wms_order(placed["AmazonOrderId"])
    assert order.state == OrderState.CANCELLED
    event = order.events.get(to_state=OrderState.CANCELLED)
    assert (event.owner, event.policy) == ("channel:amazon", "cancel_before_pick")


def test_a_cancel_after_picking_follows_the_clients_policy(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    from tests.factories import ctx
    from wms.orders import fulfilment

    AuthorityPolicy.objects.update_or_create(
        client=integration.client, defaults={"cancel_after_pick": CancelAfterPick.COMPLETE_AND_FLAG}
    )
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 1))
    adapter.import_orders(integration, parse_time("2020-01-01T00:00:00Z"))
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=site.tote(), quantity=1)
    sim.cancel(placed["AmazonOrderId"])

    result = adapter.import_orders(integration)

    assert result.outcomes == {placed["AmazonOrderId"]: "cancel_flagged"}
    order = wms_order(placed["AmazonOrderId"])
    assert order.state == OrderState.PICKED
    assert order.exceptions.get().kind == "cancel_after_pick"
    assert order.events.filter(policy="cancel_after_pick=complete_and_flag").exists()


def test_an_address_change_before_the_label_is_applied(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 1))
    adapter.handle_notification(integration, sim.notifications()[0])
    sim.change_address(placed["AmazonOrderId"], NEW_ADDRESS)

    assert adapter.handle_notification(integration, sim.notifications()[0]) == "address_applied"
    order = wms_order(placed["AmazonOrderId"])
    assert (order.ship_to_line1, order.ship_to_city, order.ship_to_region) == (
        "9 Elm St",
        "Boston",
        "MA",
    )


def test_an_address_change_after_the_label_holds_the_order_by_policy(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User
) -> None:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 1))
    adapter.handle_notification(integration, sim.notifications()[0])
    services.mark_label_printed(order=wms_order(placed["AmazonOrderId"]))
    sim.change_address(placed["AmazonOrderId"], NEW_ADDRESS)

    assert adapter.handle_notification(integration, sim.notifications()[0]) == "address_held"
    order = wms_order(placed["AmazonOrderId"])
    assert order.state == OrderState.ON_HOLD
    assert order.ship_to_city == "New York"  # waits for a supervisor's decision
    assert order.exceptions.get().kind == "address_after_label"


@pytest.mark.parametrize("status", ["Pending", "PendingAvailability"])
def test_an_order_not_yet_payable_waits(
    sim: SimControl, integration: AmazonIntegration, tent: Item, status: str
) -> None:
    sim.order(("NWO-TENT", 1), OrderStatus=status)
    result = adapter.import_orders(integration, parse_time("2020-01-01T00:00:00Z"))
    assert list(result.outcomes.values()) == ["pending"]
    assert not Order.objects.exists()

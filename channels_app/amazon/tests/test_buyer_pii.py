"""The buyer's address and phone arrive through Restricted Data Tokens (Tokens API), over real
HTTP against a simulator that redacts them from any other caller."""

from __future__ import annotations

from channels_app.amazon import adapter
from channels_app.amazon.mapping import parse_time
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.tests.conftest import SimControl
from wms.catalog.models import Item
from wms.orders.address import Address
from wms.orders.models import Order

SINCE = parse_time("2020-01-01T00:00:00Z")


def test_a_polled_order_keeps_the_buyers_address_phone_and_email(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    placed = sim.order(("NWO-TENT", 1))

    adapter.import_orders(integration, SINCE)

    order = Order.objects.get(channel="amazon", external_id=placed["AmazonOrderId"])
    assert Address.of(order) == Address(
        name="Jo Buyer",
        line1="1 Main St",
        city="New York",
        region="NY",
        postal_code="10001",
        country="US",
        phone="+1 212 555 0143",
        email="jo@marketplace.amazon.com",
    )


def test_one_rdt_serves_every_page_of_a_poll(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    sim.config(orders_page_size=2)
    for _ in range(5):
        sim.order(("NWO-TENT", 1))

    result = adapter.import_orders(integration, SINCE)

    assert result.count("imported") == 5
    calls = sim.state()["calls"]
    assert (calls["getOrders"], calls["createRestrictedDataToken"]) == (3, 1)
    assert Order.objects.filter(channel="amazon").exclude(ship_to_phone="").count() == 5


def test_a_notified_order_is_fetched_with_an_rdt_for_that_order(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    placed = sim.order(("NWO-TENT", 1))
    [note] = sim.notifications()

    assert adapter.handle_notification(integration, note) == "imported"

    order = Order.objects.get(external_id=placed["AmazonOrderId"])
    assert (order.ship_to_name, order.ship_to_phone) == ("Jo Buyer", "+1 212 555 0143")
    assert sim.state()["calls"]["createRestrictedDataToken"] == 1


def test_the_rdt_is_reused_until_it_expires(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    sim.order(("NWO-TENT", 1))
    adapter.import_orders(integration, SINCE)
    sim.order(("NWO-TENT", 1))

    adapter.import_orders(integration, SINCE)

    assert sim.state()["calls"]["createRestrictedDataToken"] == 1


def test_an_expired_rdt_is_replaced_and_the_poll_goes_on(
    sim: SimControl, integration: AmazonIntegration, tent: Item
) -> None:
    sim.order(("NWO-TENT", 1))
    adapter.import_orders(integration, SINCE)
    sim._post("/expire_rdts")  # Amazon answers 403 "The access token you provided has expired."
    placed = sim.order(("NWO-TENT", 1))

    adapter.import_orders(integration, SINCE)

    assert Order.objects.get(external_id=placed["AmazonOrderId"]).ship_to_phone
    calls = sim.state()["calls"]
    assert (calls["lwa"], calls["createRestrictedDataToken"]) == (2, 2)

"""confirmShipment over real HTTP: carrier, tracking and order items, and never twice."""

from __future__ import annotations

import pytest

from channels_app.amazon import adapter
from channels_app.amazon.errors import TransportError
from channels_app.amazon.mapping import parse_time
from channels_app.amazon.models import AmazonIntegration, AmazonOrder
from channels_app.amazon.tests.conftest import SimControl
from tests.factories import Site, ctx, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.orders import fulfilment
from wms.orders.models import Order, Shipment


def ship_amazon_order(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User, sam: User
) -> tuple[str, Shipment]:
    stock(site, tent, 5, oscar)
    placed = sim.order(("NWO-TENT", 2))
    adapter.import_orders(integration, parse_time("2020-01-01T00:00:00Z"))
    order = Order.objects.get(channel="amazon", external_id=placed["AmazonOrderId"])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    task = fulfilment.next_task(warehouse=site.warehouse)
    assert task is not None
    tote, carton = site.tote(), site.carton()
    fulfilment.confirm_pick(ctx(oscar), task=task, tote=tote, quantity=2)
    fulfilment.pack_units(ctx(oscar), order=order, tote=tote, carton=carton, item=tent, quantity=2)
    parcel = order.parcels.get()
    fulfilment.close_parcel(
        parcel=parcel, weight_g=3000, length_mm=500, width_mm=300, height_mm=200
    )
    shipment = fulfilment.ship_order(
        ctx(oscar), order=order, carrier="UPS", tracking={parcel.pk: "1Z999AA10123456784"}
    )
    return placed["AmazonOrderId"], shipment


def test_the_shipment_is_confirmed_with_tracking_and_items(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    amazon_id, shipment = ship_amazon_order(sim, integration, site, tent, oscar, sam)

    done = adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    assert done.outcome == "confirmed" and not done.late
    state = sim.state()
    [package] = state["shipments"][amazon_id]
    [item] = state["order_items"][amazon_id]
    assert (package["carrierCode"], package["trackingNumber"]) == ("UPS", "1Z999AA10123456784")
    assert package["orderItems"] == [{"orderItemId": item["OrderItemId"], "quantity": 2}]
    assert state["orders"][amazon_id]["OrderStatus"] == "Shipped"
    assert done.rate_limit == 2.0  # confirmShipment's usage plan, for the limiter


def test_a_confirmed_order_is_not_confirmed_again(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    amazon_id, shipment = ship_amazon_order(sim, integration, site, tent, oscar, sam)
    adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    again = adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    assert again.outcome == "already"
    state = sim.state()
    assert state["calls"]["confirmShipment"] == 1
    assert state["effects"]["confirmShipment"] == {amazon_id: 1}


def test_a_lost_answer_is_settled_without_a_second_confirmation(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    amazon_id, shipment = ship_amazon_order(sim, integration, site, tent, oscar, sam)
    sim.fault("apply_then_500", operation="confirmShipment")  # Amazon applied it; we heard 500

    with pytest.raises(TransportError) as caught:
        adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")
    assert not caught.value.permanent
    retried = adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    assert retried.outcome == "recovered"
    state = sim.state()
    assert state["calls"]["confirmShipment"] == 1
    assert state["effects"]["confirmShipment"] == {amazon_id: 1}
    row = AmazonOrder.objects.get(amazon_order_id=amazon_id)
    assert row.shipment_confirmed_at is not None and row.confirmed_tracking == "1Z999AA10123456784"


def test_the_simulator_refuses_a_second_confirmation_of_the_same_order(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    amazon_id, shipment = ship_amazon_order(sim, integration, site, tent, oscar, sam)
    adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")
    # Forget locally that it was confirmed: Amazon's refusal still settles it, nothing applied twice.
    AmazonOrder.objects.filter(amazon_order_id=amazon_id).update(
        shipment_confirmed_at=None, confirmation_key=""
    )

    again = adapter.confirm_shipment(integration, shipment, "another-key")

    assert again.outcome == "recovered"
    state = sim.state()
    assert state["calls"]["confirmShipment"] == 2
    assert state["effects"]["confirmShipment"] == {amazon_id: 1}
    assert len(state["shipments"][amazon_id]) == 1

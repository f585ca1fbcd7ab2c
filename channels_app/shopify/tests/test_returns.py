"""A return received and graded is announced to Shopify: the merchant's return for the order is
matched, its reverse fulfillment order line disposed of (RESTOCKED at our location), and the
restocked unit reaches Shopify's available quantity; a return Shopify knows nothing of becomes an
exception with an owner. Over real HTTP to the simulator; deliveries driven in-process."""

from __future__ import annotations

from typing import Any

import pytest

from channels_app.outbox import delivery
from channels_app.outbox.delivery import Outcome
from channels_app.shopify import adapter, returns
from channels_app.shopify.models import ShopifyException, ShopifyReturnDisposal, ShopifyStore
from channels_app.shopify.tests.conftest import SimControl, pick_pack_ship
from tests.factories import Site, ctx, stock
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.inbound import returns as rma
from wms.inbound.models import Disposition, Grade
from wms.inventory.models import ChannelAvailability
from wms.orders.models import Order
from wms.outbox.models import OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_broker")]


@pytest.fixture(autouse=True)
def _setup(sim: SimControl, settings: Any) -> None:
    settings.OUTBOX_COALESCE_SECONDS = 0
    settings.SHOPIFY_TIMEOUT = 30.0  # no faults here: a loaded machine is not a timeout


def deliver_all(store: ShopifyStore) -> list[tuple[str, Outcome]]:
    due = OutboxMessage.objects.filter(
        destination=store.destination, state=OutboxState.PENDING
    ).order_by("pk")
    return [(m.kind, delivery.deliver(m.pk)) for m in due]


def shipped_order(
    store: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User, sam: User
) -> tuple[dict[str, Any], Order]:
    sim.products(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)
    created = sim.order(("NWO-TENT", 2), webhook=False, notify=False)
    adapter.take_fulfillment_requests(store)
    order = Order.objects.get(channel="shopify", external_id=created["fulfillment_order_id"])
    pick_pack_ship(site, order, oscar, sam, tracking="1ZRET0000001")
    deliver_all(store)
    order.refresh_from_db()
    return created, order


def receive_and_restock(site: Site, order: Order, tent: Item, oscar: User, code: str) -> None:
    ret = rma.open_return(client=order.client, warehouse=site.warehouse, rma=code, order=order)
    unit = rma.receive_return_units(
        ctx(oscar), ret=ret, item=tent, quantity=1, grade=Grade.SELLABLE, location=site.returns
    )
    rma.dispose_return_unit(
        ctx(oscar), unit=unit, disposition=Disposition.RESTOCKED, to_location=site.face1
    )


def test_a_restocked_return_is_disposed_at_shopify_and_the_unit_is_available_again(
    registered: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    created, order = shipped_order(registered, sim, site, tent, oscar, sam)
    assert sim.state()["available"] == {"NWO-TENT": 3}
    made = sim._post(
        "/returns", {"order_id": created["order_id"], "lines": [{"sku": "NWO-TENT", "quantity": 1}]}
    )

    receive_and_restock(site, order, tent, oscar, "RMA-1")
    outcomes = deliver_all(registered)

    assert ("return_disposition", Outcome.DELIVERED) in outcomes
    (line_id,) = made["line_item_ids"]
    assert sim.state()["effects"]["disposed"] == {line_id: [{"quantity": 1, "type": "RESTOCKED"}]}
    disposal = ShopifyReturnDisposal.objects.get()
    assert disposal.reverse_line_item_id == line_id and disposal.disposition_type == "RESTOCKED"
    # The unit is sellable again here and there, counted once (Shopify's own restock +1 and our
    # push of the absolute ATP converge on our number).
    ours = ChannelAvailability.objects.get(item=tent, channel="shopify").quantity
    assert ours == 4
    assert sim.state()["available"] == {"NWO-TENT": 4}
    assert not ShopifyException.objects.exists()

    # A redelivery of the same message sends nothing again.
    message = OutboxMessage.objects.get(
        destination=registered.destination, kind="return_disposition"
    )
    assert returns.announce_disposition(registered, event_id=message.payload["event"]).startswith(
        "already"
    )
    assert sim.state()["calls"]["reverseFulfillmentOrderDispose"] == 1


def test_a_return_shopify_does_not_know_is_an_exception_with_an_owner(
    registered: ShopifyStore, sim: SimControl, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    _created, order = shipped_order(registered, sim, site, tent, oscar, sam)

    receive_and_restock(site, order, tent, oscar, "RMA-2")  # no return created at Shopify
    outcomes = deliver_all(registered)

    assert ("return_disposition", Outcome.DELIVERED) in outcomes  # answered, not retried forever
    (exception,) = ShopifyException.objects.all()
    assert exception.kind == "return_unmatched" and exception.owner == returns.OWNER
    assert "no open return line for 1 × NWO-TENT" in exception.detail
    assert exception.evidence["payload"]["rma"] == "RMA-2"
    assert sim.state()["calls"].get("reverseFulfillmentOrderDispose", 0) == 0

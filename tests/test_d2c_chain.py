"""D2C end to end over real HTTP, every hand-off asserted: the Shopify simulator's fulfillment
request reaches our live server, is accepted, imported and reserved; a wave is released and the
floor picks, packs and loads by scans on the RF screens (the carton's carrier label is bought at
close by the pack station's "closed" hook); a real Celery worker delivers ``fulfillmentCreate`` to
the simulator exactly once, carrying the carrier label's tracking number (not the trailer's);
then the carrier simulator sends label_created → picked_up → in_transit → delivered, HMAC-signed,
to our webhook, and the shipment and the order are delivered, on the timeline as the carrier's.

The cast is the Shopify and carrier tests' (channels_app/*/tests/conftest.py): Northwind (NWO)
sells on its Shopify store through us; its orders ship SIMX_GROUND with SimCarrier; Oscar works the
floor at PACK-1 and LANE-1, Sam supervises."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F, Sum
from stdnum import ean

from channels_app.carrier.models import CarrierAccount, CarrierLabel, LabelState, TrackingEvent
from channels_app.carrier.tests.conftest import (  # noqa: F401 - fixtures
    CarrierControl,
    account,
    carrier_sim,
    printer,
)
from channels_app.shopify.models import FulfillmentOrderState, ShopifyFulfillmentOrder, ShopifyStore
from channels_app.shopify.tests.conftest import (  # noqa: F401 - fixtures
    SimControl,
    live,
    served,
    shopify_worker,
    sim,
)
from compliance.models import Printer, PrintJob
from tests.conftest import api_as
from tests.factories import Site, service, stock
from tests.outbox_support import Worker, private_redis, wait_for  # noqa: F401 - fixture
from tests.rf import Scanner, Shown
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.models import ChannelAvailability, ChannelRule
from wms.inventory.reconcile import verify
from wms.loading.models import Load, LoadState
from wms.orders import fulfilment
from wms.orders.models import (
    Order,
    OrderState,
    Parcel,
    PickTask,
    Reservation,
    Shipment,
    TaskState,
)
from wms.outbox.models import OutboxMessage, OutboxState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CARRIER_WEBHOOK = "/channels/carrier/simcarrier/events/"
# A carton label of our LP series (a plate number no carton has yet is refused unless it is one).
CARTON = f"LP0000000421{ean.calc_check_digit('0000000421')}"
TOTE = "T-D2C-0001"
TRAILER = "TRL-D2C-07"


@pytest.fixture
def store(
    nwo: Client,
    sim: SimControl,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> ShopifyStore:
    """Northwind's store; its orders ship with the service SimCarrier sells labels for."""
    monkeypatch.setenv("SHOPIFY_NWO_ACCESS_TOKEN", sim.sim.access_token)
    monkeypatch.setenv("SHOPIFY_NWO_WEBHOOK_SECRET", sim.sim.webhook_secret)
    ChannelRule.objects.get_or_create(client=nwo, channel="shopify")
    return ShopifyStore.objects.create(
        client=nwo,
        shop_domain=sim.sim.state.shop_domain,
        secrets_name="NWO",
        default_service=service("SIMX_GROUND"),
    )


def accepted(shown: Shown) -> Shown:
    assert shown.tone != "error", f"refused at {shown.step}: {shown.message}"
    return shown


def test_shopify_request_to_carrier_delivery_over_real_http(
    shopify_worker: Worker,  # noqa: F811
    served: ShopifyStore,  # noqa: F811
    sim: SimControl,  # noqa: F811
    carrier_sim: CarrierControl,  # noqa: F811
    account: CarrierAccount,  # noqa: F811
    printer: Printer,  # noqa: F811
    live_server: Any,
    site: Site,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    assert served.default_service.code == "SIMX_GROUND"
    assert account.carrier_service("SIMX_GROUND") == "GROUND"
    carrier_sim.webhook(f"{live_server.url}{CARRIER_WEBHOOK}")
    sim.products(**{"NWO-TENT": 0})
    stock(site, tent, 5, oscar)

    # 1. Shopify's fulfillment request → our callback accepts it → imported and reserved.
    created = sim.order(("NWO-TENT", 2))
    assert created["notification"] == 200
    fo = created["fulfillment_order_id"]
    order = Order.objects.get(channel="shopify", external_id=fo)
    assert order.state == OrderState.RESERVED
    assert order.service.code == "SIMX_GROUND" and order.client == served.client
    held = Reservation.objects.filter(line__order=order).aggregate(n=Sum("quantity"))["n"]
    assert held == 2
    on_sim = sim.state()
    assert on_sim["fulfillment_orders"][fo]["requestStatus"] == "ACCEPTED"
    assert on_sim["effects"]["accepted"] == {fo: 1}
    assert ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=fo).order == order

    # 2a. A wave is released; Oscar picks by scans on the RF pick screen.
    wave = fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    assert wave is not None
    order.refresh_from_db()
    [task] = PickTask.objects.filter(order=order)
    assert (task.quantity, task.state) == (2, TaskState.OPEN)
    site.tote(TOTE)
    rf = Scanner(oscar, site.warehouse)
    shown = rf.open("pick")
    assert shown.prompt == f"Go to {site.face1.code} and scan it"
    accepted(rf.scan(site.face1.barcode))
    assert accepted(rf.scan("NWO-TENT")).step == "quantity"
    assert accepted(rf.scan("2")).step == "tote"
    shown = accepted(rf.scan(TOTE))
    assert shown.message.startswith("Picked 2 × NWO-TENT"), shown.message
    task.refresh_from_db()
    order.refresh_from_db()
    assert task.state == TaskState.DONE and task.tote is not None and task.tote.barcode == TOTE
    assert order.state == OrderState.PICKED

    # 2b. Packed by scans at PACK-1; closing the carton buys and prints the carrier label.
    rf.open("pack")
    assert accepted(rf.scan(site.pack.code)).step == "tote"
    assert accepted(rf.scan(TOTE)).step == "carton"
    assert accepted(rf.scan(CARTON)).step == "unit"
    accepted(rf.scan("NWO-TENT"))
    assert accepted(rf.scan("NWO-TENT")).step == "weigh"
    assert accepted(rf.scan("3.2")).step == "size"
    shown = rf.scan(action="40x30x20")
    assert shown.tone == "ok", shown.message
    parcel = Parcel.objects.get(container__barcode=CARTON)
    label = CarrierLabel.objects.get(parcel=parcel)
    assert f"Carrier label {label.tracking_number} for {CARTON}: printed at PACK-1." in (
        shown.message
    )
    assert (label.state, label.order, label.carrier_service) == (LabelState.ACTIVE, order, "GROUND")
    assert label.print_job is not None and label.print_job.printer == printer
    slip = PrintJob.objects.get(order=order, label="packing_slip")  # the gid fits the slip
    assert slip.printer == printer
    assert (parcel.weight_g, parcel.length_mm, parcel.closed_at is not None) == (3200, 400, True)
    order.refresh_from_db()
    assert order.state == OrderState.PACKED
    assert carrier_sim.state()["effects"]["labels"] == {label.idempotency_key: 1}
    # Nothing has gone to Shopify yet but availability.
    assert not OutboxMessage.objects.filter(kind="order_shipped").exists()

    # 2c. Loaded onto the trailer and shipped by scans at LANE-1.
    rf.open("load")
    assert accepted(rf.scan(site.lane.code)).step == "reference"
    assert accepted(rf.scan(TRAILER)).step == "carton"
    shown = accepted(rf.scan(CARTON))
    assert shown.message == f"Loaded {CARTON} onto {TRAILER}."
    assert accepted(rf.scan(action="close")).step == "confirm"
    shown = rf.scan(action="ship")
    assert shown.tone == "ok", shown.message
    assert shown.message.startswith(f"Load {TRAILER} closed: 1 order, 1 carton"), shown.message
    load = Load.objects.get(reference=TRAILER)
    assert (load.state, load.carrier) == (LoadState.CLOSED, "SIMX")
    order.refresh_from_db()
    assert order.state == OrderState.SHIPPED
    shipment = Shipment.objects.get(order=order)
    assert shipment.carrier == "SIMX" and shipment.delivered_at is None
    assert list(shipment.parcels.values_list("tracking_number", flat=True)) == [
        label.tracking_number
    ]

    # 3. The worker delivers fulfillmentCreate with the label's tracking number, exactly once.
    shipped = OutboxMessage.objects.get(destination=served.destination, kind="order_shipped")
    wait_for(
        "the fulfillment on the Shopify simulator",
        lambda: OutboxMessage.objects.get(pk=shipped.pk).state == OutboxState.DELIVERED,
    )
    on_sim = sim.state()
    assert on_sim["effects"]["fulfillments"] == {fo: 1}
    assert on_sim["calls"]["fulfillmentCreate"] == 1
    (fulfillment,) = on_sim["fulfillments"].values()
    assert [(t["company"], t["number"]) for t in fulfillment["trackingInfo"]] == [
        ("SIMX", label.tracking_number)
    ]
    assert TRAILER not in str(fulfillment)
    assert on_sim["fulfillment_orders"][fo]["status"] == "CLOSED"
    row = ShopifyFulfillmentOrder.objects.get(fulfillment_order_id=fo)
    assert row.state == FulfillmentOrderState.FULFILLED and row.fulfillment_id == fulfillment["id"]
    # Availability went out through the same worker: the store shows our ATP (5 − 2 = 3).
    ours = ChannelAvailability.objects.get(item=tent, channel="shopify").quantity
    assert ours == 3
    wait_for(
        "the last availability on the Shopify simulator",
        lambda: OutboxMessage.objects.filter(
            destination=served.destination,
            listing__isnull=False,
            state=OutboxState.DELIVERED,
            delivered_version=F("version"),
        ).exists(),
    )
    assert sim.state()["available"] == {"NWO-TENT": ours}

    # 4. The carrier's events, signed by its simulator, over HTTP to our webhook.
    [label_created] = carrier_sim.state()["events"][label.tracking_number]
    assert label_created["type"] == "label_created"
    sent = [
        carrier_sim.resend(label_created["id"]),  # the one the carrier issued with the label
        carrier_sim.event(label.tracking_number, "picked_up", location="Reno, NV"),
        carrier_sim.event(label.tracking_number, "in_transit", location="Salt Lake City, UT"),
        carrier_sim.event(label.tracking_number, "delivered", description="Front porch"),
    ]
    assert [s["status"] for s in sent] == [200, 200, 200, 200]
    assert [s["answer"]["outcome"] for s in sent] == ["applied", "applied", "applied", "delivered"]
    replay = carrier_sim.resend(sent[-1]["event"]["id"])  # the carrier's own retry
    assert replay["answer"] == {"outcome": "duplicate"}

    order.refresh_from_db()
    shipment.refresh_from_db()
    label.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert shipment.delivered_at is not None and label.delivered_at is not None
    assert label.first_scan_at is not None
    stored = TrackingEvent.objects.filter(label=label).order_by("pk")
    assert list(stored.values_list("kind", flat=True)) == [
        "label_created",
        "picked_up",
        "in_transit",
        "delivered",
    ]
    assert set(stored.values_list("shipment", flat=True)) == {shipment.pk}
    assert order.events.get(to_state="delivered").owner == "carrier"
    timeline = api_as(sam).get(f"/api/orders/{order.pk}/timeline/").json()
    by_carrier = [e for e in timeline["events"] if e["owner"] == "carrier"]
    assert len(by_carrier) == 5  # four tracking events and the delivery
    assert all(label.tracking_number in e["reference"] for e in by_carrier[:4]), by_carrier

    # Exactly once, end to end: one label bought, one fulfillment, nothing more sent to Shopify.
    assert carrier_sim.state()["effects"]["labels"] == {label.idempotency_key: 1}
    assert sum(carrier_sim.state()["effects"]["keys"].values()) == 1
    on_sim = sim.state()
    assert on_sim["effects"]["fulfillments"] == {fo: 1}
    assert on_sim["calls"]["fulfillmentCreate"] == 1
    assert OutboxMessage.objects.filter(kind="order_shipped").count() == 1
    assert (
        not OutboxMessage.objects.exclude(state=OutboxState.DELIVERED)
        .filter(destination=served.destination)
        .exists()
    )
    assert verify().ok

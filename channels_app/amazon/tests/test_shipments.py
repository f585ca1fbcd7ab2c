"""confirmShipment over real HTTP: one package per carton with its own tracking number, the
carrier and method of the label bought, partial shipments as they ship, and never twice."""

from __future__ import annotations

import pytest

from channels_app.amazon import adapter
from channels_app.amazon.errors import TransportError
from channels_app.amazon.mapping import parse_time
from channels_app.amazon.models import AmazonIntegration, AmazonOrder, AmazonPackage
from channels_app.amazon.tests.conftest import SimControl
from channels_app.carrier.models import CarrierAccount, CarrierLabel
from tests.factories import Site, ctx, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.layout.models import Container
from wms.orders import allocation, fulfilment
from wms.orders.models import Order, Parcel, PickTask, Shipment

TRACKING = ["1Z999AA10123456784", "1Z999AA10123456795", "1Z999AA10123456806"]


def import_amazon_order(
    sim: SimControl, integration: AmazonIntegration, *lines: tuple[str, int]
) -> tuple[str, Order]:
    placed = sim.order(*lines)
    adapter.import_orders(integration, parse_time("2020-01-01T00:00:00Z"))
    return placed["AmazonOrderId"], Order.objects.get(
        channel="amazon", external_id=placed["AmazonOrderId"]
    )


def pick_all(
    site: Site, order: Order, oscar: User, sam: User, *, short: Item | None = None
) -> Container:
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote()
    for task in PickTask.objects.filter(order=order).order_by("sequence"):
        missing = task.item == short
        fulfilment.confirm_pick(
            ctx(oscar),
            task=task,
            tote=tote,
            quantity=0 if missing else task.quantity,
            short_reason="empty" if missing else "",
        )
    return tote


def pack_cartons(
    site: Site, order: Order, tote: Container, oscar: User, cartons: list[tuple[Item, int]]
) -> list[Parcel]:
    """One carton per (item, quantity), each closed; returns the parcels in packing order."""
    for item, quantity in cartons:
        carton = site.carton()
        fulfilment.pack_units(
            ctx(oscar), order=order, tote=tote, carton=carton, item=item, quantity=quantity
        )
        parcel = order.parcels.get(container=carton)
        fulfilment.close_parcel(
            parcel=parcel, weight_g=1500, length_mm=400, width_mm=300, height_mm=200
        )
    return list(order.parcels.order_by("pk"))


def ship(order: Order, oscar: User, carrier: str = "UPS") -> Shipment:
    parcels = list(order.parcels.order_by("pk"))
    return fulfilment.ship_order(
        ctx(oscar),
        order=order,
        carrier=carrier,
        tracking={p.pk: TRACKING[n] for n, p in enumerate(parcels)},
    )


def test_a_three_carton_order_is_confirmed_with_three_tracking_numbers(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 3))
    tote = pick_all(site, order, oscar, sam)
    pack_cartons(site, order, tote, oscar, [(tent, 1), (tent, 1), (tent, 1)])
    shipment = ship(order, oscar)

    done = adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    assert done.outcome == "confirmed" and done.packages == TRACKING
    state = sim.state()
    packages = state["shipments"][amazon_id]
    [item] = state["order_items"][amazon_id]
    assert [p["trackingNumber"] for p in packages] == TRACKING
    assert len({p["packageReferenceId"] for p in packages}) == 3
    assert all(
        p["orderItems"] == [{"orderItemId": item["OrderItemId"], "quantity": 1}] for p in packages
    )
    assert {p["carrierCode"] for p in packages} == {"UPS"}
    assert state["orders"][amazon_id]["OrderStatus"] == "Shipped"
    assert state["calls"]["confirmShipment"] == 3
    assert done.rate_limit == 2.0  # confirmShipment's usage plan, for the limiter


def test_each_carton_carries_only_its_own_items(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    stock(site, tent, 5, oscar)
    stock(site, mug, 5, oscar, at=site.face2)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 2), ("NWO-MUG", 1))
    tote = pick_all(site, order, oscar, sam)
    pack_cartons(site, order, tote, oscar, [(tent, 2), (mug, 1)])
    shipment = ship(order, oscar)

    adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    state = sim.state()
    ids = {i["SellerSKU"]: i["OrderItemId"] for i in state["order_items"][amazon_id]}
    assert [p["orderItems"] for p in state["shipments"][amazon_id]] == [
        [{"orderItemId": ids["NWO-TENT"], "quantity": 2}],
        [{"orderItemId": ids["NWO-MUG"], "quantity": 1}],
    ]


def test_the_carrier_and_method_are_those_of_the_label_bought(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    nwo: Client,
    tent: Item,
    oscar: User,
    sam: User,
) -> None:
    # The order asked for UPS Ground (the integration's default service); the carrier account
    # that sold the label is USPS, which bought its Ground Advantage for that service (the label
    # records our service and the carrier's code, as carrier/labels.buy_label does). Amazon must
    # hear USPS and USPS's service, not "UPS Ground".
    stock(site, tent, 5, oscar)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 1))
    tote = pick_all(site, order, oscar, sam)
    [parcel] = pack_cartons(site, order, tote, oscar, [(tent, 1)])
    usps = CarrierAccount.objects.create(name="usps", carrier="USPS", secrets_name="USPS")
    CarrierLabel.objects.create(
        account=usps,
        parcel=parcel,
        order=order,
        client=nwo,
        service=order.service,
        carrier_service="GROUND_ADVANTAGE",
        tracking_number="9400111899223197428490",
        label_pdf=b"%PDF",
        label_zpl="^XA^XZ",
        idempotency_key=f"tl-label-parcel-{parcel.pk}-1",
    )
    assert order.service.name == "UPS_GROUND"
    shipment = ship(order, oscar, carrier="USPS")

    adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    [package] = sim.state()["shipments"][amazon_id]
    assert (package["carrierCode"], package["shippingMethod"]) == ("USPS", "GROUND_ADVANTAGE")
    assert package["trackingNumber"] == "9400111899223197428490"


def test_a_carrier_amazon_has_no_code_for_goes_as_other_with_its_name(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 1))
    tote = pick_all(site, order, oscar, sam)
    pack_cartons(site, order, tote, oscar, [(tent, 1)])
    shipment = ship(order, oscar, carrier="SIMX")

    adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    [package] = sim.state()["shipments"][amazon_id]
    assert (package["carrierCode"], package["carrierName"]) == ("Other", "SIMX")
    # The order's service is UPS Ground: not SIMX's, so no shipping method is claimed.
    assert "shippingMethod" not in package


def test_a_partial_shipment_confirms_only_what_shipped(
    sim: SimControl,
    integration: AmazonIntegration,
    site: Site,
    nwo: Client,
    tent: Item,
    mug: Item,
    oscar: User,
    sam: User,
) -> None:
    policy = allocation.policy_of(nwo.pk)
    policy.short_pick, policy.allow_partial_shipment = "backorder", True
    policy.save()
    stock(site, tent, 1, oscar)
    stock(site, mug, 1, oscar, at=site.face2)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 1), ("NWO-MUG", 1))
    tote = pick_all(site, order, oscar, sam, short=mug)
    pack_cartons(site, order, tote, oscar, [(tent, 1)])
    shipment = ship(order, oscar)

    adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    state = sim.state()
    ids = {i["SellerSKU"]: i["OrderItemId"] for i in state["order_items"][amazon_id]}
    [package] = state["shipments"][amazon_id]
    assert package["orderItems"] == [{"orderItemId": ids["NWO-TENT"], "quantity": 1}]
    assert state["orders"][amazon_id]["OrderStatus"] == "PartiallyShipped"


def test_a_confirmed_shipment_is_not_confirmed_again(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 2))
    tote = pick_all(site, order, oscar, sam)
    pack_cartons(site, order, tote, oscar, [(tent, 1), (tent, 1)])
    shipment = ship(order, oscar)
    adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    again = adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    assert again.outcome == "already"
    state = sim.state()
    assert state["calls"]["confirmShipment"] == 2
    assert state["effects"]["confirmShipment"] == {amazon_id: 2}


def test_a_lost_answer_resends_the_same_package_which_amazon_edits(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 3))
    tote = pick_all(site, order, oscar, sam)
    pack_cartons(site, order, tote, oscar, [(tent, 1), (tent, 1), (tent, 1)])
    shipment = ship(order, oscar)
    sim.fault("500", operation="confirmShipment")  # first carton: nothing applied, 500
    with pytest.raises(TransportError) as caught:
        adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")
    assert not caught.value.permanent
    sim.fault("apply_then_500", operation="confirmShipment")  # applied, and we heard 500
    with pytest.raises(TransportError):
        adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    retried = adapter.confirm_shipment(integration, shipment, f"ship:{shipment.pk}")

    assert retried.outcome == "confirmed"
    state = sim.state()
    [item] = state["order_items"][amazon_id]
    assert item["QuantityShipped"] == 3  # the re-sent first package was an edit, not a fourth
    assert [p["trackingNumber"] for p in state["shipments"][amazon_id]] == TRACKING
    assert state["effects"]["confirmShipment"] == {amazon_id: 3}
    assert AmazonPackage.objects.filter(confirmed_at__isnull=False).count() == 3
    row = AmazonOrder.objects.get(amazon_order_id=amazon_id)
    assert row.shipment_confirmed_at is not None and row.confirmed_tracking == TRACKING[0]


def ship_amazon_order(
    sim: SimControl, integration: AmazonIntegration, site: Site, tent: Item, oscar: User, sam: User
) -> tuple[str, Shipment]:
    """An Amazon order for two tents, imported, picked, packed in one carton and shipped UPS
    (other test modules start from it)."""
    stock(site, tent, 5, oscar)
    amazon_id, order = import_amazon_order(sim, integration, ("NWO-TENT", 2))
    tote = pick_all(site, order, oscar, sam)
    pack_cartons(site, order, tote, oscar, [(tent, 2)])
    return amazon_id, ship(order, oscar)


def test_a_sku_on_two_order_lines_fills_the_first_line_before_the_next() -> None:
    from channels_app.amazon.mapping import carton_items

    lines = [("NWO-TENT", "A", 2), ("NWO-MUG", "B", 1), ("NWO-TENT", "C", 2)]

    first = carton_items([{"sku": "NWO-TENT", "quantity": 3}], lines)
    second = carton_items(
        [{"sku": "NWO-TENT", "quantity": 1}, {"sku": "NWO-MUG", "quantity": 1}], lines
    )

    assert first == [("A", 2), ("C", 1)]
    assert second == [("C", 1), ("B", 1)]

"""Nothing leaves the building without a Shipment (issue 11, rule 2).

Pick, pack and ship belong to orders: the raw scan endpoints for them are gone, and every generic
door that is left refuses the virtual customer location. A packed order's carton leaves only through
the order's ship service, which records the Shipment, runs the ship-time checks and moves the order.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import api_as
from tests.factories import Site, changes_nothing, ctx, place, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.models import Balance, StockPosition
from wms.layout.models import Container, Location, LocationType
from wms.orders import fulfilment
from wms.orders.models import Order, PickTask, Shipment


def customer_of(site: Site) -> Location:
    return Location.objects.get(warehouse=site.warehouse, type=LocationType.CUSTOMER)


def packed_and_closed(site: Site, nwo: Client, tent: Item, oscar: User, sam: User) -> Order:
    """An order picked, packed into C-OUT and closed through the order services."""
    stock(site, tent, 2, oscar)
    order = place(nwo, "SO-OUT", [(tent, 2)])
    fulfilment.release_wave(warehouse=site.warehouse, actor=sam)
    tote = site.tote("T-OUT")
    fulfilment.confirm_pick(
        ctx(oscar), task=PickTask.objects.get(order=order), tote=tote, quantity=2
    )
    order.refresh_from_db()
    fulfilment.pack_units(
        ctx(oscar), order=order, tote=tote, carton=site.carton("C-OUT"), item=tent, quantity=2
    )
    fulfilment.close_parcel(
        parcel=order.parcels.get(), weight_g=2000, length_mm=300, width_mm=200, height_mm=200
    )
    order.refresh_from_db()
    assert order.state == "packed"
    return order


def at_customer(site: Site) -> int:
    rows = Balance.objects.filter(location=customer_of(site)).values_list("quantity", flat=True)
    return sum(rows)


@pytest.mark.parametrize("kind", ["pick", "pack", "ship"])
def test_the_raw_order_touch_endpoints_are_gone_from_the_api_and_its_schema(
    site: Site, sam: User, kind: str
) -> None:
    api = api_as(sam)
    with changes_nothing():
        response = api.post(f"/api/scans/{kind}/", {"scan_id": str(uuid.uuid4())}, format="json")
    assert response.status_code == 404

    paths = api.get("/api/schema/?format=json").json()["paths"]
    assert f"/api/scans/{kind}/" not in paths
    assert "/api/scans/move/" in paths  # the generic doors stay


def test_a_raw_ship_of_a_packed_carton_is_refused_and_writes_nothing(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_and_closed(site, nwo, tent, oscar, sam)
    carton = Container.objects.get(barcode="C-OUT")
    with changes_nothing():
        response = api_as(sam).post(
            "/api/scans/ship/",
            {"scan_id": str(uuid.uuid4()), "container": carton.pk, "reference": "SO-OUT"},
            format="json",
        )
    assert response.status_code == 404
    order.refresh_from_db()
    assert order.state == "packed"
    assert not Shipment.objects.exists()
    carton.refresh_from_db()
    assert carton.active and carton.location_id is not None


def test_a_raw_pick_cannot_lower_on_hand_under_reserved_units(
    site: Site, nwo: Client, tent: Item, oscar: User
) -> None:
    stock(site, tent, 2, oscar)
    place(nwo, "SO-HELD", [(tent, 2)])
    held = StockPosition.objects.get(item=tent)
    assert (held.on_hand, held.reserved) == (2, 2)
    body = {
        "scan_id": str(uuid.uuid4()),
        "item": tent.pk,
        "quantity": 2,
        "from_location": site.face1.pk,
        "tote": site.tote("T-RAW").pk,
    }
    with changes_nothing():
        assert api_as(oscar).post("/api/scans/pick/", body, format="json").status_code == 404
    after = StockPosition.objects.get(item=tent)
    assert (after.on_hand, after.reserved) == (2, 2)


def _generic_doors(site: Site, tent: Item, carton: Container) -> dict[str, dict[str, Any]]:
    """Every generic scan endpoint, aimed at the customer location wherever it names one."""
    customer = customer_of(site).pk
    moved = {"item": tent.pk, "quantity": 1, "from_location": site.pack.pk}
    return {
        "receive": {"item": tent.pk, "quantity": 1, "location": customer},
        "stow": moved | {"from_container": carton.pk, "to_location": customer},
        "move": moved | {"from_container": carton.pk, "to_location": customer},
        "move-container": {"container": carton.pk, "to_location": customer},
        "quarantine": {
            "item": tent.pk,
            "quantity": 1,
            "location": site.pack.pk,
            "container": carton.pk,
            "to_location": customer,
            "reason_code": "damaged",
        },
        "release": {
            "item": tent.pk,
            "quantity": 1,
            "location": customer,
            "reason_code": "ok",
        },
        "relabel": {"item": tent.pk, "quantity": 1, "location": customer, "new_label": "X"},
        "adjust": {"item": tent.pk, "location": customer, "delta": -1, "reason_code": "lost"},
        "count": {"item": tent.pk, "location": customer, "counted": 0},
        "return": {"item": tent.pk, "quantity": 1, "location": customer, "reference": "SO-OUT"},
        "dispose": {
            "item": tent.pk,
            "quantity": 1,
            "location": customer,
            "status": "available",
            "reason_code": "gone",
        },
    }


def test_no_generic_door_sends_stock_to_the_customer_location(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_and_closed(site, nwo, tent, oscar, sam)
    carton = Container.objects.get(barcode="C-OUT")
    api = api_as(sam)  # a supervisor: the role rules are not what refuses these
    doors = _generic_doors(site, tent, carton)
    from wms.api.scans import SCAN_ENDPOINTS

    assert set(doors) == set(SCAN_ENDPOINTS), "a new scan endpoint needs its case here"
    for name, body in doors.items():
        with changes_nothing():
            response = api.post(
                f"/api/scans/{name}/", body | {"scan_id": str(uuid.uuid4())}, format="json"
            )
        assert response.status_code == 400, (name, response.json())
        assert response.json()["error"] in {"wrong_location_type", "wrong_location"}, name
    assert at_customer(site) == 0
    order.refresh_from_db()
    assert order.state == "packed"


def test_a_packed_order_leaves_only_through_ship_order_which_records_a_shipment(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    order = packed_and_closed(site, nwo, tent, oscar, sam)
    parcel = order.parcels.get()
    assert at_customer(site) == 0

    shipped = api_as(oscar).post(
        f"/api/orders/{order.pk}/ship/",
        {"scan_id": str(uuid.uuid4()), "carrier": "UPS", "tracking": {str(parcel.pk): "1ZOUT"}},
        format="json",
    )

    assert shipped.status_code == 201, shipped.json()
    shipment = Shipment.objects.get(order=order)
    assert [p.tracking_number for p in shipment.parcels.all()] == ["1ZOUT"]
    assert at_customer(site) == 2
    order.refresh_from_db()
    assert order.state == "shipped"
    assert order.events.filter(to_state="shipped").exists()

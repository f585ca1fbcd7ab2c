"""Warehouses, locations and containers through the API."""

from __future__ import annotations

from tests.conftest import api_as
from tests.factories import Site
from wms.accounts.models import User
from wms.catalog.models import Item
from wms.layout.models import Container, Location


def test_a_new_warehouse_comes_with_its_virtual_locations(ada: User) -> None:
    api = api_as(ada)
    created = api.post(
        "/api/warehouses/",
        {"code": "RNO1", "name": "Reno", "time_zone": "America/Los_Angeles"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    types = set(
        Location.objects.filter(warehouse_id=created.json()["id"]).values_list("type", flat=True)
    )
    assert types == {"supplier", "customer", "adjustment", "scrap"}

    bad_zone = api.post(
        "/api/warehouses/", {"code": "X1", "name": "X", "time_zone": "Mars/Olympus"}, format="json"
    )
    assert bad_zone.status_code == 400
    assert "is not an IANA time zone" in bad_zone.json()["fields"]["time_zone"][0]


def test_location_type_is_fixed_once_created(ada: User, site: Site) -> None:
    api = api_as(ada)
    url = f"/api/locations/{site.storage1.pk}/"
    response = api.patch(url, {"type": "scrap", "sellable": False}, format="json")
    assert response.status_code == 200
    site.storage1.refresh_from_db()
    assert (site.storage1.type, site.storage1.sellable) == ("storage", False)

    virtual = api.post(
        "/api/locations/",
        {"warehouse": site.warehouse.pk, "code": "V", "type": "customer"},
        format="json",
    )
    assert virtual.status_code == 400
    assert virtual.json()["message"].startswith("Virtual locations are created with the warehouse")


def test_containers_check_their_sscc(oscar: User, site: Site) -> None:
    api = api_as(oscar)
    good = api.post(
        "/api/containers/",
        {"warehouse": site.warehouse.pk, "type": "pallet", "sscc": "106141411234567897"},
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["barcode"].startswith("P")

    bad = api.post(
        "/api/containers/",
        {"warehouse": site.warehouse.pk, "type": "pallet", "sscc": "106141411234567890"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"]["sscc"] == [
        "SSCC 106141411234567890 has a wrong check digit (should end in 7)."
    ]
    assert Container.objects.count() == 1


def test_a_location_label_must_scan_to_one_place(ada: User, site: Site) -> None:
    response = api_as(ada).post(
        "/api/locations/",
        {"warehouse": site.warehouse.pk, "code": "NEW-1", "barcode": "P-01", "type": "storage"},
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith(
        "TST1 already has a location with code NEW-1 or barcode P-01"
    )


def test_admin_creates_a_location_through_the_api(ada: User, site: Site) -> None:
    response = api_as(ada).post(
        "/api/locations/",
        {"warehouse": site.warehouse.pk, "code": "B-01-1", "type": "storage"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["barcode"], body["sellable"], body["is_virtual"]) == ("B-01-1", True, False)


def test_making_a_location_unsellable_takes_its_stock_out_of_what_channels_may_sell(
    ada: User, site: Site, tent: Item, oscar: User
) -> None:
    from tests.factories import stock
    from wms.inventory.models import StockPosition
    from wms.inventory.reconcile import verify

    stock(site, tent, 6, oscar)
    position = StockPosition.objects.get(item=tent, warehouse=site.warehouse)
    assert position.on_hand == 6

    response = api_as(ada).patch(
        f"/api/locations/{site.face1.pk}/", {"sellable": False}, format="json"
    )

    assert response.status_code == 200, response.json()
    position.refresh_from_db()
    assert position.on_hand == 0
    assert verify().ok
    api_as(ada).patch(f"/api/locations/{site.face1.pk}/", {"sellable": True}, format="json")
    position.refresh_from_db()
    assert position.on_hand == 6
    assert verify().ok

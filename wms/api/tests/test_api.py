"""The REST API: tenancy on every endpoint, role rules, scans through the services, clear errors."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client as WebClient
from rest_framework.test import APIClient

from tests.conftest import api_as
from tests.factories import Site, ctx, gtin
from wms.accounts.models import User
from wms.catalog import services as catalog
from wms.catalog.models import Client, IdentifierKind, Item
from wms.inventory import touches
from wms.inventory.models import Balance, Scan, Touch


@pytest.fixture
def stocked(site: Site, tent: Item, serum: Item, oscar: User) -> Site:
    """Alice's tent and Charlie's serum, both received and stowed."""
    import datetime as dt

    catalog.add_identifier(item=tent, kind=IdentifierKind.GTIN, value=gtin(1))
    catalog.add_identifier(item=serum, kind=IdentifierKind.GTIN, value=gtin(2))
    touches.receive(ctx(oscar), item=tent, quantity=6, location=site.dock)
    touches.receive(
        ctx(oscar),
        item=serum,
        quantity=4,
        location=site.dock,
        lot_code="L1",
        expiry_date=dt.date(2027, 1, 1),
    )
    return site


def test_anonymous_requests_are_refused(db: None) -> None:
    response = APIClient().get("/api/items/")
    assert response.status_code == 401
    assert response.json()["message"] == "Authentication credentials were not provided."


def test_charlie_must_not_see_alices_stock(
    stocked: Site, alice: User, charlie: User, tent: Item, serum: Item
) -> None:
    api = api_as(charlie)
    tent_touch = Touch.objects.filter(item=tent).first()
    tent_balance = Balance.objects.filter(item=tent, is_virtual=False).first()
    tent_identifier = tent.identifiers.first()
    assert tent_touch and tent_balance and tent_identifier

    for url in (
        f"/api/items/{tent.pk}/",
        f"/api/balances/{tent_balance.pk}/",
        f"/api/touches/{tent_touch.pk}/",
        f"/api/identifiers/{tent_identifier.pk}/",
        f"/api/pack-levels/{tent.pack_levels.get().pk}/",
        f"/api/clients/{tent.client_id}/",
    ):
        assert api.get(url).status_code == 404, url

    assert [i["sku"] for i in api.get("/api/items/").json()["results"]] == ["BBB-SERUM"]
    assert {b["sku"] for b in api.get("/api/balances/").json()["results"]} == {"BBB-SERUM"}
    assert {t["sku"] for t in api.get("/api/touches/").json()["results"]} == {"BBB-SERUM"}
    assert [c["code"] for c in api.get("/api/clients/").json()["results"]] == ["BBB"]
    # Asking for Alice's client by filter, or resolving her barcode, still shows nothing of hers.
    assert api.get(f"/api/items/?client={tent.client_id}").json()["results"] == []
    assert api.get(f"/api/balances/?item={tent.pk}").json()["results"] == []
    assert (
        api.get(f"/api/items/resolve/?client={tent.client_id}&value={gtin(1)}").status_code == 400
    )
    assert api.get(f"/api/items/resolve/?value={gtin(2)}").json()["sku"] == "BBB-SERUM"

    # Alice sees her own.
    assert api_as(alice).get(f"/api/items/{tent.pk}/").status_code == 200


def test_brand_users_cannot_write_or_use_floor_endpoints(
    stocked: Site, charlie: User, serum: Item
) -> None:
    api = api_as(charlie)
    response = api.patch(f"/api/items/{serum.pk}/", {"description": "mine now"}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "Client users have read-only access."
    assert (
        api.post(
            "/api/items/", {"client": serum.client_id, "sku": "X", "description": "x"}
        ).status_code
        == 403
    )
    for url in ("/api/locations/", "/api/containers/", f"/api/scans/{uuid.uuid4()}/"):
        assert api.get(url).status_code == 403, url
    response = api.post(
        "/api/scans/receive/",
        {
            "scan_id": str(uuid.uuid4()),
            "item": serum.pk,
            "quantity": 1,
            "location": stocked.dock.pk,
        },
    )
    assert response.status_code == 403
    serum.refresh_from_db()
    assert serum.description == "BBB-SERUM test item"


def test_operators_cannot_edit_the_item_master(oscar: User, tent: Item) -> None:
    response = api_as(oscar).patch(f"/api/items/{tent.pk}/", {"description": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "This change needs the admin role."


def test_admin_creates_items_and_identifiers_through_the_rules(
    ada: User, nwo: Client, tent: Item
) -> None:
    api = api_as(ada)
    created = api.post(
        "/api/items/",
        {"client": nwo.pk, "sku": "NWO-NEW", "description": "New", "hazmat": True},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["pack_levels"][0]["level"] == "each"

    bad = api.post(
        "/api/identifiers/",
        {"item": tent.pk, "kind": "gtin", "value": "036000291453"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json() == {
        "error": "identifier_invalid",
        "message": "'036000291453' has a wrong check digit (the last digit should be 2). "
        "Re-scan it or check the number on the packaging.",
        "fields": {
            "value": [
                "'036000291453' has a wrong check digit (the last digit should be 2). "
                "Re-scan it or check the number on the packaging."
            ]
        },
    }
    ok = api.post(
        "/api/identifiers/",
        {"item": tent.pk, "kind": "gtin", "value": "036000291452"},
        format="json",
    )
    assert ok.status_code == 201
    assert ok.json()["normalized"] == "00036000291452"
    clash = api.post(
        "/api/identifiers/",
        {"item": created.json()["id"], "kind": "gtin", "value": "36000291452".zfill(13)},
    )
    assert clash.status_code == 409
    assert clash.json()["error"] == "identifier_collision"

    missing = api.post("/api/items/", {"client": nwo.pk}, format="json")
    assert missing.status_code == 400
    assert set(missing.json()["fields"]) == {"sku", "description"}


def test_scan_endpoint_applies_once_and_replays(site: Site, tent: Item, oscar: User) -> None:
    api = api_as(oscar)
    body = {
        "scan_id": str(uuid.uuid4()),
        "item": tent.pk,
        "quantity": 3,
        "location": site.dock.pk,
        "device": "RF-1",
    }

    first = api.post("/api/scans/receive/", body, format="json")
    again = api.post("/api/scans/receive/", body, format="json")

    assert first.status_code == 201, first.json()
    assert again.status_code == 200
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert first.json()["touches"] == again.json()["touches"]
    assert first.json()["message"] == "Received 3 × NWO-TENT into DOCK-1."
    assert Touch.objects.count() == 1
    detail = api.get(f"/api/scans/{body['scan_id']}/").json()
    assert detail["actor"] == "oscar" and len(detail["touches"]) == 1


def test_scan_endpoint_errors_say_what_to_do_and_change_nothing(
    site: Site, tent: Item, oscar: User
) -> None:
    api = api_as(oscar)
    touches.receive(ctx(oscar), item=tent, quantity=2, location=site.dock)
    before = (Scan.objects.count(), Touch.objects.count())

    short = api.post(
        "/api/scans/stow/",
        {
            "scan_id": str(uuid.uuid4()),
            "item": tent.pk,
            "quantity": 5,
            "from_location": site.dock.pk,
            "to_location": site.face1.pk,
        },
        format="json",
    )
    assert short.status_code == 409
    assert short.json()["error"] == "insufficient_stock"
    assert "NWO-TENT at DOCK-1: need 5, only 2 there" in short.json()["message"]

    malformed = api.post(
        "/api/scans/stow/", {"scan_id": "not-a-uuid", "quantity": 0}, format="json"
    )
    assert malformed.status_code == 400
    assert set(malformed.json()["fields"]) >= {
        "scan_id",
        "quantity",
        "item",
        "from_location",
        "to_location",
    }

    unknown = api.post(
        "/api/scans/receive/",
        {"scan_id": str(uuid.uuid4()), "item": 999999, "quantity": 1, "location": site.dock.pk},
        format="json",
    )
    assert unknown.status_code == 400
    assert unknown.json()["fields"]["item"] == ['Invalid pk "999999" - object does not exist.']

    denied = api.post(
        "/api/scans/adjust/",
        {
            "scan_id": str(uuid.uuid4()),
            "item": tent.pk,
            "location": site.dock.pk,
            "delta": 5,
            "reason_code": "FOUND",
        },
        format="json",
    )
    assert denied.status_code == 403
    assert (
        denied.json()["message"]
        == "An inventory adjustment needs a supervisor; ask one to sign in and scan it."
    )
    assert (Scan.objects.count(), Touch.objects.count()) == before


def test_touches_cannot_be_written_through_the_ledger_endpoint(
    site: Site, tent: Item, ada: User
) -> None:
    api = api_as(ada)
    assert api.post("/api/touches/", {"item": tent.pk, "quantity": 1}).status_code == 405
    assert api.delete("/api/touches/1/").status_code == 405


def test_balances_filters_and_bad_parameters(stocked: Site, oscar: User, tent: Item) -> None:
    api = api_as(oscar)
    rows = api.get(f"/api/balances/?sku=NWO-TENT&warehouse={stocked.warehouse.pk}").json()[
        "results"
    ]
    assert [(r["location_code"], r["quantity"], r["sellable"]) for r in rows] == [
        ("DOCK-1", 6, False)
    ]
    virtual = api.get("/api/balances/?sku=NWO-TENT&include_virtual=1").json()["results"]
    assert sorted(r["quantity"] for r in virtual) == [-6, 6]
    bad = api.get("/api/balances/?item=abc")
    assert bad.status_code == 400
    assert bad.json()["message"] == "item: 'abc' is not a number."


def test_openapi_schema_and_docs_are_served(db: None, client: WebClient) -> None:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/scans/receive/" in paths and "/api/balances/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()

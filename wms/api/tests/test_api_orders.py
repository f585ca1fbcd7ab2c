"""The orders API end to end over HTTP, and a brand seeing only its own orders and promises."""

from __future__ import annotations

import uuid

from tests.conftest import api_as
from tests.factories import ADDRESS, Site, place, service, stock
from wms.accounts.models import User
from wms.catalog.models import Client, Item
from wms.inventory.models import ChannelRule
from wms.orders.models import Order, OrderState


def order_body(client: Client, external_id: str, sku: str, quantity: int = 2) -> dict[str, object]:
    return {
        "client": client.pk,
        "channel": "shopify",
        "external_id": external_id,
        "ship_to": ADDRESS,
        "service": service().code,
        "lines": [{"sku": sku, "quantity": quantity}],
    }


def test_an_order_through_the_api(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    stock(site, tent, 5, oscar)
    boss, floor = api_as(sam), api_as(oscar)

    created = boss.post("/api/orders/", order_body(nwo, "API-1", "NWO-TENT"), format="json")
    assert created.status_code == 201, created.json()
    again = boss.post("/api/orders/", order_body(nwo, "API-1", "NWO-TENT"), format="json")
    assert again.status_code == 200
    order_id = created.json()["id"]
    assert (created.json()["state"], created.json()["reserved"], created.json()["warehouse"]) == (
        "reserved",
        2,
        "TST1",
    )

    wave = boss.post("/api/waves/", {"warehouse": "TST1"}, format="json")
    assert wave.status_code == 201, wave.json()
    task = floor.get("/api/pick-tasks/next/?warehouse=TST1").json()
    assert (task["sku"], task["location"], task["quantity"]) == ("NWO-TENT", "P-01", 2)
    tote, carton = site.tote("T-API"), site.carton("C-API")
    confirm = {"scan_id": str(uuid.uuid4()), "tote": "T-API", "quantity": 2}
    picked = floor.post(f"/api/pick-tasks/{task['id']}/confirm/", confirm, format="json")
    assert picked.status_code == 200, picked.json()
    assert (
        floor.post(f"/api/pick-tasks/{task['id']}/confirm/", confirm, format="json").json()[
            "replayed"
        ]
        is True
    )

    packed = floor.post(
        f"/api/orders/{order_id}/pack/",
        {
            "scan_id": str(uuid.uuid4()),
            "tote": "T-API",
            "carton": "C-API",
            "item": tent.pk,
            "quantity": 2,
        },
        format="json",
    )
    assert packed.status_code == 201, packed.json()
    parcel = Order.objects.get(pk=order_id).parcels.get()
    closed = floor.post(
        f"/api/parcels/{parcel.pk}/close/",
        {"weight_g": 3100, "length_mm": 500, "width_mm": 400, "height_mm": 300},
        format="json",
    )
    assert closed.status_code == 200, closed.json()
    shipped = floor.post(
        f"/api/orders/{order_id}/ship/",
        {"scan_id": str(uuid.uuid4()), "carrier": "UPS", "tracking": {str(parcel.pk): "1ZAPI"}},
        format="json",
    )
    assert shipped.status_code == 201, shipped.json()
    assert shipped.json()["parcels"][0]["contents"] == [
        {"sku": "NWO-TENT", "lot": None, "quantity": 2}
    ]
    assert tote.pk and carton.pk

    refused = boss.post(f"/api/orders/{order_id}/cancel/", {"reason": "late"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["outcome"] == "refused"

    timeline = floor.get(f"/api/orders/{order_id}/timeline/").json()
    assert [e["to_state"] for e in timeline["events"] if e["to_state"]] == [
        "received",
        "reserved",
        "released",
        "picking",
        "picked",
        "packed",
        "shipped",
    ]
    assert timeline["events"][-1]["kind"] == "cancel_refused"
    assert timeline["allocation"][0]["reason"].startswith("Ship complete from TST1")


def test_bad_order_input_says_what_is_wrong(nwo: Client, sam: User, db: None) -> None:
    body = order_body(nwo, "BAD-1", "NOPE")
    response = api_as(sam).post("/api/orders/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["lines"] == ["Unknown SKU(s) for NWO: NOPE."]
    body = order_body(nwo, "BAD-2", "NOPE") | {"ship_to": {"name": "x"}}
    response = api_as(sam).post("/api/orders/", body, format="json")
    assert response.status_code == 400
    assert "ship_to" in response.json()["fields"]
    assert not Order.objects.exists()


def test_charlie_must_not_see_alices_orders_or_promises(
    site: Site, nwo: Client, tent: Item, oscar: User, alice: User, charlie: User
) -> None:
    ChannelRule.objects.create(client=nwo, channel="shopify")
    stock(site, tent, 5, oscar)
    order = place(nwo, "ALICE-1", [(tent, 1)])
    api = api_as(charlie)

    assert api.get(f"/api/orders/{order.pk}/").status_code == 404
    assert api.get(f"/api/orders/{order.pk}/timeline/").status_code == 404
    assert api.get("/api/orders/").json()["results"] == []
    assert api.get("/api/orders/at-risk/?within_minutes=100000").json() == []
    assert api.get(f"/api/atp/?item={tent.pk}&channel=shopify").status_code == 400
    assert (
        api.post(f"/api/orders/{order.pk}/cancel/", {"reason": "x"}, format="json").status_code
        == 403
    )
    for url in ("/api/waves/", "/api/pick-tasks/", "/api/parcels/"):
        assert api.get(url).status_code == 403, url
    for url in ("/api/shipments/", "/api/returns/", "/api/receipts/"):
        assert api.get(url).json()["results"] == [], url

    mine = api_as(alice)
    assert mine.get(f"/api/orders/{order.pk}/").json()["state"] == OrderState.RESERVED
    atp = mine.get(f"/api/atp/?item={tent.pk}&channel=shopify").json()
    assert atp == {
        "item": tent.pk,
        "sku": "NWO-TENT",
        "channel": "shopify",
        "warehouses": {"TST1": 4},
        "published": 4,
    }


def test_receipts_and_returns_through_the_api(
    site: Site, nwo: Client, tent: Item, oscar: User, sam: User
) -> None:
    boss, floor = api_as(sam), api_as(oscar)
    receipt = boss.post(
        "/api/receipts/",
        {
            "client": nwo.pk,
            "warehouse": "TST1",
            "reference": "ASN-9",
            "over_tolerance_percent": 10,
            "lines": [{"sku": "NWO-TENT", "quantity": 10}],
        },
        format="json",
    )
    assert receipt.status_code == 201, receipt.json()
    rid = receipt.json()["id"]
    got = floor.post(
        f"/api/receipts/{rid}/receive/",
        {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 11, "location": site.dock.pk},
        format="json",
    )
    assert got.status_code == 201, got.json()
    assert (got.json()["received"], got.json()["expected"]) == (11, 10)
    assert "within the 10% over-receipt tolerance" in got.json()["warning"]
    too_many = floor.post(
        f"/api/receipts/{rid}/receive/",
        {"scan_id": str(uuid.uuid4()), "item": tent.pk, "quantity": 5, "location": site.dock.pk},
        format="json",
    )
    assert too_many.status_code == 409
    assert "would exceed the 10% over-receipt tolerance" in too_many.json()["message"]
    where = floor.get(f"/api/receipts/{rid}/putaway/?sku=NWO-TENT").json()
    assert isinstance(where, list), where
    assert [p["code"] for p in where][:1] == ["A-01-1"]
    assert boss.post(f"/api/receipts/{rid}/complete/").json()["state"] == "complete"

    order = place(nwo, "RET-1", [(tent, 1)])
    Order.objects.filter(pk=order.pk).update(state=OrderState.SHIPPED)
    order.lines.update(picked=1, packed=1, shipped=1)
    opened = floor.post(
        "/api/returns/", {"client": nwo.pk, "warehouse": "TST1", "rma": "RMA-7", "order": order.pk}
    )
    assert opened.status_code == 201, opened.json()
    ret = opened.json()["id"]
    unit = floor.post(
        f"/api/returns/{ret}/receive/",
        {
            "scan_id": str(uuid.uuid4()),
            "item": tent.pk,
            "quantity": 1,
            "grade": "sellable",
            "location": site.returns.pk,
        },
        format="json",
    )
    assert unit.status_code == 201, unit.json()
    done = floor.post(
        f"/api/returns/{ret}/units/{unit.json()['id']}/dispose/",
        {"scan_id": str(uuid.uuid4()), "disposition": "restocked", "to_location": site.face1.pk},
        format="json",
    )
    assert done.status_code == 200, done.json()
    assert done.json()["disposition"] == "restocked"

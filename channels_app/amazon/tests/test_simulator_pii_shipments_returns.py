"""The simulator enforces Amazon's documented rules for confirmShipment, Restricted Data Tokens
and the returns report, whoever calls it: raw HTTP here, not our adapter (see the rules' sources
in simulator/confirmations.py, tokens_api.py and reports.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from channels_app.amazon.simulator import Credentials
from channels_app.amazon.tests.conftest import SimControl


@pytest.fixture
def amazon(sim: SimControl) -> Iterator[httpx.Client]:
    """A bare SP-API client holding a plain LWA access token."""
    c = Credentials()
    token = httpx.post(
        f"{sim.url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": c.refresh_token,
            "client_id": c.client_id,
            "client_secret": c.client_secret,
        },
    ).json()["access_token"]
    with httpx.Client(base_url=sim.url, headers={"x-amz-access-token": token}) as client:
        yield client


def package(order_item_id: str, reference: str = "1", **fields: Any) -> dict[str, Any]:
    detail = {
        "packageReferenceId": reference,
        "carrierCode": "UPS",
        "trackingNumber": f"1Z{reference:0>16}",
        "shipDate": "2026-01-02T10:00:00Z",
        "orderItems": [{"orderItemId": order_item_id, "quantity": 1}],
    } | fields
    return {"marketplaceId": "ATVPDKIKX0DER", "packageDetail": detail}


def confirm(amazon: httpx.Client, order_id: str, body: dict[str, Any]) -> httpx.Response:
    return amazon.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=body)


def placed(sim: SimControl, quantity: int = 2) -> tuple[str, str]:
    order = sim.order(("NWO-TENT", quantity))
    item = sim.state()["order_items"][order["AmazonOrderId"]][0]["OrderItemId"]
    return order["AmazonOrderId"], item


# --- confirmShipment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"packageReferenceId": "A-1"}, "only positive numeric"),
        ({"packageReferenceId": "0"}, "only positive numeric"),
        ({"carrierCode": "Other"}, "carrierName is required"),
        ({"carrierCode": ""}, "carrierCode is required"),
        ({"trackingNumber": " "}, "trackingNumber is required"),
        ({"shipDate": "yesterday"}, "ISO 8601"),
        ({"orderItems": []}, "at least one order item"),
        ({"orderItems": [{"orderItemId": "99", "quantity": 1}]}, "Unknown orderItemId"),
        ({"orderItems": [{"orderItemId": "{item}", "quantity": 3}]}, "Too many units"),
        ({"orderItems": [{"orderItemId": "{item}", "quantity": 0}]}, "at least 1"),
    ],
)
def test_confirm_shipment_refuses_what_amazon_refuses(
    sim: SimControl, amazon: httpx.Client, fields: dict[str, Any], says: str
) -> None:
    order_id, item = placed(sim)
    for line in fields.get("orderItems", []):
        line["orderItemId"] = line["orderItemId"].replace("{item}", item)

    response = confirm(amazon, order_id, package(item, **fields))

    assert response.status_code == 400
    assert says in response.json()["errors"][0]["message"]
    state = sim.state()
    assert state["shipments"].get(order_id, []) == []
    assert state["orders"][order_id]["OrderStatus"] == "Unshipped"


def test_a_package_missing_a_required_field_is_refused_by_the_model(
    sim: SimControl, amazon: httpx.Client
) -> None:
    order_id, item = placed(sim)
    body = package(item)
    del body["packageDetail"]["trackingNumber"]

    response = confirm(amazon, order_id, body)

    assert response.status_code == 400 and "trackingNumber" in response.text


def test_each_package_reference_adds_a_package_and_the_same_reference_edits_it(
    sim: SimControl, amazon: httpx.Client
) -> None:
    order_id, item = placed(sim)
    assert confirm(amazon, order_id, package(item, "1")).status_code == 204
    assert sim.state()["orders"][order_id]["OrderStatus"] == "PartiallyShipped"

    edited = confirm(amazon, order_id, package(item, "1", trackingNumber="1ZEDITED"))
    second = confirm(amazon, order_id, package(item, "2"))

    assert (edited.status_code, second.status_code) == (204, 204)
    state = sim.state()
    assert [p["trackingNumber"] for p in state["shipments"][order_id]] == [
        "1ZEDITED",
        "1Z0000000000000002",
    ]
    assert state["order_items"][order_id][0]["QuantityShipped"] == 2
    assert state["orders"][order_id]["OrderStatus"] == "Shipped"
    third = confirm(amazon, order_id, package(item, "3"))
    assert third.status_code == 400 and "already been shipped" in third.text


def test_a_canceled_order_cannot_be_confirmed(sim: SimControl, amazon: httpx.Client) -> None:
    order_id, item = placed(sim)
    sim.cancel(order_id)

    response = confirm(amazon, order_id, package(item))

    assert response.status_code == 400 and "canceled" in response.text


# --- Restricted Data Tokens -----------------------------------------------------------------


def rdt(amazon: httpx.Client, *resources: dict[str, Any]) -> httpx.Response:
    return amazon.post(
        "/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": list(resources)}
    )


def test_without_an_rdt_the_order_comes_without_name_street_and_phone(
    sim: SimControl, amazon: httpx.Client
) -> None:
    order_id, _ = placed(sim)

    order = amazon.get(f"/orders/v0/orders/{order_id}").json()["payload"]

    assert order["ShippingAddress"] == {
        "City": "New York",
        "StateOrRegion": "NY",
        "PostalCode": "10001",
        "CountryCode": "US",
    }
    assert "BuyerInfo" not in order


def test_an_rdt_for_the_order_opens_address_phone_and_buyer(
    sim: SimControl, amazon: httpx.Client
) -> None:
    order_id, _ = placed(sim)
    path = f"/orders/v0/orders/{order_id}"
    token = rdt(
        amazon, {"method": "GET", "path": path, "dataElements": ["buyerInfo", "shippingAddress"]}
    ).json()

    order = amazon.get(path, headers={"x-amz-access-token": token["restrictedDataToken"]}).json()

    assert token["expiresIn"] == 3600
    address = order["payload"]["ShippingAddress"]
    assert (address["Name"], address["AddressLine1"], address["Phone"]) == (
        "Jo Buyer",
        "1 Main St",
        "+1 212 555 0143",
    )
    assert order["payload"]["BuyerInfo"]["BuyerEmail"] == "jo@marketplace.amazon.com"


def test_an_rdt_opens_only_its_data_elements_and_its_resource(
    sim: SimControl, amazon: httpx.Client
) -> None:
    order_id, _ = placed(sim)
    other_id, _ = placed(sim)
    path = f"/orders/v0/orders/{order_id}"
    token = rdt(amazon, {"method": "GET", "path": path, "dataElements": ["buyerInfo"]}).json()
    headers = {"x-amz-access-token": token["restrictedDataToken"]}

    order = amazon.get(path, headers=headers).json()["payload"]
    elsewhere = amazon.get(f"/orders/v0/orders/{other_id}", headers=headers)
    listings = amazon.get("/listings/2021-08-01/items/A3SIMSELLER01/NWO-TENT", headers=headers)

    assert "Name" not in order["ShippingAddress"] and "BuyerInfo" in order
    assert elsewhere.status_code == 403 and "does not cover" in elsewhere.text
    assert listings.status_code == 403


@pytest.mark.parametrize(
    ("resource", "says"),
    [
        ({"method": "GET", "path": "/orders/v0/orders"}, "dataElements is required"),
        (
            {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["everything"]},
            "Unknown dataElements",
        ),
        (
            {"method": "GET", "path": "/listings/2021-08-01/items/S/K", "dataElements": []},
            "not a restricted resource",
        ),
    ],
)
def test_an_rdt_is_refused_for_what_the_tokens_api_refuses(
    sim: SimControl, amazon: httpx.Client, resource: dict[str, Any], says: str
) -> None:
    response = rdt(amazon, resource)

    assert response.status_code == 400 and says in response.text


def test_an_rdt_cannot_be_made_with_an_rdt_or_without_a_token(
    sim: SimControl, amazon: httpx.Client
) -> None:
    resource = {"method": "GET", "path": "/orders/v0/orders", "dataElements": ["shippingAddress"]}
    token = rdt(amazon, resource).json()["restrictedDataToken"]

    with_rdt = amazon.post(
        "/tokens/2021-03-01/restrictedDataToken",
        json={"restrictedResources": [resource]},
        headers={"x-amz-access-token": token},
    )
    none = httpx.post(
        f"{sim.url}/tokens/2021-03-01/restrictedDataToken",
        json={"restrictedResources": [resource]},
    )

    assert with_rdt.status_code == 403 and none.status_code == 403


# --- the returns report ---------------------------------------------------------------------


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def create_report(amazon: httpx.Client, **spec: Any) -> httpx.Response:
    body = {
        "reportType": "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE",
        "marketplaceIds": ["ATVPDKIKX0DER"],
    } | spec
    return amazon.post("/reports/2021-06-30/reports", json=body)


@pytest.mark.parametrize(
    ("days_back", "days_long", "says"),
    [(70, 61, "at most 60 days"), (-2, 1, "after the current time")],
)
def test_a_returns_report_window_is_refused_as_amazon_refuses_it(
    sim: SimControl, amazon: httpx.Client, days_back: int, days_long: int, says: str
) -> None:
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_back)
    response = create_report(
        amazon,
        dataStartTime=iso(start),
        dataEndTime=iso(start + dt.timedelta(days=days_long)),
    )

    assert response.status_code == 400 and says in response.text


def test_a_returns_report_is_a_gzipped_tab_delimited_file_after_processing(
    sim: SimControl, amazon: httpx.Client
) -> None:
    import gzip

    order_id, _ = placed(sim)
    sim._post("/returns", {"Order ID": order_id, "Merchant SKU": "NWO-TENT"})
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    report_id = create_report(amazon, dataStartTime=iso(start)).json()["reportId"]

    statuses = [amazon.get(f"/reports/2021-06-30/reports/{report_id}").json() for _ in range(3)]
    document = amazon.get(
        f"/reports/2021-06-30/documents/{statuses[-1]['reportDocumentId']}"
    ).json()
    text = gzip.decompress(httpx.get(document["url"]).content).decode()

    assert [s["processingStatus"] for s in statuses] == ["IN_PROGRESS", "DONE", "DONE"]
    assert document["compressionAlgorithm"] == "GZIP"
    header, row = text.splitlines()
    assert header.split("\t")[:5] == [
        "Order ID",
        "Order date",
        "Return request date",
        "Return request status",
        "Amazon RMA ID",
    ]
    assert dict(zip(header.split("\t"), row.split("\t"), strict=True))["Order ID"] == order_id


def test_a_returns_report_without_returns_is_cancelled(
    sim: SimControl, amazon: httpx.Client
) -> None:
    report_id = create_report(amazon).json()["reportId"]

    last = [amazon.get(f"/reports/2021-06-30/reports/{report_id}").json() for _ in range(2)][-1]

    assert last["processingStatus"] == "CANCELLED" and "reportDocumentId" not in last

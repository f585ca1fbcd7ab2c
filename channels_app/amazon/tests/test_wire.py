"""The validation every test relies on can fail: a wrong request or response is caught."""

from __future__ import annotations

import httpx
import pytest

from channels_app.amazon import wire
from channels_app.amazon.client import client_for
from channels_app.amazon.models import AmazonIntegration
from channels_app.amazon.tests.conftest import SimControl


def test_the_client_checks_every_call_against_the_models(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with client_for(integration) as api:
        assert isinstance(api.transport, wire.ValidatingTransport)
        api.call(
            "GET",
            "/orders/v0/orders",
            operation="getOrders",
            params={
                "MarketplaceIds": ["ATVPDKIKX0DER"],
                "LastUpdatedAfter": "2020-01-01T00:00:00Z",
            },
        )
        assert api.transport.checked == ["getOrders"]


def test_a_request_missing_a_required_parameter_is_a_violation() -> None:
    op = wire.find_operation("GET", "/orders/v0/orders")
    assert op is not None
    with pytest.raises(wire.WireViolation, match="MarketplaceIds missing"):
        wire.validate_request(op, {"LastUpdatedAfter": "2020-01-01T00:00:00Z"}, None)
    with pytest.raises(wire.WireViolation, match="is not integer"):
        wire.validate_request(op, {"MarketplaceIds": "X", "MaxResultsPerPage": "ten"}, None)
    search = wire.find_operation("GET", "/listings/2021-08-01/items/A1")
    assert search is not None
    with pytest.raises(wire.WireViolation, match="not one of"):
        wire.validate_request(search, {"marketplaceIds": "X", "includedData": "stock"}, None)


def test_a_body_not_shaped_like_amazons_is_a_violation() -> None:
    op = wire.find_operation("POST", "/orders/v0/orders/111-1/shipmentConfirmation")
    assert op is not None
    body = {"marketplaceId": "ATVPDKIKX0DER", "packageDetail": {"carrierCode": "UPS"}}
    with pytest.raises(wire.WireViolation, match="'trackingNumber' is a required property"):
        wire.validate_request(op, {}, body)


def test_a_response_not_shaped_like_amazons_is_a_violation() -> None:
    op = wire.find_operation("GET", "/orders/v0/orders/111-1")
    assert op is not None
    with pytest.raises(wire.WireViolation, match="'OrderStatus' is a required property"):
        wire.validate_response(op, 200, {"payload": {"AmazonOrderId": "111-1"}})
    with pytest.raises(wire.WireViolation, match="status 418"):
        wire.validate_response(op, 418, None)


def test_a_feed_document_is_checked_against_the_listings_feed_schema() -> None:
    with pytest.raises(wire.WireViolation, match="listings_feed document"):
        wire.validate_document("listings_feed", {"header": {"sellerId": "A1"}, "messages": []})


def test_the_simulator_refuses_what_amazon_would_refuse(
    sim: SimControl, integration: AmazonIntegration
) -> None:
    with client_for(integration) as api:
        token = api.access_token()
    response = httpx.get(
        f"{sim.url}/orders/v0/orders",
        params={"LastUpdatedAfter": "2020-01-01T00:00:00Z"},
        headers={"x-amz-access-token": token},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert "MarketplaceIds" in response.json()["errors"][0]["message"]


def test_usage_plans_come_from_the_models() -> None:
    confirm = wire.find_operation("POST", "/orders/v0/orders/1/shipmentConfirmation")
    patch = wire.find_operation("PATCH", "/listings/2021-08-01/items/S/sku")
    assert confirm is not None and patch is not None
    assert wire.usage_plan(confirm) == (2.0, 10)
    assert wire.usage_plan(patch) == (5.0, 5)

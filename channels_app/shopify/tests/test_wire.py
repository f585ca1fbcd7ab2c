"""Every document the adapter sends is valid against the pinned 2026-04 schema, and the check that
says so can fail: an invalid document is refused before it leaves the process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from channels_app.shopify import documents, mapping, wire
from channels_app.shopify.client import AdminClient
from channels_app.shopify.tests.conftest import SimControl

GID = "gid://shopify/FulfillmentOrder/1"
INPUT = mapping.inventory_input(
    inventory_item_id="gid://shopify/InventoryItem/1",
    location_id="gid://shopify/Location/1",
    quantity=5,
    change_from=3,
    reference="gid://touchline-wms/AvailabilityEvent/1",
)
VARIABLES: dict[str, dict[str, Any]] = {
    "RegisterFulfillmentService": {"name": "Touchline", "callbackUrl": "https://wms.example/cb"},
    "AssignedFulfillmentOrders": {
        "status": "FULFILLMENT_REQUESTED",
        "locationIds": ["gid://shopify/Location/1"],
        "first": 5,
        "lines": 50,
    },
    "FulfillmentOrderLines": {"id": GID, "after": "50", "lines": 200},
    "AcceptFulfillmentRequest": {"id": GID, "message": "Reserved"},
    "RejectFulfillmentRequest": {"id": GID, "reason": "INVENTORY_OUT_OF_STOCK", "message": "none"},
    "AcceptCancellationRequest": {"id": GID},
    "RejectCancellationRequest": {"id": GID, "message": "shipped"},
    "FulfillmentsOf": {"id": GID},
    "CreateFulfillment": {
        "fulfillment": mapping.fulfillment_input(
            fulfillment_order_id=GID,
            shipped={"gid://shopify/FulfillmentOrderLineItem/2": 3},
            carrier="UPS",
            numbers=["1Z999"],
        )
    },
    "InventoryItemBySku": {"query": "sku:'NWO-TENT'"},
    "AvailableAt": {
        "id": "gid://shopify/InventoryItem/1",
        "locationId": "gid://shopify/Location/1",
    },
    "SetAvailable": {"input": INPUT, "key": "availability:1:2:shopify:shopify:3#4"},
}


@pytest.mark.parametrize("name", sorted(documents.ALL))
def test_every_document_the_adapter_sends_is_valid(name: str) -> None:
    wire.check(documents.ALL[name], VARIABLES[name], name)


def refused(query: str, variables: dict[str, Any]) -> str:
    with pytest.raises(wire.WireViolation) as caught:
        wire.check(query, variables)
    return str(caught.value)


def test_an_unknown_field_or_a_wrong_type_is_refused() -> None:
    assert "Cannot query field 'trackingCompany'" in refused(
        'query { fulfillmentOrder(id: "x") { trackingCompany } }', {}
    )
    assert "INVENTORY_GONE" in refused(documents.REJECT, {"id": GID, "reason": "INVENTORY_GONE"})
    assert "Syntax" in refused("query { fulfillmentOrder(id: ", {})


def test_inventory_set_quantities_without_change_from_quantity_is_refused() -> None:
    quantities = [{k: v for k, v in INPUT["quantities"][0].items() if k != "changeFromQuantity"}]
    problem = refused(
        documents.SET_INVENTORY, {"input": {**INPUT, "quantities": quantities}, "key": "k1"}
    )
    assert "must pass changeFromQuantity explicitly" in problem
    # Inline in the document instead of in variables: the same rule.
    inline = """mutation { inventorySetQuantities(input: {name: "available", reason: "correction",
      quantities: [{inventoryItemId: "gid://shopify/InventoryItem/1",
                    locationId: "gid://shopify/Location/1", quantity: 1}]})
      @idempotent(key: "k2") { userErrors { code } } }"""
    assert "changeFromQuantity" in refused(inline, {})


def test_change_from_quantity_null_is_an_explicit_opt_out_and_passes() -> None:
    opt_out = {**INPUT, "quantities": [{**INPUT["quantities"][0], "changeFromQuantity": None}]}
    wire.check(documents.SET_INVENTORY, {"input": opt_out, "key": "k3"})


def test_inventory_set_quantities_without_an_idempotency_key_is_refused() -> None:
    without = documents.SET_INVENTORY.replace(" @idempotent(key: $key)", "").replace(
        ", $key: String!", ""
    )
    assert "@idempotent" in refused(without, {"input": INPUT})
    assert "non-blank key" in refused(documents.SET_INVENTORY, {"input": INPUT, "key": "  "})


def test_the_client_refuses_an_invalid_document_before_it_leaves(settings: Any) -> None:
    settings.SHOPIFY_VALIDATE_WIRE = True
    sent: list[httpx.Request] = []

    def shopify(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"data": {}})

    inner = httpx.MockTransport(shopify)

    class NoBucket:
        def take(self, cost: float = 1.0) -> float:
            return 0.0

    api = AdminClient(
        shop_domain="nwo.myshopify.com",
        access_token="t",  # noqa: S106
        api_version=wire.API_VERSION,
        base_url="http://shopify.invalid",
        transport=inner,
        bucket=NoBucket(),  # type: ignore[arg-type]
    )
    quantities = [{k: v for k, v in INPUT["quantities"][0].items() if k != "changeFromQuantity"}]
    with pytest.raises(wire.WireViolation, match="changeFromQuantity"):
        api.execute(
            documents.SET_INVENTORY,
            {"input": {**INPUT, "quantities": quantities}, "key": "k"},
            operation="SetAvailable",
        )
    with pytest.raises(wire.WireViolation, match="Cannot query field"):
        api.execute("query Bad { shop { noSuchField } }", operation="Bad")
    assert sent == []  # nothing left the process

    api.execute(
        documents.ASSIGNED,
        VARIABLES["AssignedFulfillmentOrders"],
        operation="AssignedFulfillmentOrders",
    )
    assert len(sent) == 1
    assert isinstance(api.transport, wire.ValidatingTransport)
    assert api.transport.checked == ["assignedFulfillmentOrders"]


def test_the_simulator_refuses_what_shopify_would(sim: SimControl) -> None:
    quantities = [{k: v for k, v in INPUT["quantities"][0].items() if k != "changeFromQuantity"}]
    response = httpx.post(
        f"{sim.url}/admin/api/{wire.API_VERSION}/graphql.json",
        json={
            "query": documents.SET_INVENTORY,
            "variables": {"input": {**INPUT, "quantities": quantities}, "key": "k"},
        },
        headers={"X-Shopify-Access-Token": sim.sim.access_token},
    )
    assert response.status_code == 200
    assert "changeFromQuantity" in response.json()["errors"][0]["message"]
    assert "data" not in response.json()
    assert sim.state()["effects"]["keys"] == {}  # refused before anything ran

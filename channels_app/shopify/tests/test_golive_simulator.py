"""The simulator enforces Shopify's documented rules for going live and returns (simulator/golive.py),
asked over HTTP with raw documents — not through our adapter — so each refusal is the simulator's
own: a second subscription of one topic to one address, a plain-http webhook address, an input
array above 250, an update of a service the uninstall deleted, a RESTOCKED disposal without its
location, more units disposed than the return holds."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from channels_app.shopify import documents as D
from channels_app.shopify import live_documents as L
from channels_app.shopify import wire
from channels_app.shopify.simulator import Simulator
from channels_app.shopify.tests.conftest import SimControl

REGISTER = """
mutation R($name: String!, $url: URL!) {
  fulfillmentServiceCreate(name: $name, callbackUrl: $url, inventoryManagement: true) {
    fulfillmentService { id location { id } }
    userErrors { field message }
  }
}
"""


@pytest.fixture
def raw() -> Any:
    simulator = Simulator().start()
    control = SimControl(simulator)

    def gql(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(
            f"{simulator.url}/admin/api/{wire.API_VERSION}/graphql.json",
            json={"query": query, "variables": variables or {}},
            headers={"X-Shopify-Access-Token": simulator.access_token},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    yield control, gql
    control.http.close()
    simulator.stop()


def _register(gql: Any) -> dict[str, Any]:
    out = gql(REGISTER, {"name": "Touchline WMS", "url": "https://wms.example.com/cb/1"})
    return dict(out["data"]["fulfillmentServiceCreate"]["fulfillmentService"])


def test_a_topic_is_subscribed_once_per_address_and_only_to_https(raw: Any) -> None:
    _sim, gql = raw
    hook = {"topic": "ORDERS_CANCELLED", "uri": "https://wms.example.com/hooks"}

    first = gql(L.SUBSCRIBE, hook)["data"]["webhookSubscriptionCreate"]
    second = gql(L.SUBSCRIBE, hook)["data"]["webhookSubscriptionCreate"]
    plain = gql(L.SUBSCRIBE, {**hook, "uri": "http://wms.example.com/hooks"})

    assert first["userErrors"] == [] and first["webhookSubscription"]["topic"] == "ORDERS_CANCELLED"
    assert second["webhookSubscription"] is None
    assert second["userErrors"][0]["message"] == "Address for this topic has already been taken"
    assert "not supported" in plain["data"]["webhookSubscriptionCreate"]["userErrors"][0]["message"]
    listed = gql(L.WEBHOOKS)["data"]["webhookSubscriptions"]["nodes"]
    assert [(x["topic"], x["uri"]) for x in listed] == [("ORDERS_CANCELLED", hook["uri"])]


def test_an_uninstall_deletes_the_service_its_location_and_the_subscriptions(raw: Any) -> None:
    sim, gql = raw
    service = _register(gql)
    gql(L.SUBSCRIBE, {"topic": "APP_UNINSTALLED", "uri": "https://wms.example.com/hooks"})

    sim._post("/uninstall", {"webhook": False})

    assert gql(L.SERVICE, {"id": service["id"]})["data"]["fulfillmentService"] is None
    assert gql(L.WEBHOOKS)["data"]["webhookSubscriptions"]["nodes"] == []
    update = gql(
        L.UPDATE_SERVICE,
        {"id": service["id"], "name": "Touchline WMS", "callbackUrl": "https://wms.example.com/x"},
    )["data"]["fulfillmentServiceUpdate"]
    assert update["fulfillmentService"] is None
    assert update["userErrors"][0]["message"] == "Fulfillment service could not be found."
    assert sim.http.get("/golive").json()["locations"] == []


def test_an_input_array_above_250_is_refused_and_nothing_is_set(raw: Any) -> None:
    sim, gql = raw
    items = sim.products(**{f"SKU-{n}": 0 for n in range(251)})
    location = _register(gql)["location"]["id"]
    quantities = [
        {
            "inventoryItemId": items[f"SKU-{n}"],
            "locationId": location,
            "quantity": 1,
            "changeFromQuantity": 0,
        }
        for n in range(251)
    ]

    def setting(these: list[dict[str, Any]], key: str) -> dict[str, Any]:
        batch = {"name": "available", "reason": "correction", "quantities": these}
        return gql(L.SET_MANY, {"input": batch, "key": key})

    refused = setting(quantities, "k-251")
    accepted = setting(quantities[:250], "k-250")

    assert refused["data"]["inventorySetQuantities"] is None
    assert "maximum allowed of 250" in refused["errors"][0]["message"]
    assert accepted["data"]["inventorySetQuantities"]["userErrors"] == []
    available = sim.state()["available"]
    assert sum(available.values()) == 250 and available["SKU-250"] == 0


def test_inventory_items_are_paged_and_first_is_required(raw: Any) -> None:
    sim, gql = raw
    sim.products(**{f"P-{n}": 0 for n in range(3)})
    location = _register(gql)["location"]["id"]
    unpaged = gql(
        """query Q($l: ID!) { inventoryItems { nodes { id inventoryLevel(locationId: $l) { id } } } }""",
        {"l": location},
    )
    page = gql(L.QUANTITIES, {"locationId": location})["data"]["inventoryItems"]

    assert "first or last" in unpaged["errors"][0]["message"]
    assert len(page["nodes"]) == 3 and page["pageInfo"]["hasNextPage"] is False


def test_disposing_a_return_follows_shopifys_rules(raw: Any) -> None:
    sim, gql = raw
    sim.products(**{"NWO-TENT": 0})
    location = _register(gql)["location"]["id"]
    sim.set_available(**{"NWO-TENT": 5})
    order = sim.order(("NWO-TENT", 3), webhook=False, notify=False)
    lines = [{"sku": "NWO-TENT", "quantity": 2}]
    # Nothing fulfilled yet: only fulfilled units can come back.
    early = sim.http.post("/returns", json={"order_id": order["order_id"], "lines": lines})
    assert early.status_code == 422
    fo = order["fulfillment_order_id"]
    gql(D.ACCEPT, {"id": fo})
    gql(D.FULFILL, {"fulfillment": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}})
    made = sim._post("/returns", {"order_id": order["order_id"], "lines": lines})
    (line_id,) = made["line_item_ids"]

    def dispose(**fields: Any) -> dict[str, Any]:
        answer = gql(
            L.DISPOSE, {"inputs": [{"reverseFulfillmentOrderLineItemId": line_id, **fields}]}
        )
        return dict(answer["data"]["reverseFulfillmentOrderDispose"])

    no_location = dispose(quantity=1, dispositionType="RESTOCKED")
    too_many = dispose(quantity=3, dispositionType="NOT_RESTOCKED", locationId=location)
    restocked = dispose(quantity=1, dispositionType="RESTOCKED", locationId=location)
    dropped = dispose(quantity=1, dispositionType="NOT_RESTOCKED")
    closed = dispose(quantity=1, dispositionType="NOT_RESTOCKED")

    assert no_location["userErrors"][0]["code"] == "BLANK"
    assert too_many["userErrors"][0]["code"] == "INVALID"
    assert restocked["userErrors"] == [] and dropped["userErrors"] == []
    assert closed["userErrors"][0]["code"] == "INVALID_STATE"  # every unit disposed: closed
    assert sim.state()["available"] == {"NWO-TENT": 6}  # the restocked unit counts at Shopify
    rfo = gql(L.REVERSE_ORDER, {"id": made["reverse_fulfillment_order_id"]})["data"]
    disposed = rfo["reverseFulfillmentOrder"]["lineItems"]["nodes"][0]["dispositions"]
    assert [(d["quantity"], d["type"]) for d in disposed] == [
        (1, "RESTOCKED"),
        (1, "NOT_RESTOCKED"),
    ]
    returns = gql(L.RETURNS_OF_ORDER, {"id": order["order_id"]})["data"]["order"]["returns"]
    assert returns["nodes"][0]["reverseFulfillmentOrders"]["nodes"][0]["status"] == "CLOSED"

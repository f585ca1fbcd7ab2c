"""The simulator costs queries the way Shopify documents it, and refuses what Shopify refuses:
the 1,000-point single-query limit whatever the bucket holds, connections without first/last or
above 250, an empty bucket; every answer carries extensions.cost; the bucket restores at the
plan's rate and is refunded what a query did not use. The adapter's own estimate (cost.py) is
written separately and must agree with it on every document we send."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from channels_app.shopify import cost as ours
from channels_app.shopify import documents, wire
from channels_app.shopify.client import AdminClient
from channels_app.shopify.errors import GraphQLRefused
from channels_app.shopify.simulator import cost
from channels_app.shopify.tests.conftest import SimControl
from channels_app.shopify.tests.test_wire import VARIABLES

# The document that imported nothing before issue 12: 25 fulfillment orders × 100 line items.
OLD_ASSIGNED = """
query AssignedFulfillmentOrders($status: FulfillmentOrderAssignmentStatus!, $after: String) {
  assignedFulfillmentOrders(first: 25, assignmentStatus: $status, after: $after) {
    nodes {
      id orderId orderName status requestStatus
      destination { firstName lastName company address1 address2 city province zip countryCode }
      lineItems(first: 100) { nodes { id sku totalQuantity remainingQuantity inventoryItemId } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def simulated(query: str, variables: dict[str, Any] | None = None) -> int:
    document, operation = wire.check(query, variables or {})
    requested, problems = cost.requested_cost(wire.schema(), document, operation, variables)
    assert problems == []
    return requested


def post(sim: SimControl, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.post(
        f"{sim.url}/admin/api/{wire.API_VERSION}/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": sim.sim.access_token},
    )
    assert response.status_code == 200
    return dict(response.json())


def test_the_documented_examples_cost_what_shopify_says() -> None:
    # shopify.engineering: "shop is an object, cost 1; id, name, timezoneOffsetMinutes and
    # customerAccounts are scalars, cost 0. The total query cost is 1."
    assert simulated("query { shop { id name timezoneOffsetMinutes customerAccounts } }") == 1
    # A connection: 2 + first × (the node 1 + what is selected in it); mutations 10.
    assert simulated("query { locations(first: 10) { nodes { id name } } }") == 2 + 10 * 1
    assert simulated(OLD_ASSIGNED, {"status": "FULFILLMENT_REQUESTED"}) == 2 + 25 * (
        1 + 1 + (2 + 100 * 1)
    )
    assert simulated(documents.ACCEPT, {"id": "gid://shopify/FulfillmentOrder/1"}) == 10
    assert simulated("query { shop { id } publicApiVersions { handle } }") == 2  # object, list
    assert simulated("query { __typename }") == 1  # a query costs at least 1


@pytest.mark.parametrize("name", sorted(documents.ALL))
def test_our_estimate_agrees_with_the_simulator_and_stays_well_under_the_limit(name: str) -> None:
    query, variables = documents.ALL[name], VARIABLES[name]
    assert ours.estimate(query, variables) == simulated(query, variables)
    assert ours.estimate(query, variables) <= ours.BUDGET


def test_above_1000_points_is_max_cost_exceeded_whatever_the_bucket_holds(sim: SimControl) -> None:
    sim.throttle(maximumAvailable=20000, currentlyAvailable=20000, restoreRate=1000)

    answer = post(sim, OLD_ASSIGNED, {"status": "FULFILLMENT_REQUESTED"})

    error = answer["errors"][0]
    assert error["extensions"]["code"] == "MAX_COST_EXCEEDED"
    assert error["message"].startswith(
        "Query cost is 2602, which exceeds the single query max cost limit (1000)."
    )
    assert "data" not in answer
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 2602
    assert answer["extensions"]["cost"]["actualQueryCost"] is None
    assert answer["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 20000


def test_a_connection_needs_first_or_last_and_at_most_250(sim: SimControl) -> None:
    unsized = post(sim, "query { locations { nodes { id } } }")
    assert unsized["errors"][0]["message"] == "you must provide one of first or last"
    assert unsized["errors"][0]["path"] == ["query", "locations"]
    assert "data" not in unsized

    too_many = post(sim, "query { locations(first: 251) { nodes { id } } }")
    assert "more than 250" in too_many["errors"][0]["message"]
    assert "data" not in too_many

    assert "errors" not in post(sim, "query { locations(last: 250) { nodes { id } } }")
    assert sim.state()["calls"]["locations"] == 3  # all three reached Shopify; two were refused


def test_every_answer_carries_extensions_cost_and_the_unused_part_is_refunded(
    sim: SimControl,
) -> None:
    sim.throttle(plan="standard")

    answer = post(sim, "query { locations(first: 250) { nodes { id name } } }")

    spent = answer["extensions"]["cost"]
    assert set(spent) == {"requestedQueryCost", "actualQueryCost", "throttleStatus"}
    assert spent["requestedQueryCost"] == 2 + 250
    assert spent["actualQueryCost"] == 2  # no location yet: nothing returned, the rest refunded
    status = spent["throttleStatus"]
    assert set(status) == {"maximumAvailable", "currentlyAvailable", "restoreRate"}
    assert (status["maximumAvailable"], status["restoreRate"]) == (2000.0, 100.0)
    assert status["currentlyAvailable"] >= 2000 - 2  # charged the actual cost only


def test_an_empty_bucket_answers_throttled_and_runs_nothing(sim: SimControl) -> None:
    sim.throttle(maximumAvailable=2000, currentlyAvailable=0, restoreRate=0.001)

    answer = post(sim, documents.ACCEPT, {"id": "gid://shopify/FulfillmentOrder/1"})

    assert answer["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert answer["extensions"]["cost"]["requestedQueryCost"] == 10
    assert answer["extensions"]["cost"]["actualQueryCost"] is None
    assert "data" not in answer


def test_the_bucket_restores_at_the_plans_rate_and_never_above_its_size() -> None:
    bucket = cost.Bucket.for_plan("standard")
    assert (bucket.maximum, bucket.restore_rate) == (2000.0, 100.0)
    assert bucket.take(1500) and not bucket.take(600)
    bucket.at -= 3.0  # three seconds pass (the bucket's clock, moved instead of slept)
    assert bucket.take(600)  # 500 + 3 × 100 restored
    bucket.at -= 3600.0
    bucket.refill()
    assert bucket.available == 2000.0
    plus = cost.Bucket.for_plan("plus")
    assert (plus.maximum, plus.restore_rate) == (20000.0, 1000.0)
    with pytest.raises(ValueError, match="Unknown Shopify plan 'gold'"):
        cost.Bucket.for_plan("gold")


def test_the_client_refuses_a_document_above_the_limit_before_sending_it(sim: SimControl) -> None:
    with (
        AdminClient(
            shop_domain=sim.sim.state.shop_domain,
            access_token=sim.sim.access_token,
            api_version=wire.API_VERSION,
            base_url=sim.url,
        ) as api,
        pytest.raises(GraphQLRefused, match="would cost 2602 points") as refused,
    ):
        api.execute(OLD_ASSIGNED, {"status": "FULFILLMENT_REQUESTED"}, operation="Old")
    assert refused.value.permanent and refused.value.codes == ["MAX_COST_EXCEEDED"]
    assert sim.state()["calls"] == {}  # nothing reached Shopify

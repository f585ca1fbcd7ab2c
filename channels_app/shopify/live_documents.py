"""The GraphQL documents of going live, reconciling and returns (each validated by wire.check).

Kept apart from documents.py (the fulfillment-request flow). Each query's page size keeps its
calculated cost well under Shopify's 1,000-point single-query limit: objects 1, a connection
2 + first × its node's cost, scalars 0 (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits).
"""

from __future__ import annotations

SERVICE = """
query OurFulfillmentService($id: ID!) {
  fulfillmentService(id: $id) { id serviceName callbackUrl location { id name } }
}
"""

# The shop's fulfillment services: finds ours by name when our stored id is lost or stale.
SERVICES = """
query ShopFulfillmentServices {
  shop { fulfillmentServices { id serviceName callbackUrl location { id name } } }
}
"""

UPDATE_SERVICE = """
mutation UpdateFulfillmentService($id: ID!, $name: String!, $callbackUrl: URL!) {
  fulfillmentServiceUpdate(
    id: $id, name: $name, callbackUrl: $callbackUrl, trackingSupport: true,
    inventoryManagement: true
  ) {
    fulfillmentService { id serviceName callbackUrl location { id name } }
    userErrors { field message }
  }
}
"""

WEBHOOKS = """
query WebhookSubscriptions($after: String) {
  webhookSubscriptions(first: 50, after: $after) {
    nodes { id topic uri }
    pageInfo { hasNextPage endCursor }
  }
}
"""

SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""

# ~2 + 100 × (item 1 + level 1 + quantities 1) ≈ 302 points a page.
QUANTITIES = """
query StockAtLocation($locationId: ID!, $after: String) {
  inventoryItems(first: 100, after: $after) {
    nodes {
      id sku
      inventoryLevel(locationId: $locationId) { id quantities(names: ["available"]) { name quantity } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# The key is a variable so every batch shares the document; 2026-04 refuses it without one.
SET_MANY = """
mutation SetAvailableMany($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}
"""

# ~1 + 2 + 10 × (1 + 2 + 5 × 1) ≈ 83 points.
RETURNS_OF_ORDER = """
query ReturnsOfOrder($id: ID!) {
  order(id: $id) {
    id name
    returns(first: 10) {
      nodes { id name status reverseFulfillmentOrders(first: 5) { nodes { id status } } }
    }
  }
}
"""

# ~1 + 2 + 50 × (1 + 1 + 1 + 1) ≈ 203 points a page.
REVERSE_ORDER = """
query ReverseFulfillmentOrderLines($id: ID!, $after: String) {
  reverseFulfillmentOrder(id: $id) {
    id status
    lineItems(first: 50, after: $after) {
      nodes {
        id totalQuantity
        fulfillmentLineItem { id lineItem { id sku } }
        dispositions { id quantity type }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

DISPOSE = """
mutation Dispose($inputs: [ReverseFulfillmentOrderDisposeInput!]!) {
  reverseFulfillmentOrderDispose(dispositionInputs: $inputs) {
    reverseFulfillmentOrderLineItems { id totalQuantity dispositions { id quantity type } }
    userErrors { code field message }
  }
}
"""

ALL = {
    "OurFulfillmentService": SERVICE,
    "ShopFulfillmentServices": SERVICES,
    "UpdateFulfillmentService": UPDATE_SERVICE,
    "WebhookSubscriptions": WEBHOOKS,
    "Subscribe": SUBSCRIBE,
    "StockAtLocation": QUANTITIES,
    "SetAvailableMany": SET_MANY,
    "ReturnsOfOrder": RETURNS_OF_ORDER,
    "ReverseFulfillmentOrderLines": REVERSE_ORDER,
    "Dispose": DISPOSE,
}

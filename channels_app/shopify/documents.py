"""Every GraphQL document the adapter sends (each validated by wire.check before it leaves)."""

from __future__ import annotations

REGISTER = """
mutation RegisterFulfillmentService($name: String!, $callbackUrl: URL!) {
  fulfillmentServiceCreate(
    name: $name, callbackUrl: $callbackUrl, trackingSupport: true, inventoryManagement: true
  ) {
    fulfillmentService { id serviceName callbackUrl location { id name } }
    userErrors { field message }
  }
}
"""

# Paged so every document stays well under Shopify's 1,000-point single-query limit (cost.py):
# $first fulfillment orders × (1 + destination 1 + 2 + $lines line items) + 2. The fulfillment
# orders of one request are few; a large one's further line items come by FULFILLMENT_ORDER_LINES.
ASSIGNED = """
query AssignedFulfillmentOrders(
  $status: FulfillmentOrderAssignmentStatus!, $locationIds: [ID!], $after: String,
  $first: Int!, $lines: Int!
) {
  assignedFulfillmentOrders(
    first: $first, assignmentStatus: $status, locationIds: $locationIds, after: $after
  ) {
    nodes {
      id orderId orderName status requestStatus
      destination {
        firstName lastName company address1 address2 city province zip countryCode phone email
      }
      lineItems(first: $lines) {
        nodes { id sku totalQuantity remainingQuantity inventoryItemId }
        pageInfo { hasNextPage endCursor }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

FULFILLMENT_ORDER_LINES = """
query FulfillmentOrderLines($id: ID!, $after: String, $lines: Int!) {
  fulfillmentOrder(id: $id) {
    id
    lineItems(first: $lines, after: $after) {
      nodes { id sku totalQuantity remainingQuantity inventoryItemId }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

ACCEPT = """
mutation AcceptFulfillmentRequest($id: ID!, $message: String) {
  fulfillmentOrderAcceptFulfillmentRequest(id: $id, message: $message) {
    fulfillmentOrder { id status requestStatus }
    userErrors { field message }
  }
}
"""

REJECT = """
mutation RejectFulfillmentRequest(
  $id: ID!, $reason: FulfillmentOrderRejectionReason, $message: String
) {
  fulfillmentOrderRejectFulfillmentRequest(id: $id, reason: $reason, message: $message) {
    fulfillmentOrder { id status requestStatus }
    userErrors { field message }
  }
}
"""

ACCEPT_CANCELLATION = """
mutation AcceptCancellationRequest($id: ID!, $message: String) {
  fulfillmentOrderAcceptCancellationRequest(id: $id, message: $message) {
    fulfillmentOrder { id status requestStatus }
    userErrors { field message }
  }
}
"""

REJECT_CANCELLATION = """
mutation RejectCancellationRequest($id: ID!, $message: String) {
  fulfillmentOrderRejectCancellationRequest(id: $id, message: $message) {
    fulfillmentOrder { id status requestStatus }
    userErrors { field message }
  }
}
"""

FULFILLMENTS_OF = """
query FulfillmentsOf($id: ID!) {
  fulfillmentOrder(id: $id) {
    id status requestStatus
    fulfillments(first: 20) { nodes { id name status trackingInfo { company number url } } }
  }
}
"""

FULFILL = """
mutation CreateFulfillment($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id name status trackingInfo { company number url } }
    userErrors { field message }
  }
}
"""

INVENTORY_ITEM_BY_SKU = """
query InventoryItemBySku($query: String!) {
  inventoryItems(first: 2, query: $query) { nodes { id sku } }
}
"""

INVENTORY_LEVEL = """
query AvailableAt($id: ID!, $locationId: ID!) {
  inventoryItem(id: $id) {
    id sku
    inventoryLevel(locationId: $locationId) { id quantities(names: ["available"]) { name quantity } }
  }
}
"""

# The key is a variable so the same document serves every push; 2026-04 refuses it without one.
SET_INVENTORY = """
mutation SetAvailable($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id reason changes { name delta quantityAfterChange } }
    userErrors { code field message }
  }
}
"""

ALL = {
    "RegisterFulfillmentService": REGISTER,
    "AssignedFulfillmentOrders": ASSIGNED,
    "FulfillmentOrderLines": FULFILLMENT_ORDER_LINES,
    "AcceptFulfillmentRequest": ACCEPT,
    "RejectFulfillmentRequest": REJECT,
    "AcceptCancellationRequest": ACCEPT_CANCELLATION,
    "RejectCancellationRequest": REJECT_CANCELLATION,
    "FulfillmentsOf": FULFILLMENTS_OF,
    "CreateFulfillment": FULFILL,
    "InventoryItemBySku": INVENTORY_ITEM_BY_SKU,
    "AvailableAt": INVENTORY_LEVEL,
    "SetAvailable": SET_INVENTORY,
}

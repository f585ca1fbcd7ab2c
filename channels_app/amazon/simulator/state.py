"""What the simulated Amazon holds, and each SP-API operation on it (shapes from spec/models).

Every handler takes (state, op, query, body) and returns (status, body). Effects that matter to
exactly-once proofs are counted in ``effects``: what was applied, per order, SKU and idempotency key.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from channels_app.amazon.simulator.usage import SimClock
from channels_app.amazon.wire import Operation

Result = tuple[int, Any]


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def errors(code: str, message: str, details: str = "") -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    return {"errors": [error]}


def _token(offset: int, **query: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, **query}).encode()).decode()


def _untoken(token: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(token.encode()))
    return data


@dataclass
class SimState:
    seller_id: str = "A3SIMSELLER01"
    marketplace_id: str = "ATVPDKIKX0DER"
    base_url: str = ""
    orders_page_size: int = 100
    items_page_size: int = 100
    # How many shipments placement splits an inbound plan into (simulator/inbound.py), at most one
    # per box; /_sim/config {"fba_split": n}.
    fba_split: int = 1
    next_token_ttl: float = 24 * 3600.0  # simulated seconds; see orders_paging.py
    sim_clock: SimClock = field(default_factory=SimClock)
    lock: threading.RLock = field(default_factory=threading.RLock)
    clock: dt.datetime = field(
        default_factory=lambda: dt.datetime.now(dt.UTC).replace(microsecond=0)
    )
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    order_items: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    listings: dict[str, dict[str, Any]] = field(default_factory=dict)
    documents: dict[str, bytes] = field(default_factory=dict)
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    operations: dict[str, str] = field(default_factory=dict)
    fba_inventory: dict[str, dict[str, int]] = field(default_factory=dict)  # simulator/inventory.py
    shipments: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    restricted_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # tokens_api.py
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # reports.py
    returns: list[dict[str, str]] = field(default_factory=list)  # reports.py (returns report rows)
    calls: Counter[str] = field(default_factory=Counter)
    effects: dict[str, Any] = field(
        default_factory=lambda: {
            "confirmShipment": Counter(),  # order id → confirmations applied
            "availability": {},  # sku → quantity Amazon now shows
            "availability_writes": Counter(),  # sku → applied writes
            "keys": Counter(),  # idempotency key → times it arrived (applied the first time)
            "feeds_processed": 0,
        }
    )

    # --- the clock: strictly increasing, so LastUpdateDate orders every change -----------------

    def tick(self) -> dt.datetime:
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        self.clock = max(now, self.clock + dt.timedelta(seconds=1))
        return self.clock

    def apply_key(self, key: str | None) -> bool:
        """Count an effect under its idempotency key; False when that key was already applied."""
        if not key:
            return True
        self.effects["keys"][key] += 1
        return bool(self.effects["keys"][key] == 1)

    # --- test controls --------------------------------------------------------------------------

    def create_order(self, spec: dict[str, Any]) -> dict[str, Any]:
        now = self.tick()
        order_id = (
            spec.get("AmazonOrderId")
            or f"113-{uuid.uuid4().int % 10**7:07d}-{len(self.orders):07d}"
        )
        address = spec.get("ShippingAddress") or {
            "Name": "Jo Buyer",
            "AddressLine1": "1 Main St",
            "City": "New York",
            "StateOrRegion": "NY",
            "PostalCode": "10001",
            "CountryCode": "US",
            "Phone": "+1 212 555 0143",
        }
        items = [
            {
                "ASIN": line.get("ASIN", "B0SIM00001"),
                "SellerSKU": line["SellerSKU"],
                "OrderItemId": line.get("OrderItemId") or f"{uuid.uuid4().int % 10**14:014d}",
                "Title": line.get("Title", line["SellerSKU"]),
                "QuantityOrdered": int(line["QuantityOrdered"]),
                "QuantityShipped": 0,
            }
            for line in spec["items"]
        ]
        order = {
            "AmazonOrderId": order_id,
            "PurchaseDate": iso(now),
            "LastUpdateDate": iso(now),
            "OrderStatus": spec.get("OrderStatus", "Unshipped"),
            "FulfillmentChannel": "MFN",
            "SalesChannel": "Amazon.com",
            "ShipServiceLevel": "Std US D2D Dom",
            "NumberOfItemsShipped": 0,
            "NumberOfItemsUnshipped": sum(i["QuantityOrdered"] for i in items),
            "MarketplaceId": self.marketplace_id,
            "ShipmentServiceLevelCategory": spec.get("ShipmentServiceLevelCategory", "Standard"),
            "OrderType": "StandardOrder",
            "EarliestShipDate": iso(now),
            "LatestShipDate": spec.get("LatestShipDate") or iso(now + dt.timedelta(days=2)),
            "IsBusinessOrder": False,
            "IsPrime": bool(spec.get("IsPrime", False)),
            "IsPremiumOrder": False,
            "IsGlobalExpressEnabled": False,
            "IsSoldByAB": False,
            "IsIBA": False,
            "IsISPU": False,
            "IsAccessPointOrder": False,
            "ShippingAddress": address,
            "BuyerInfo": spec.get("BuyerInfo") or {"BuyerEmail": "jo@marketplace.amazon.com"},
        }
        self.orders[order_id] = order
        self.order_items[order_id] = items
        self.notify(order_id, "OrderStatusChange", "New order")
        return order

    def change_order(self, order_id: str, change: str, **what: Any) -> dict[str, Any]:
        order = self.orders[order_id]
        if change == "cancel":
            order["OrderStatus"] = "Canceled"
            reason = "Buyer Requested Cancel"
        else:
            order["ShippingAddress"] = what["ShippingAddress"]
            reason = "Buyer Requested Address Change"
        order["LastUpdateDate"] = iso(self.tick())
        self.notify(order_id, "BuyerRequestedChange", reason)
        return order

    def notify(self, order_id: str, change_type: str, reason: str) -> dict[str, Any]:
        order, items = self.orders[order_id], self.order_items[order_id]
        note = {
            "NotificationVersion": "1.0",
            "NotificationType": "ORDER_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": iso(self.clock),
            "Payload": {
                "OrderChangeNotification": {
                    "NotificationLevel": "OrderLevel",
                    "SellerId": self.seller_id,
                    "AmazonOrderId": order_id,
                    "OrderChangeType": change_type,
                    "OrderChangeTrigger": {
                        "TimeOfOrderChange": order["LastUpdateDate"],
                        "ChangeReason": reason,
                    },
                    "Summary": {
                        "MarketplaceId": order["MarketplaceId"],
                        "OrderStatus": order["OrderStatus"],
                        "PurchaseDate": order["PurchaseDate"],
                        "DestinationPostalCode": order["ShippingAddress"].get("PostalCode", ""),
                        "FulfillmentType": "MFN",
                        "OrderType": "StandardOrder",
                        "LatestShipDate": order["LatestShipDate"],
                        "OrderItems": [
                            {
                                "OrderItemId": i["OrderItemId"],
                                "SellerSKU": i["SellerSKU"],
                                "SupplySourceId": "sim-supply-source",
                                "Quantity": i["QuantityOrdered"],
                                "QuantityShipped": i["QuantityShipped"],
                            }
                            for i in items
                        ],
                    },
                }
            },
            "NotificationMetadata": {
                "ApplicationId": "amzn1.sellerapps.app.touchline-sim",
                "SubscriptionId": "sim-subscription-order-change",
                "PublishTime": iso(self.clock),
                "NotificationId": str(uuid.uuid4()),
            },
        }
        self.notifications.append(note)
        return note

    def snapshot(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "order_items": self.order_items,
            "listings": self.listings,
            "shipments": dict(self.shipments),
            "calls": dict(self.calls),
            "effects": {
                "confirmShipment": dict(self.effects["confirmShipment"]),
                "availability": dict(self.effects["availability"]),
                "availability_writes": dict(self.effects["availability_writes"]),
                "keys": dict(self.effects["keys"]),
                "feeds_processed": self.effects["feeds_processed"],
            },
            "feeds": self.feeds,
            "plans": self.plans,
            "fba_inventory": self.fba_inventory,
        }


Handler = Callable[[SimState, Operation, dict[str, str], Any, str | None], Result]
HANDLERS: dict[str, Handler] = {}


def handles(operation_id: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[operation_id] = fn
        return fn

    return register


# --- Orders v0 ----------------------------------------------------------------------------------


# getOrders (paging, NextToken expiry, page sizes) is in orders_paging.py.


@handles("getOrder")
def get_order(s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None) -> Result:
    order = s.orders.get(op.path_params["orderId"])
    if order is None:
        return 404, errors("NotFound", "Order not found.")
    return 200, {"payload": order}


@handles("getOrderItems")
def get_order_items(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    order_id = op.path_params["orderId"]
    if order_id not in s.orders:
        return 404, errors("NotFound", "Order not found.")
    start = int(_untoken(q["NextToken"])["o"]) if "NextToken" in q else 0
    items = s.order_items[order_id]
    payload: dict[str, Any] = {
        "AmazonOrderId": order_id,
        "OrderItems": items[start : start + s.items_page_size],
    }
    if start + s.items_page_size < len(items):
        payload["NextToken"] = _token(start + s.items_page_size)
    return 200, {"payload": payload}


# --- Listings Items 2021-08-01 ------------------------------------------------------------------


def _availability_value(patches: list[dict[str, Any]]) -> int | None:
    for patch in patches:
        if patch.get("path") == "/attributes/fulfillment_availability":
            for entry in patch.get("value") or []:
                if entry.get("fulfillment_channel_code") == "DEFAULT":
                    return int(entry["quantity"])
    return None


def _apply_availability(s: SimState, sku: str, quantity: int, key: str | None) -> None:
    if s.apply_key(key):
        s.effects["availability_writes"][sku] += 1
    s.listings[sku]["quantity"] = quantity
    s.effects["availability"][sku] = quantity


def _unknown_sku_issue(sku: str) -> dict[str, Any]:
    return {
        "code": "4000001",
        "message": f"The SKU '{sku}' does not exist for this seller.",
        "severity": "ERROR",
        "categories": ["INVALID_ATTRIBUTE"],
    }


@handles("patchListingsItem")
def patch_listings_item(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    sku = op.path_params["sku"]
    if op.path_params["sellerId"] != s.seller_id:
        return 403, errors("Unauthorized", "Access to requested resource is denied.")
    reply: dict[str, Any] = {"sku": sku, "submissionId": uuid.uuid4().hex}
    if sku not in s.listings:
        return 200, reply | {"status": "INVALID", "issues": [_unknown_sku_issue(sku)]}
    quantity = _availability_value(body["patches"])
    if quantity is not None:
        _apply_availability(s, sku, quantity, key)
    return 200, reply | {"status": "ACCEPTED", "issues": []}


def _listing_item(s: SimState, sku: str, included: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"sku": sku}
    if "fulfillmentAvailability" in included:
        item["fulfillmentAvailability"] = [
            {"fulfillmentChannelCode": "DEFAULT", "quantity": s.listings[sku]["quantity"]}
        ]
    return item


@handles("getListingsItem")
def get_listings_item(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    sku = op.path_params["sku"]
    if sku not in s.listings:
        return 404, errors("NOT_FOUND", f"SKU {sku} not found.")
    return 200, _listing_item(s, sku, q.get("includedData", "summaries").split(","))


@handles("searchListingsItems")
def search_listings_items(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    included = q.get("includedData", "summaries").split(",")
    if "identifiers" in q:
        skus = [x for x in q["identifiers"].split(",") if x in s.listings]
    else:
        skus = sorted(s.listings)
    size = int(q.get("pageSize", 10))
    start = int(_untoken(q["pageToken"])["o"]) if "pageToken" in q else 0
    page = skus[start : start + size]
    result: dict[str, Any] = {
        "numberOfResults": len(skus),
        "items": [_listing_item(s, sku, included) for sku in page],
    }
    if start + size < len(skus):
        result["pagination"] = {"nextToken": _token(start + size)}
    return 200, result


# Feeds 2021-06-30 live in simulator/feeds.py (the JSON_LISTINGS_FEED rules).

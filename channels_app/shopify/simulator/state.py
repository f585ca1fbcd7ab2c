"""What the simulated store holds, and the resolvers of the operations the adapter uses.

The resolvers run under graphql-core's executor against the pinned schema, so answers have
Shopify's shapes; they return plain dicts (a callable value receives the field's arguments).
Effects that matter to exactly-once proofs are counted in ``effects``: fulfillments per
fulfillment order, inventory writes per SKU, and every idempotency key with how often it arrived
and how often it was applied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLResolveInfo

from channels_app.shopify import wire

Obj = dict[str, Any]


def gid(kind: str, n: int) -> str:
    return f"gid://shopify/{kind}/{n}"


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error(message: str, field: list[str] | None = None, code: str | None = None) -> Obj:
    out: Obj = {"field": field or [], "message": message}
    if code:
        out["code"] = code
    return out


@dataclass
class SimState:
    shop_domain: str = "touchline-sim.myshopify.com"
    lock: threading.RLock = field(default_factory=threading.RLock)
    serial: int = 1000
    services: dict[str, Obj] = field(default_factory=dict)
    locations: dict[str, Obj] = field(default_factory=dict)
    items: dict[str, Obj] = field(default_factory=dict)  # inventory item gid → {id, sku}
    initial: dict[str, int] = field(default_factory=dict)  # sku → available, once a location exists
    levels: dict[tuple[str, str], int] = field(default_factory=dict)  # (item, location) → available
    orders: dict[str, Obj] = field(default_factory=dict)
    fulfillment_orders: dict[str, Obj] = field(default_factory=dict)
    fulfillments: dict[str, Obj] = field(default_factory=dict)
    idempotent: dict[str, tuple[str, Obj]] = field(default_factory=dict)  # key → (params, result)
    calls: Counter[str] = field(default_factory=Counter)
    # Every GraphQL request as Shopify costed it: [operation, requested, actual or None, refusal].
    costs: list[list[Any]] = field(default_factory=list)
    sent: list[Obj] = field(default_factory=list)  # notifications and webhooks we delivered
    effects: Obj = field(
        default_factory=lambda: {
            "fulfillments": Counter(),  # fulfillment order gid → fulfillments created
            "inventory_writes": Counter(),  # sku → applied writes
            "stale": Counter(),  # sku → writes refused for a stale changeFromQuantity
            "keys": Counter(),  # idempotency key → times it arrived
            "applied_keys": Counter(),  # idempotency key → times its effect was applied
            "accepted": Counter(),
            "rejected": {},  # fulfillment order gid → {reason, message}
            "cancellations": {},  # fulfillment order gid → accepted | rejected
        }
    )

    def next_id(self) -> int:
        self.serial += 1
        return self.serial

    # --- test controls ------------------------------------------------------------------------

    @property
    def location_id(self) -> str | None:
        return next(iter(self.locations), None)

    def add_products(self, spec: dict[str, Any]) -> Obj:
        for sku, values in spec.items():
            if not any(i["sku"] == sku for i in self.items.values()):
                item_id = gid("InventoryItem", self.next_id())
                self.items[item_id] = {"id": item_id, "sku": sku}
            self.initial[sku] = int((values or {}).get("available", 0))
            if self.location_id:
                self.levels[(self.item_by_sku(sku)["id"], self.location_id)] = self.initial[sku]
        return {i["sku"]: i["id"] for i in self.items.values()}

    def item_by_sku(self, sku: str) -> Obj:
        for item in self.items.values():
            if item["sku"] == sku:
                return item
        raise KeyError(sku)

    def set_available(self, sku: str, quantity: int) -> None:
        """A change behind the adapter's back (a merchant's edit, another app)."""
        location = self.location_id
        assert location is not None, "register the fulfillment service first"
        self.levels[(self.item_by_sku(sku)["id"], location)] = quantity

    def create_order(self, spec: dict[str, Any]) -> Obj:
        location = self.location_id
        if location is None:
            raise ValueError("No fulfillment service is registered: nothing to assign orders to.")
        n = self.next_id()
        order_id = gid("Order", n)
        name = spec.get("name") or f"#{n}"
        self.orders[order_id] = {"id": order_id, "name": name, "cancelled": False}
        fo_id = gid("FulfillmentOrder", self.next_id())
        lines = []
        for line in spec["lines"]:
            item = self.item_by_sku(line["sku"]) if line.get("known", True) else None
            lines.append(
                {
                    "id": gid("FulfillmentOrderLineItem", self.next_id()),
                    "sku": line["sku"],
                    "totalQuantity": int(line["quantity"]),
                    "remainingQuantity": int(line["quantity"]),
                    "inventoryItemId": item["id"] if item else None,
                }
            )
        destination = spec.get(
            "destination",
            {
                "firstName": "Jo",
                "lastName": "Buyer",
                "address1": "1 Main St",
                "city": "New York",
                # FulfillmentOrderDestination.province: the name, as a buyer typed or picked it.
                "province": "New York",
                "zip": "10001",
                "countryCode": "US",
                "phone": "+1 212 555 0100",
                "email": "jo.buyer@example.com",
            },
        )
        self.fulfillment_orders[fo_id] = {
            "id": fo_id,
            "orderId": order_id,
            "orderName": name,
            "status": "OPEN",
            "requestStatus": "SUBMITTED",
            "location": location,
            "destination": {"id": gid("FulfillmentOrderDestination", n), **destination},
            "lineItems": lines,
            "fulfillments": [],
            "createdAt": now_iso(),
        }
        return {
            "order_id": order_id,
            "name": name,
            "fulfillment_order_id": fo_id,
            "line_item_ids": [x["id"] for x in lines],
        }

    def request_cancellation(self, fo_id: str) -> Obj:
        fo = self.fulfillment_orders[fo_id]
        fo["requestStatus"] = "CANCELLATION_REQUESTED"
        return self.fo_plain(fo)

    def snapshot(self) -> Obj:
        return {
            "calls": dict(self.calls),
            "costs": list(self.costs),
            "fulfillment_orders": {k: self.fo_plain(v) for k, v in self.fulfillment_orders.items()},
            "fulfillments": self.fulfillments,
            "available": {
                item["sku"]: self.levels.get((item["id"], self.location_id or ""))
                for item in self.items.values()
            },
            "services": self.services,
            "sent": self.sent,
            "effects": {k: dict(v) for k, v in self.effects.items()},
        }

    # --- views in Shopify's shapes ------------------------------------------------------------

    def fo_plain(self, fo: Obj) -> Obj:
        """The fulfillment order as plain JSON (the /_sim controls), every line at once."""
        view = self.fo_view(fo)
        view["lineItems"] = {"nodes": [dict(x) for x in fo["lineItems"]]}
        return view

    def fo_view(self, fo: Obj) -> Obj:
        return {
            "id": fo["id"],
            "orderId": fo["orderId"],
            "orderName": fo["orderName"],
            "status": fo["status"],
            "requestStatus": fo["requestStatus"],
            "createdAt": fo["createdAt"],
            "updatedAt": now_iso(),
            "destination": fo["destination"],
            "lineItems": _paged([dict(x) for x in fo["lineItems"]]),
            "fulfillments": {"nodes": [self.fulfillments[f] for f in fo["fulfillments"]]},
        }

    def item_view(self, item: Obj) -> Obj:
        def inventory_level(_info: GraphQLResolveInfo, locationId: str, **_: Any) -> Obj | None:
            key = (item["id"], locationId)
            if key not in self.levels:
                return None
            available = self.levels[key]

            def quantities(_info: GraphQLResolveInfo, names: list[str]) -> list[Obj]:
                return [
                    {"id": f"{item['id']}?name={n}", "name": n, "quantity": available}
                    for n in names
                    if n == "available"
                ]

            return {"id": f"{item['id']}@{locationId}", "quantities": quantities}

        return {
            "id": item["id"],
            "sku": item["sku"],
            "tracked": True,
            "inventoryLevel": inventory_level,
        }


def _paged(items: list[Obj]) -> Any:
    """A connection resolver: one page of `items` by first/after (or last/before), offset cursors.

    The page size itself is checked before execution (cost.py: first or last required, ≤ 250)."""

    def page(
        _info: GraphQLResolveInfo,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        **_: Any,
    ) -> Obj:
        start = int(after) if after else 0
        stop = int(before) - 1 if before else len(items)
        if first is not None:
            window = list(range(start, min(stop, start + first)))
        else:
            window = list(range(max(start, stop - (last or 0)), stop))
        return {
            "nodes": [items[i] for i in window],
            "edges": [{"cursor": str(i + 1), "node": items[i]} for i in window],
            "pageInfo": {
                "hasNextPage": bool(window) and window[-1] + 1 < len(items),
                "hasPreviousPage": bool(window) and window[0] > 0,
                "startCursor": str(window[0] + 1) if window else None,
                "endCursor": str(window[-1] + 1) if window else None,
            },
        }

    return page


def _fo_or_error(state: SimState, fo_id: str) -> tuple[Obj | None, list[Obj]]:
    fo = state.fulfillment_orders.get(fo_id)
    if fo is None:
        return None, [_error("Fulfillment order does not exist.", ["id"])]
    return fo, []


class QueryRoot:
    def __init__(self, state: SimState) -> None:
        self.s = state

    def assignedFulfillmentOrders(
        self,
        _info: GraphQLResolveInfo,
        assignmentStatus: str | None = None,
        locationIds: list[str] | None = None,
        first: int | None = None,
        after: str | None = None,
        **_: Any,
    ) -> Obj:
        wanted = {
            "FULFILLMENT_REQUESTED": ("SUBMITTED",),
            "CANCELLATION_REQUESTED": ("CANCELLATION_REQUESTED",),
            "FULFILLMENT_ACCEPTED": ("ACCEPTED", "CANCELLATION_REJECTED"),
            "FULFILLMENT_UNSUBMITTED": ("UNSUBMITTED",),
        }.get(assignmentStatus or "")
        fos = [
            fo
            for fo in self.s.fulfillment_orders.values()
            if (wanted is None or fo["requestStatus"] in wanted)
            and (not locationIds or fo["location"] in locationIds)
            and fo["status"] not in ("CLOSED", "CANCELLED")
        ]
        start = int(after) if after else 0
        size = first or 50
        page = fos[start : start + size]
        more = start + size < len(fos)
        return {
            "nodes": [self.s.fo_view(fo) for fo in page],
            "pageInfo": {
                "hasNextPage": more,
                "endCursor": str(start + size) if more else None,
                "hasPreviousPage": start > 0,
            },
        }

    def locations(self, info: GraphQLResolveInfo, **page: Any) -> Obj:
        return dict(_paged([dict(x) for x in self.s.locations.values()])(info, **page))

    def fulfillmentOrder(self, _info: GraphQLResolveInfo, id: str) -> Obj | None:
        fo = self.s.fulfillment_orders.get(id)
        return self.s.fo_view(fo) if fo else None

    def inventoryItems(
        self,
        _info: GraphQLResolveInfo,
        first: int | None = None,
        query: str | None = None,
        **_: Any,
    ) -> Obj:
        match = re.fullmatch(r"sku:'?([^']*)'?", (query or "").strip())
        items = [i for i in self.s.items.values() if match is None or i["sku"] == match.group(1)][
            : first or 50
        ]
        return {"nodes": [self.s.item_view(i) for i in items]}

    def inventoryItem(self, _info: GraphQLResolveInfo, id: str) -> Obj | None:
        item = self.s.items.get(id)
        return self.s.item_view(item) if item else None


class MutationRoot:
    def __init__(self, state: SimState) -> None:
        self.s = state

    def fulfillmentServiceCreate(
        self,
        _info: GraphQLResolveInfo,
        name: str,
        callbackUrl: str | None = None,
        **options: Any,
    ) -> Obj:
        if any(svc["serviceName"] == name for svc in self.s.services.values()):
            return {
                "fulfillmentService": None,
                "userErrors": [_error("Name has already been taken", ["name"])],
            }
        location_id = gid("Location", self.s.next_id())
        self.s.locations[location_id] = {"id": location_id, "name": name}
        service_id = gid("FulfillmentService", self.s.next_id())
        service = {
            "id": service_id,
            "serviceName": name,
            "handle": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"),
            "callbackUrl": callbackUrl,
            "location": self.s.locations[location_id],
            "trackingSupport": bool(options.get("trackingSupport")),
            "inventoryManagement": bool(options.get("inventoryManagement")),
        }
        self.s.services[service_id] = service
        for sku, available in self.s.initial.items():
            self.s.levels[(self.s.item_by_sku(sku)["id"], location_id)] = available
        return {"fulfillmentService": service, "userErrors": []}

    def _answer(self, fo_id: str, expect: str, then: Obj, what: str) -> Obj:
        fo, errors = _fo_or_error(self.s, fo_id)
        if fo is None:
            return {"fulfillmentOrder": None, "userErrors": errors}
        if fo["requestStatus"] != expect:
            return {
                "fulfillmentOrder": None,
                "userErrors": [
                    _error(f"Cannot {what}: the request status is {fo['requestStatus']}.", ["id"])
                ],
            }
        fo.update(then)
        return {"fulfillmentOrder": self.s.fo_view(fo), "userErrors": []}

    def fulfillmentOrderAcceptFulfillmentRequest(
        self,
        _info: GraphQLResolveInfo,
        id: str,
        **_: Any,
    ) -> Obj:
        out = self._answer(
            id, "SUBMITTED", {"requestStatus": "ACCEPTED", "status": "IN_PROGRESS"}, "accept"
        )
        if not out["userErrors"]:
            self.s.effects["accepted"][id] += 1
        return out

    def fulfillmentOrderRejectFulfillmentRequest(
        self,
        _info: GraphQLResolveInfo,
        id: str,
        reason: str | None = None,
        message: str | None = None,
        **_: Any,
    ) -> Obj:
        out = self._answer(id, "SUBMITTED", {"requestStatus": "REJECTED"}, "reject")
        if not out["userErrors"]:
            self.s.effects["rejected"][id] = {"reason": reason, "message": message}
        return out

    def fulfillmentOrderAcceptCancellationRequest(
        self,
        _info: GraphQLResolveInfo,
        id: str,
        **_: Any,
    ) -> Obj:
        out = self._answer(
            id,
            "CANCELLATION_REQUESTED",
            {"requestStatus": "CANCELLATION_ACCEPTED", "status": "CANCELLED"},
            "accept the cancellation",
        )
        if not out["userErrors"]:
            self.s.effects["cancellations"][id] = "accepted"
        return out

    def fulfillmentOrderRejectCancellationRequest(
        self,
        _info: GraphQLResolveInfo,
        id: str,
        message: str | None = None,
        **_: Any,
    ) -> Obj:
        out = self._answer(
            id,
            "CANCELLATION_REQUESTED",
            {"requestStatus": "CANCELLATION_REJECTED"},
            "reject the cancellation",
        )
        if not out["userErrors"]:
            self.s.effects["cancellations"][id] = f"rejected: {message}"
        return out

    def fulfillmentCreate(self, _info: GraphQLResolveInfo, fulfillment: Obj, **_: Any) -> Obj:
        groups = fulfillment["lineItemsByFulfillmentOrder"]
        plan: list[tuple[Obj, Obj, int]] = []
        for group in groups:
            fo, errors = _fo_or_error(self.s, group["fulfillmentOrderId"])
            if fo is None:
                return {"fulfillment": None, "userErrors": errors}
            if fo["requestStatus"] not in ("ACCEPTED", "CANCELLATION_REJECTED"):
                return {
                    "fulfillment": None,
                    "userErrors": [
                        _error(
                            f"Fulfillment order {fo['id']} is {fo['requestStatus']}; accept it first."
                        )
                    ],
                }
            wanted = group.get("fulfillmentOrderLineItems") or [
                {"id": x["id"], "quantity": x["remainingQuantity"]} for x in fo["lineItems"]
            ]
            for w in wanted:
                line = next((x for x in fo["lineItems"] if x["id"] == w["id"]), None)
                if line is None or w["quantity"] > line["remainingQuantity"] or w["quantity"] < 1:
                    return {
                        "fulfillment": None,
                        "userErrors": [
                            _error("Invalid fulfillment order line item quantity requested.")
                        ],
                    }
                plan.append((fo, line, int(w["quantity"])))
        tracking = fulfillment.get("trackingInfo") or {}
        numbers = tracking.get("numbers") or (
            [tracking["number"]] if tracking.get("number") else []
        )
        urls = tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else [])
        fid = gid("Fulfillment", self.s.next_id())
        for fo, line, n in plan:
            line["remainingQuantity"] -= n
            if fid not in fo["fulfillments"]:
                fo["fulfillments"].append(fid)
        for group in groups:
            fo = self.s.fulfillment_orders[group["fulfillmentOrderId"]]
            self.s.effects["fulfillments"][fo["id"]] += 1
            if all(x["remainingQuantity"] == 0 for x in fo["lineItems"]):
                fo["status"] = "CLOSED"
        # Fulfillment.name: "Human readable reference identifier for this fulfillment" (the
        # 2026-04 schema); Shopify's Fulfillment resource reference gives its form: "two parts
        # separated by a .: the order name and the fulfillment number", numbered per order
        # ("#1001.1", "#1001.2"; https://shopify.dev/changelog/the-fulfillment-resource-now-
        # includes-a-name-property). Counted over every fulfillment order of the order.
        first = self.s.fulfillment_orders[groups[0]["fulfillmentOrderId"]]
        earlier = {
            f
            for other in self.s.fulfillment_orders.values()
            if other["orderId"] == first["orderId"]
            for f in other["fulfillments"]
            if f != fid
        }
        self.s.fulfillments[fid] = {
            "id": fid,
            "name": f"{first['orderName']}.{len(earlier) + 1}",
            "status": "SUCCESS",
            "trackingInfo": [
                {
                    "company": tracking.get("company"),
                    "number": number,
                    "url": urls[i] if i < len(urls) else None,
                }
                for i, number in enumerate(numbers)
            ],
            "lines": {line["id"]: n for _fo, line, n in plan},
        }
        return {"fulfillment": self.s.fulfillments[fid], "userErrors": []}

    def inventorySetQuantities(
        self,
        info: GraphQLResolveInfo,
        input: Obj,
    ) -> Obj:
        key = wire.idempotency_key(info.field_nodes[0], info.variable_values) or ""
        params = hashlib.sha256(json.dumps(input, sort_keys=True).encode()).hexdigest()
        self.s.effects["keys"][key] += 1
        if key in self.s.idempotent:
            first_params, result = self.s.idempotent[key]
            if first_params != params:
                return {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [
                        _error(
                            "The idempotency key was used with different parameters.",
                            code="IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                        )
                    ],
                }
            return result  # the first answer again, nothing applied
        if input.get("name") not in ("available", "on_hand"):
            return {
                "inventoryAdjustmentGroup": None,
                "userErrors": [
                    _error("Name must be available or on_hand.", ["input", "name"], "INVALID_NAME")
                ],
            }
        changes = []
        for n, q in enumerate(input["quantities"]):
            item = self.s.items.get(q["inventoryItemId"])
            if item is None:
                return _inventory_error(
                    n, "The inventory item does not exist.", "INVALID_INVENTORY_ITEM"
                )
            level = (item["id"], q["locationId"])
            if level not in self.s.levels:
                return _inventory_error(
                    n, "The item is not stocked at the location.", "ITEM_NOT_STOCKED_AT_LOCATION"
                )
            current = self.s.levels[level]
            if q["changeFromQuantity"] is not None and q["changeFromQuantity"] != current:
                self.s.effects["stale"][item["sku"]] += 1
                return _inventory_error(
                    n,
                    f"The specified compare quantity {q['changeFromQuantity']} does not match the "
                    f"current quantity {current}.",
                    "CHANGE_FROM_QUANTITY_STALE",
                    "changeFromQuantity",
                )
            if q["quantity"] < 0:
                return _inventory_error(
                    n, "Quantity cannot be negative.", "INVALID_QUANTITY_NEGATIVE"
                )
            changes.append((level, item, current, int(q["quantity"])))
        for level, item, _current, quantity in changes:
            self.s.levels[level] = quantity
            self.s.effects["inventory_writes"][item["sku"]] += 1
        self.s.effects["applied_keys"][key] += 1
        result = {
            "inventoryAdjustmentGroup": {
                "id": gid("InventoryAdjustmentGroup", self.s.next_id()),
                "reason": input["reason"],
                "createdAt": now_iso(),
                "changes": [
                    {"name": input["name"], "delta": q - c, "quantityAfterChange": q}
                    for _l, _i, c, q in changes
                ],
            },
            "userErrors": [],
        }
        self.s.idempotent[key] = (params, result)
        return result


def _inventory_error(n: int, message: str, code: str, what: str = "inventoryItemId") -> Obj:
    return {
        "inventoryAdjustmentGroup": None,
        "userErrors": [_error(message, ["input", "quantities", str(n), what], code)],
    }

"""confirmShipment as Amazon documents it (Orders API v0; spec/models/ordersV0.json).

Rules, each from Amazon's documentation:
- One package per call: "To submit multiple package tracking IDs, you must send multiple requests
  with the same order ID but different package reference IDs."
  (https://developer-docs.amazon.com/sp-api/docs/confirm-the-shipment-status)
- The same reference edits: "If you need to make an edit to the shipment, submit another
  confirmShipment operation with the same packageReferenceID. The other shipment details are
  edited upon successful submission." (same page) — the package is replaced, never added twice.
- PackageReferenceId: "Only positive numeric values are supported." (ordersV0.json)
- carrierName: "Required when `carrierCode` is \"Other\"" (ordersV0.json PackageDetail).
- packageReferenceId, carrierCode, trackingNumber, shipDate and orderItems are required
  (PackageDetail.required); shipDate "Must be in ISO 8601 date/time format".
- Stricter than the model where it is silent: a blank carrierCode or trackingNumber, an empty
  orderItems, a quantity below 1, an order item of another order, more units than are left
  unshipped, another marketplace's id, or a canceled order are refused (400 InvalidInput), and a
  new package for an order Amazon already has as Shipped is refused ("already been shipped").
"""

from __future__ import annotations

import re
from typing import Any

from channels_app.amazon.simulator.state import Result, SimState, errors, handles, iso, parse_iso
from channels_app.amazon.wire import Operation

_POSITIVE = re.compile(r"[1-9]\d*")


def _refuse(message: str) -> Result:
    return 400, errors("InvalidInput", message)


def _problem(s: SimState, order_id: str, body: dict[str, Any]) -> str | None:
    order = s.orders[order_id]
    detail = body["packageDetail"]
    if body["marketplaceId"] != order["MarketplaceId"]:
        return f"Order {order_id} is not an order of marketplace {body['marketplaceId']}."
    if order["OrderStatus"] == "Canceled":
        return f"Order {order_id} is canceled; it cannot be confirmed."
    if not _POSITIVE.fullmatch(str(detail["packageReferenceId"])):
        return "packageReferenceId: only positive numeric values are supported."
    if not str(detail["carrierCode"]).strip():
        return "carrierCode is required."
    if detail["carrierCode"] == "Other" and not str(detail.get("carrierName", "")).strip():
        return 'carrierName is required when carrierCode is "Other".'
    if not str(detail["trackingNumber"]).strip():
        return "trackingNumber is required."
    try:
        parse_iso(str(detail["shipDate"]))
    except ValueError:
        return "shipDate must be an ISO 8601 date/time."
    if not detail["orderItems"]:
        return "orderItems must name at least one order item."
    return None


@handles("confirmShipment")
def confirm_shipment(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    order_id = op.path_params["orderId"]
    order = s.orders.get(order_id)
    if order is None:
        return 404, errors("NotFound", "Order not found.")
    problem = _problem(s, order_id, body)
    if problem:
        return _refuse(problem)
    detail = body["packageDetail"]
    reference = str(detail["packageReferenceId"])
    packages = s.shipments[order_id]
    earlier = next((p for p in packages if p["packageReferenceId"] == reference), None)
    if earlier is None and order["OrderStatus"] == "Shipped":
        return _refuse(f"Order {order_id} has already been shipped.")
    ordered = {i["OrderItemId"]: i for i in s.order_items[order_id]}
    # An edit replaces the earlier package: its units are free again for the new details.
    freed = {e["orderItemId"]: e["quantity"] for e in (earlier or {}).get("orderItems", [])}
    wanted: dict[str, int] = {}
    for line in detail["orderItems"]:
        item = ordered.get(line["orderItemId"])
        if item is None:
            return _refuse(f"Unknown orderItemId {line['orderItemId']} for order {order_id}.")
        if line["quantity"] < 1:
            return _refuse(f"quantity of {line['orderItemId']} must be at least 1.")
        wanted[line["orderItemId"]] = wanted.get(line["orderItemId"], 0) + line["quantity"]
    for order_item_id, quantity in wanted.items():
        item = ordered[order_item_id]
        left = item["QuantityOrdered"] - item["QuantityShipped"] + freed.get(order_item_id, 0)
        if quantity > left:
            return _refuse(f"Too many units for {order_item_id}: {left} left unshipped.")
    for order_item_id, quantity in freed.items():
        ordered[order_item_id]["QuantityShipped"] -= quantity
    for order_item_id, quantity in wanted.items():
        ordered[order_item_id]["QuantityShipped"] += quantity
    if earlier is None:
        packages.append(detail)
        s.effects["confirmShipment"][order_id] += 1
    else:
        packages[packages.index(earlier)] = detail
    s.apply_key(key)
    shipped = sum(i["QuantityShipped"] for i in ordered.values())
    total = sum(i["QuantityOrdered"] for i in ordered.values())
    order["NumberOfItemsShipped"], order["NumberOfItemsUnshipped"] = shipped, total - shipped
    order["OrderStatus"] = "Shipped" if shipped == total else "PartiallyShipped"
    order["LastUpdateDate"] = iso(s.tick())
    return 204, None

"""Pure translations between Amazon's JSON (spec/models) and what the wms services take.

No database, no HTTP: every function here is a plain value in, a plain value out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

# Orders in these states are not ready to ship: payment not authorised, no address yet.
NOT_YET = ("Pending", "PendingAvailability")
OPEN = ("Unshipped", "PartiallyShipped")

# carrierCode values Amazon recognises for confirmShipment; anything else goes as "Other" + name.
CARRIER_CODES = {"UPS": "UPS", "USPS": "USPS", "FEDEX": "FedEx", "DHL": "DHL", "ONTRAC": "OnTrac"}


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class AmazonLine:
    order_item_id: str
    msku: str
    quantity: int


@dataclass(frozen=True)
class AmazonOrderIn:
    amazon_order_id: str
    status: str
    last_update: dt.datetime
    ship_by: dt.datetime | None
    deliver_by: dt.datetime | None
    service_category: str
    ship_to: dict[str, str] | None
    lines: tuple[AmazonLine, ...]


def ship_to(address: dict[str, Any] | None) -> dict[str, str] | None:
    """Amazon's ShippingAddress as the wms ship-to (the fields import_order knows)."""
    if not address:
        return None
    pairs = {
        "name": "Name",
        "line1": "AddressLine1",
        "line2": "AddressLine2",
        "city": "City",
        "region": "StateOrRegion",
        "postal_code": "PostalCode",
        "country": "CountryCode",
        # Only with a Restricted Data Token (tokens.py); the carrier asks for it.
        "phone": "Phone",
    }
    return {ours: str(address[theirs]) for ours, theirs in pairs.items() if address.get(theirs)}


def _with_email(
    address: dict[str, str] | None, buyer: dict[str, Any] | None
) -> dict[str, str] | None:
    """The buyer's (anonymised, Amazon-relayed) e-mail beside the address, when Amazon gave it."""
    email = (buyer or {}).get("BuyerEmail")
    return address if address is None or not email else {**address, "email": str(email)}


def order_in(order: dict[str, Any], items: list[dict[str, Any]]) -> AmazonOrderIn:
    """One getOrders/getOrder Order with its getOrderItems OrderItems."""
    return AmazonOrderIn(
        amazon_order_id=order["AmazonOrderId"],
        status=order["OrderStatus"],
        last_update=parse_time(order["LastUpdateDate"]),
        # Amazon's latest ship date is the promise the late-shipment rate is measured against.
        ship_by=parse_time(order["LatestShipDate"]) if order.get("LatestShipDate") else None,
        deliver_by=(
            parse_time(order["LatestDeliveryDate"]) if order.get("LatestDeliveryDate") else None
        ),
        service_category=order.get("ShipmentServiceLevelCategory", ""),
        ship_to=_with_email(ship_to(order.get("ShippingAddress")), order.get("BuyerInfo")),
        lines=tuple(
            AmazonLine(
                order_item_id=i["OrderItemId"],
                msku=i.get("SellerSKU", ""),
                quantity=int(i["QuantityOrdered"]),
            )
            for i in items
            if int(i["QuantityOrdered"]) > 0
        ),
    )


def same_address(ours: dict[str, str], theirs: dict[str, str]) -> bool:
    keys = ("name", "line1", "line2", "city", "region", "postal_code", "country")
    return all(ours.get(k, "").strip() == theirs.get(k, "").strip() for k in keys)


@dataclass(frozen=True)
class OrderChange:
    notification_id: str
    amazon_order_id: str
    changed_at: dt.datetime
    seller_id: str


def order_change(notification: dict[str, Any]) -> OrderChange:
    change = notification["Payload"]["OrderChangeNotification"]
    return OrderChange(
        notification_id=notification["NotificationMetadata"]["NotificationId"],
        amazon_order_id=change["AmazonOrderId"],
        changed_at=parse_time(change["OrderChangeTrigger"]["TimeOfOrderChange"]),
        seller_id=change["SellerId"],
    )


def carrier_code(carrier: str) -> str:
    """Amazon's carrierCode for our carrier's name; "Other" (then carrierName is required)."""
    return CARRIER_CODES.get(carrier.upper().replace(" ", ""), "Other")


def package_detail(
    *,
    package_reference: str,
    carrier: str,
    shipping_method: str,
    tracking_number: str,
    ship_date: dt.datetime,
    items: list[tuple[str, int]],
) -> dict[str, Any]:
    """One carton as confirmShipment's PackageDetail (Amazon takes one package per call)."""
    code = carrier_code(carrier)
    detail: dict[str, Any] = {
        "packageReferenceId": package_reference,
        "carrierCode": code,
        "trackingNumber": tracking_number,
        "shipDate": iso(ship_date),
        "orderItems": [{"orderItemId": oid, "quantity": qty} for oid, qty in items],
    }
    if code == "Other":
        detail["carrierName"] = carrier
    if shipping_method:
        detail["shippingMethod"] = shipping_method
    return detail


def carton_items(
    contents: list[dict[str, Any]], lines: list[tuple[str, str, int]]
) -> list[tuple[str, int]]:
    """A carton's contents ([{sku, quantity}]) as Amazon order items, against the order's lines
    ([(sku, orderItemId, units not yet given to an earlier carton)]); a SKU on two lines fills
    the first before the next. ``lines`` is consumed as cartons are mapped in turn."""
    taken: dict[str, int] = {}
    for entry in contents:
        left = int(entry["quantity"])
        for n, (sku, order_item_id, room) in enumerate(lines):
            if left == 0:
                break
            if sku != entry["sku"] or room == 0 or not order_item_id:
                continue
            used = min(room, left)
            lines[n] = (sku, order_item_id, room - used)
            taken[order_item_id] = taken.get(order_item_id, 0) + used
            left -= used
    return list(taken.items())


def availability(quantity: int) -> list[dict[str, Any]]:
    # DEFAULT is the seller-fulfilled (MFN) channel; FBA quantities are Amazon's to set.
    return [{"fulfillment_channel_code": "DEFAULT", "quantity": max(0, quantity)}]


def availability_patch(product_type: str, quantity: int) -> dict[str, Any]:
    return {
        "productType": product_type,
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/fulfillment_availability",
                "value": availability(quantity),
            }
        ],
    }


def listings_feed(
    seller_id: str, updates: list[tuple[str, str, int]]
) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """A JSON_LISTINGS_FEED of PATCH messages; also messageId → [msku, quantity] to read the report."""
    messages = []
    index: dict[str, list[Any]] = {}
    for n, (msku, product_type, quantity) in enumerate(updates, start=1):
        messages.append(
            {
                "messageId": n,
                "sku": msku,
                "operationType": "PATCH",
                "productType": product_type,
                "patches": availability_patch(product_type, quantity)["patches"],
            }
        )
        index[str(n)] = [msku, quantity]
    document = {"header": {"sellerId": seller_id, "version": "2.0"}, "messages": messages}
    return document, index


@dataclass(frozen=True)
class ReportIssue:
    message_id: int
    msku: str
    code: str
    severity: str
    message: str


def report_issues(report: dict[str, Any]) -> list[ReportIssue]:
    return [
        ReportIssue(
            message_id=int(i.get("messageId", 0)),
            msku=str(i.get("sku", "")),
            code=str(i.get("code", "")),
            severity=str(i.get("severity", "ERROR")),
            message=str(i.get("message", "")),
        )
        for i in report.get("issues", [])
    ]


def listing_quantity(item: dict[str, Any]) -> int | None:
    """The seller-fulfilled quantity of one Listings Items Item (includedData=fulfillmentAvailability)."""
    for entry in item.get("fulfillmentAvailability", []):
        if entry.get("fulfillmentChannelCode") == "DEFAULT":
            return int(entry.get("quantity", 0))
    return None


def source_address(
    *,
    name: str,
    line1: str,
    line2: str,
    city: str,
    region: str,
    postal_code: str,
    country: str,
    phone: str,
) -> dict[str, Any]:
    address = {
        "name": name,
        "addressLine1": line1,
        "city": city,
        "countryCode": country,
        "postalCode": postal_code,
        "phoneNumber": phone,
    }
    if line2:
        address["addressLine2"] = line2
    if region:
        address["stateOrProvinceCode"] = region
    return address


def box_input(
    *, contents: list[tuple[str, int]], weight_g: int, length_mm: int, width_mm: int, height_mm: int
) -> dict[str, Any]:
    """One packed carton as setPackingInformation's BoxInput, with its contents (BOX_CONTENT_PROVIDED)."""
    return {
        "contentInformationSource": "BOX_CONTENT_PROVIDED",
        "quantity": 1,
        "weight": {"unit": "KG", "value": round(weight_g / 1000, 3)},
        "dimensions": {
            "unitOfMeasurement": "CM",
            "length": round(length_mm / 10, 1),
            "width": round(width_mm / 10, 1),
            "height": round(height_mm / 10, 1),
        },
        "items": [
            {"msku": msku, "quantity": qty, "labelOwner": "SELLER", "prepOwner": "SELLER"}
            for msku, qty in contents
        ],
    }

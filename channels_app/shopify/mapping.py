"""Pure translations between Shopify's GraphQL shapes and what the wms services take.

No database, no HTTP: every function here is a plain value in, a plain value out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from wms.orders.address import Address, region_code

# Tracking pages for carriers whose URL Shopify does not build itself for a fulfillment service.
TRACKING_URLS = {
    "UPS": "https://www.ups.com/track?tracknum={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "FEDEX": "https://www.fedex.com/fedextrack/?trknbr={}",
    "DHL": "https://www.dhl.com/en/express/tracking.html?AWB={}",
}
# Shopify's tracking-company names for the carriers it recognises.
COMPANIES = {"UPS": "UPS", "USPS": "USPS", "FEDEX": "FedEx", "DHL": "DHL Express"}


@dataclass(frozen=True)
class FulfillmentLine:
    id: str  # FulfillmentOrderLineItem gid
    sku: str
    quantity: int  # remaining to fulfil
    inventory_item_id: str


@dataclass(frozen=True)
class FulfillmentOrderIn:
    id: str
    order_id: str
    order_name: str
    request_status: str
    ship_to: dict[str, str] | None
    lines: tuple[FulfillmentLine, ...]


def ship_to(destination: dict[str, Any] | None) -> dict[str, str] | None:
    """A FulfillmentOrderDestination as the core's ``Address`` (the mapping import_order takes).

    Shopify gives the province as the buyer's text ("Oregon"; the 2026-04 destination has no
    provinceCode), so it is turned into the ISO 3166-2 code the carriers ask for ("OR") by the
    core's ``region_code``; a region that is no known subdivision stays as given. The buyer's
    phone and e-mail travel with the address for the carrier."""
    if not destination:
        return None

    def text(key: str) -> str:
        return str(destination.get(key) or "").strip()

    name = " ".join(x for x in (text("firstName"), text("lastName")) if x) or text("company")
    country = text("countryCode").upper()
    address = Address(
        name=name,
        line1=text("address1"),
        line2=text("address2"),
        city=text("city"),
        region=region_code(country, text("province")) if text("province") else "",
        postal_code=text("zip"),
        country=country,
        phone=text("phone"),
        email=text("email"),
    )
    return {k: v for k, v in address.as_ship_to().items() if v}


def fulfillment_order_in(node: dict[str, Any]) -> FulfillmentOrderIn:
    return FulfillmentOrderIn(
        id=node["id"],
        order_id=node["orderId"],
        order_name=node.get("orderName") or "",
        request_status=node.get("requestStatus") or "",
        ship_to=ship_to(node.get("destination")),
        lines=tuple(
            FulfillmentLine(
                id=line["id"],
                sku=line.get("sku") or "",
                quantity=int(line["remainingQuantity"]),
                inventory_item_id=line.get("inventoryItemId") or "",
            )
            for line in node["lineItems"]["nodes"]
            if int(line["remainingQuantity"]) > 0
        ),
    )


def tracking_url(carrier: str, number: str) -> str | None:
    template = TRACKING_URLS.get(carrier.upper())
    return template.format(quote(number)) if template else None


def tracking_info(carrier: str, numbers: list[str]) -> dict[str, Any]:
    """FulfillmentTrackingInput: one number as number/url, several as numbers/urls."""
    company = COMPANIES.get(carrier.upper(), carrier)
    urls = [u for u in (tracking_url(carrier, n) for n in numbers) if u]
    if len(numbers) == 1:
        info: dict[str, Any] = {"company": company, "number": numbers[0]}
        if urls:
            info["url"] = urls[0]
        return info
    info = {"company": company, "numbers": numbers}
    if len(urls) == len(numbers):
        info["urls"] = urls
    return info


def fulfillment_input(
    *, fulfillment_order_id: str, shipped: dict[str, int], carrier: str, numbers: list[str]
) -> dict[str, Any]:
    """FulfillmentInput for what shipped, per fulfillment-order line item id."""
    return {
        "notifyCustomer": True,
        "trackingInfo": tracking_info(carrier, numbers),
        "lineItemsByFulfillmentOrder": [
            {
                "fulfillmentOrderId": fulfillment_order_id,
                "fulfillmentOrderLineItems": [
                    {"id": line_id, "quantity": n} for line_id, n in shipped.items() if n > 0
                ],
            }
        ],
    }


def inventory_input(
    *,
    inventory_item_id: str,
    location_id: str,
    quantity: int,
    change_from: int | None,
    reference: str,
) -> dict[str, Any]:
    """InventorySetQuantitiesInput setting `available` at our location, compare-and-set."""
    return {
        "name": "available",
        "reason": "correction",
        "referenceDocumentUri": reference,
        "quantities": [
            {
                "inventoryItemId": inventory_item_id,
                "locationId": location_id,
                "quantity": max(0, quantity),
                "changeFromQuantity": change_from,
            }
        ],
    }


def available_of(inventory_item: dict[str, Any] | None) -> int | None:
    """The `available` quantity an AvailableAt answer shows; None when not stocked there."""
    level = (inventory_item or {}).get("inventoryLevel")
    if not level:
        return None
    for q in level.get("quantities") or []:
        if q.get("name") == "available":
            return int(q["quantity"])
    return None


def user_errors(payload: dict[str, Any] | None) -> list[dict[str, Any]]:
    return list((payload or {}).get("userErrors") or [])


def describe(errors: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{e.get('code') or '/'.join(e.get('field') or []) or '?'}: {e.get('message', '')}"
        for e in errors
    )

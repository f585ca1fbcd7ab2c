"""Simulated FBA Inventory v1: getInventorySummaries, paged, as Amazon's model describes it.

Rules (spec/models/fbaInventory.json, getInventorySummaries):
- granularityType, granularityId and marketplaceIds are required; "When granularityType is
  Marketplace, specify the marketplaceId" (Granularity) — any other granularity is refused.
- "sellerSkus: A list of seller SKUs ... You may specify up to 50 SKUs"; with sellerSkus the
  operation "returns inventory summaries for only the specified sellerSkus"; with none, "All
  inventory summaries with available details are returned".
- "nextToken: ... The string token will expire 30 seconds after being created."
- details=true adds inventoryDetails ("Otherwise, returns inventory summaries only").
Page size 50 (our choice: the model states no page size; 50 is its sellerSkus limit).
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from channels_app.amazon.simulator.state import Result, SimState, errors, handles, iso
from channels_app.amazon.wire import Operation

PAGE_SIZE = 50
TOKEN_SECONDS = 30.0
QUANTITIES = ("fulfillable", "inboundWorking", "inboundShipped", "reserved", "unfulfillable")


def set_inventory(s: SimState, body: dict[str, dict[str, int]]) -> dict[str, Any]:
    """Test control: what Amazon's fulfillment centers hold per SKU (omitted kinds stay)."""
    for sku, counts in body.items():
        row = s.fba_inventory.setdefault(sku, dict.fromkeys(QUANTITIES, 0))
        row.update({k: int(v) for k, v in counts.items() if k in QUANTITIES})
    return s.fba_inventory


def add_inbound(s: SimState, items: dict[str, int]) -> None:
    """Units of a confirmed inbound shipment count as inbound working until they ship."""
    for sku, quantity in items.items():
        set_inventory(s, {sku: {}})
        s.fba_inventory[sku]["inboundWorking"] += int(quantity)


def _summary(s: SimState, sku: str, details: bool) -> dict[str, Any]:
    row = s.fba_inventory[sku]
    summary: dict[str, Any] = {
        "sellerSku": sku,
        "fnSku": f"X00{abs(hash(sku)) % 10**7:07d}",
        "asin": s.listings.get(sku, {}).get("asin", "B0SIM00001"),
        "condition": "NewItem",
        "productName": sku,
        "lastUpdatedTime": iso(s.clock),
        "totalQuantity": sum(row.values()),
    }
    if details:
        summary["inventoryDetails"] = {
            "fulfillableQuantity": row["fulfillable"],
            "inboundWorkingQuantity": row["inboundWorking"],
            "inboundShippedQuantity": row["inboundShipped"],
            "inboundReceivingQuantity": 0,
            "reservedQuantity": {"totalReservedQuantity": row["reserved"]},
            "unfulfillableQuantity": {"totalUnfulfillableQuantity": row["unfulfillable"]},
        }
    return summary


@handles("getInventorySummaries")
def get_inventory_summaries(
    s: SimState, op: Operation, q: dict[str, str], body: Any, key: str | None
) -> Result:
    if q["granularityType"] != "Marketplace" or q["granularityId"] != s.marketplace_id:
        return 400, errors(
            "InvalidInput", "granularityType must be Marketplace, granularityId its marketplaceId."
        )
    if q["marketplaceIds"] != s.marketplace_id:
        return 400, errors("InvalidInput", f"Unknown marketplace {q['marketplaceIds']}.")
    start = 0
    if "nextToken" in q:
        try:
            token = json.loads(base64.urlsafe_b64decode(q["nextToken"].encode()))
        except ValueError:
            return 400, errors("InvalidInput", "Invalid nextToken.")
        if time.monotonic() - float(token["t"]) > TOKEN_SECONDS:
            return 400, errors("InvalidInput", "The nextToken has expired (30 seconds).")
        start = int(token["o"])
    if "sellerSkus" in q:
        skus = [x for x in q["sellerSkus"].split(",") if x in s.fba_inventory]
    elif "sellerSku" in q:
        skus = [q["sellerSku"]] if q["sellerSku"] in s.fba_inventory else []
    else:
        skus = sorted(s.fba_inventory)
    details = q.get("details") == "true"
    page = skus[start : start + PAGE_SIZE]
    reply: dict[str, Any] = {
        "payload": {
            "granularity": {"granularityType": "Marketplace", "granularityId": s.marketplace_id},
            "inventorySummaries": [_summary(s, sku, details) for sku in page],
        }
    }
    if start + PAGE_SIZE < len(skus):
        token = {"o": start + PAGE_SIZE, "t": time.monotonic()}
        reply["pagination"] = {
            "nextToken": base64.urlsafe_b64encode(json.dumps(token).encode()).decode()
        }
    return 200, reply

"""What Amazon's fulfillment centers hold for the seller (FBA Inventory getInventorySummaries),
stored on each listing so the back office shows it beside what we hold and publish.

Paged by nextToken, which Amazon lets live only 30 seconds (fbaInventory.json, "nextToken"): the
pages are read one after the other, never resumed later. A SKU Amazon holds that we have no
listing for is reported, not created: the item master is the client's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from channels_app.amazon import catalogue
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.models import AmazonIntegration, Listing

SUMMARIES = "/fba/inventory/v1/summaries"


@dataclass(frozen=True)
class FbaLine:
    msku: str
    ours: int  # what we publish for the SKU now (our warehouses)
    fulfillable: int
    inbound: int
    reserved: int
    unfulfillable: int


@dataclass
class FbaInventory:
    lines: list[FbaLine] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # SKUs Amazon holds, no listing of ours
    pages: int = 0


def _quantities(summary: dict[str, object]) -> tuple[int, int, int, int]:
    details = summary.get("inventoryDetails") or {}
    assert isinstance(details, dict)
    reserved = details.get("reservedQuantity") or {}
    unfulfillable = details.get("unfulfillableQuantity") or {}
    return (
        int(details.get("fulfillableQuantity") or 0),
        int(details.get("inboundWorkingQuantity") or 0)
        + int(details.get("inboundShippedQuantity") or 0)
        + int(details.get("inboundReceivingQuantity") or 0),
        int(reserved.get("totalReservedQuantity") or 0),
        int(unfulfillable.get("totalUnfulfillableQuantity") or 0),
    )


def fetch_fba_inventory(
    integration: AmazonIntegration,
    *,
    api: SpApiClient | None = None,
    progress: catalogue.Progress = catalogue._quiet,
) -> FbaInventory:
    """Every inventory summary of the seller's marketplace, every page; stored per listing."""
    listings = {x.msku: x for x in catalogue.ensure_listings(integration)}
    found: dict[str, tuple[int, int, int, int]] = {}
    result = FbaInventory()
    with api or client_for(integration) as client:
        token: str | None = None
        while True:
            reply = client.call(
                "GET",
                SUMMARIES,
                operation="getInventorySummaries",
                params={
                    "details": True,
                    "granularityType": "Marketplace",
                    "granularityId": integration.marketplace_id,
                    "marketplaceIds": [integration.marketplace_id],
                    "nextToken": token,
                },
            )
            result.pages += 1
            for summary in reply.body["payload"]["inventorySummaries"]:
                found[str(summary.get("sellerSku", ""))] = _quantities(summary)
            progress(f"Page {result.pages}: {len(found)} SKU(s) so far.")
            token = (reply.body.get("pagination") or {}).get("nextToken")
            if not token:
                break
    ours = catalogue.quantities(integration, [x.item_id for x in listings.values()])
    now = timezone.now()
    with transaction.atomic():
        for msku, listing in sorted(listings.items()):
            fulfillable, inbound, reserved, unfulfillable = found.get(msku, (0, 0, 0, 0))
            Listing.objects.filter(pk=listing.pk).update(
                fba_fulfillable=fulfillable,
                fba_inbound=inbound,
                fba_reserved=reserved,
                fba_unfulfillable=unfulfillable,
                fba_checked_at=now,
            )
            result.lines.append(
                FbaLine(msku, ours[listing.item_id], fulfillable, inbound, reserved, unfulfillable)
            )
    result.unknown = sorted(set(found) - set(listings))
    return result

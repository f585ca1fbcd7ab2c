"""Reconciliation: Amazon's seller-fulfilled quantity against ours, for every listing.

Every active item of the client is a listing (catalogue.ensure_listings), not only those pushed
before, so a SKU whose stock never moved is reconciled too. Beyond the client's tolerance the
listing is held (published as 0) and an exception carries the touch history as evidence; a SKU
Amazon does not know is an exception of its own. ``reconcile_now`` then sends the whole catalogue
as one JSON_LISTINGS_FEED, so every difference within tolerance is corrected at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from channels_app.amazon import catalogue, mapping
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.listings import (
    LISTINGS,
    AvailabilityPushed,
    open_exception,
    push_availability,
)
from channels_app.amazon.models import (
    AmazonException,
    AmazonIntegration,
    Listing,
    ReconciliationLine,
)
from wms.inventory.models import AvailabilityEvent, Touch


@dataclass
class Reconciled:
    lines: list[ReconciliationLine] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # MSKUs held now: push 0 for them
    missing: list[str] = field(default_factory=list)  # MSKUs Amazon has no listing for
    rate_limit: float | None = None


def _evidence(listing: Listing, amazon: int, ours: int) -> dict[str, Any]:
    """What a person needs to judge the mismatch: the item's latest touches and publications."""
    touches = Touch.objects.filter(item_id=listing.item_id).order_by("-created_at", "-pk")[:25]
    events = AvailabilityEvent.objects.filter(item_id=listing.item_id, channel="amazon").order_by(
        "-created_at", "-pk"
    )[:10]
    return {
        "amazon_quantity": amazon,
        "our_quantity": ours,
        "pushed_quantity": listing.pushed_quantity,
        "pushed_at": listing.pushed_at.isoformat() if listing.pushed_at else None,
        "touches": [
            {
                "id": t.pk,
                "at": t.created_at.isoformat(),
                "kind": t.kind,
                "quantity": t.quantity,
                "from": t.from_location_id,
                "to": t.to_location_id,
                "reference": t.reference,
            }
            for t in touches
        ],
        "published": [
            {"at": e.created_at.isoformat(), "quantity": e.quantity, "cause": e.cause}
            for e in events
        ],
    }


def _amazon_quantities(
    integration: AmazonIntegration, client: SpApiClient, skus: list[str]
) -> dict[str, int]:
    amazon: dict[str, int] = {}
    for start in range(0, len(skus), 20):  # identifiers: at most 20 per searchListingsItems
        token: str | None = None
        while True:
            reply = client.call(
                "GET",
                f"{LISTINGS}/{integration.seller_id}",
                operation="searchListingsItems",
                params={
                    "marketplaceIds": integration.marketplace_ids,
                    "identifiers": skus[start : start + 20],
                    "identifiersType": "SKU",
                    "includedData": ["fulfillmentAvailability"],
                    "pageSize": 20,
                    "pageToken": token,
                },
            )
            for item in reply.body["items"]:
                quantity = mapping.listing_quantity(item)
                if quantity is not None:
                    amazon[item["sku"]] = quantity
            token = reply.body.get("pagination", {}).get("nextToken")
            if not token:
                break
    return amazon


def reconcile(integration: AmazonIntegration, *, api: SpApiClient | None = None) -> Reconciled:
    """Fetch Amazon's seller-fulfilled quantity for every listing; store the delta against what
    we publish; beyond the client's tolerance hold the listing and open an exception."""
    listings = {x.msku: x for x in catalogue.ensure_listings(integration)}
    ours_by_item = catalogue.quantities(integration, [x.item_id for x in listings.values()])
    result = Reconciled()
    with api or client_for(integration) as client:
        amazon = _amazon_quantities(integration, client, sorted(listings))
        result.rate_limit = client.last_rate_limit
    tolerance = integration.reconcile_tolerance
    now = timezone.now()
    for msku, listing in sorted(listings.items()):
        if msku not in amazon:
            result.missing.append(msku)
            _missing(integration, listing)
            continue
        quantity = amazon[msku]
        ours = 0 if listing.held else ours_by_item[listing.item_id]
        delta = quantity - ours
        beyond = abs(delta) > tolerance
        with transaction.atomic():
            result.lines.append(
                ReconciliationLine.objects.create(
                    integration=integration,
                    item_id=listing.item_id,
                    msku=msku,
                    amazon_quantity=quantity,
                    our_quantity=ours,
                    delta=delta,
                    beyond_tolerance=beyond,
                    at=now,
                )
            )
            changes: dict[str, Any] = {
                "amazon_quantity": quantity,
                "delta": delta,
                "reconciled_at": now,
            }
            if beyond and not listing.held:
                reason = (
                    f"Amazon shows {quantity} × {msku}, we publish {ours} (Δ {delta:+d}, tolerance "
                    f"±{tolerance}): listing held at 0 until the difference is explained."
                )
                changes |= {"held": True, "held_reason": reason}
                open_exception(
                    integration,
                    "quantity_mismatch",
                    listing,
                    reason,
                    evidence=_evidence(listing, quantity, ours),
                    policy=f"reconcile_tolerance={tolerance}",
                )
                result.held.append(msku)
            Listing.objects.filter(pk=listing.pk).update(**changes)
    return result


def _missing(integration: AmazonIntegration, listing: Listing) -> None:
    if AmazonException.objects.filter(
        integration=integration, kind="listing_missing", msku=listing.msku, resolved_at=None
    ).exists():
        return
    open_exception(
        integration,
        "listing_missing",
        listing,
        f"Amazon has no listing {listing.msku} for seller {integration.seller_id}: create the "
        "offer in Seller Central (or set the item's Amazon channel SKU), then reconcile again.",
    )


@dataclass
class ReconcileNow:
    reconciled: Reconciled
    sync: catalogue.CatalogueSync


def reconcile_now(
    integration: AmazonIntegration,
    *,
    api: SpApiClient | None = None,
    idempotency_key: str | None = None,
    progress: catalogue.Progress = catalogue._quiet,
) -> ReconcileNow:
    """Reconcile every listing, then send the whole catalogue (held ones at 0) as one feed."""
    with api or client_for(integration) as client:
        progress(f"Reading Amazon's quantities for seller {integration.seller_id}.")
        found = reconcile(integration, api=catalogue.borrowed(client))
        beyond = sum(1 for x in found.lines if x.beyond_tolerance)
        progress(
            f"Reconciled {len(found.lines)} listing(s): {beyond} beyond tolerance, "
            f"{len(found.held)} held now, {len(found.missing)} not on Amazon."
        )
        sync = catalogue.sync_catalogue(
            integration,
            cause="reconcile",
            idempotency_key=idempotency_key,
            api=catalogue.borrowed(client),
            progress=progress,
        )
    return ReconcileNow(found, sync)


@transaction.atomic
def release_listing(*, listing: Listing) -> None:
    """A person explained the mismatch: publish normally again and resolve its exceptions."""
    Listing.objects.filter(pk=listing.pk).update(held=False, held_reason="")
    AmazonException.objects.filter(
        integration_id=listing.integration_id,
        msku=listing.msku,
        kind="quantity_mismatch",
        resolved_at=None,
    ).update(resolved_at=timezone.now())


def publish_listing(*, listing: Listing, api: SpApiClient | None = None) -> AvailabilityPushed:
    """Tell Amazon a released listing's real quantity at once (one patch): it must not wait for
    its stock to move before Amazon sells it again. Called after ``release_listing``, which
    stands even when this call fails (the next sync or stock change publishes it then)."""
    integration = listing.integration
    quantity = catalogue.quantities(integration, [listing.item_id])[listing.item_id]
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S.%f")
    return push_availability(
        integration, [(listing.item.sku, quantity)], f"release:{listing.pk}:{stamp}", api=api
    )

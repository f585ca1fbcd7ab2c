"""Every SKU's quantity at once: the go-live stock sync, and reconciliation against our ATP.

    sync_stock(store, progress)   → Synced      (register / reinstall / "sync stock now")
    reconcile(store, progress)    → Reconciled  (Celery beat, "reconcile now")

Per-SKU changes keep going through the outbox (pushes.push_availability). A full sync reads
Shopify's quantities at our location page by page, then sets every SKU that differs in batches
of ``BATCH`` quantities per inventorySetQuantities, each compared against the quantity just read
(changeFromQuantity) and sent with an idempotency key made from its content, so a retried batch
is applied once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from channels_app.shopify import live_documents as L
from channels_app.shopify import mapping
from channels_app.shopify.client import AdminClient, client_for
from channels_app.shopify.errors import GraphQLRefused, TransportError
from channels_app.shopify.models import (
    CHANNEL,
    ShopifyException,
    ShopifyInventoryItem,
    ShopifyReconciliationLine,
    ShopifyStore,
)
from channels_app.shopify.skus import sku_for
from wms.catalog.models import Item
from wms.inventory import availability
from wms.inventory.models import AvailabilityEvent, ChannelAvailability, Touch

log = logging.getLogger(__name__)

# "Input arguments that accept an array have a maximum size of 250 for all APIs"
# (https://shopify.dev/docs/api/usage/limits). 100 keeps each document well under it and its
# mutation cost at the flat 10 points.
BATCH = 100
OWNER = "client services"

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class AtShopify:
    sku: str
    inventory_item_id: str
    available: int | None  # None: not stocked at our location


@dataclass
class Synced:
    skus: int = 0
    changed: list[str] = field(default_factory=list)
    already: int = 0
    missing: list[str] = field(default_factory=list)  # our SKUs Shopify has no inventory item for
    not_stocked: list[str] = field(default_factory=list)
    calls: int = 0

    @property
    def message(self) -> str:
        parts = [
            f"{self.skus} SKUs: {len(self.changed)} set in {self.calls} call(s), "
            f"{self.already} already right"
        ]
        if self.missing:
            parts.append(f"no Shopify product for {', '.join(self.missing[:10])}")
        if self.not_stocked:
            parts.append(
                f"not stocked at our location (activate it in Shopify): "
                f"{', '.join(self.not_stocked[:10])}"
            )
        return "; ".join(parts) + "."


@dataclass
class Reconciled:
    lines: list[ShopifyReconciliationLine] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)  # SKUs with a new exception

    @property
    def message(self) -> str:
        beyond = [x.sku for x in self.lines if x.beyond_tolerance]
        return (
            f"{len(self.lines)} SKUs compared; {len(beyond)} beyond tolerance"
            + (f" ({', '.join(beyond[:10])})" if beyond else "")
            + f"; {len(self.opened)} new exception(s)."
        )


def _require_location(store: ShopifyStore) -> None:
    if not store.location_id:
        raise TransportError(
            f"Shopify store {store.shop_domain} has no fulfillment-service location yet; "
            "register the fulfillment service first (shopify_store register).",
            permanent=True,
        )


def read_quantities(
    store: ShopifyStore, api: AdminClient, progress: Progress = _quiet
) -> dict[str, AtShopify]:
    """Every inventory item with a SKU and its available quantity at our location, page by page."""
    found: dict[str, AtShopify] = {}
    after: str | None = None
    while True:
        reply = api.execute(
            L.QUANTITIES,
            {"locationId": store.location_id, "after": after},
            operation="StockAtLocation",
            cost=302,
        )
        page = reply.data["inventoryItems"]
        for node in page["nodes"]:
            sku = node.get("sku")
            if sku:
                found[sku] = AtShopify(sku, node["id"], mapping.available_of(node))
        progress(f"read {len(found)} inventory items from Shopify")
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


def _ours(store: ShopifyStore) -> dict[str, tuple[Item, int]]:
    """Our published quantity for channel shopify per Shopify SKU, for every active item."""
    published = dict(
        ChannelAvailability.objects.filter(client_id=store.client_id, channel=CHANNEL).values_list(
            "item_id", "quantity"
        )
    )
    out: dict[str, tuple[Item, int]] = {}
    for item in Item.objects.filter(client_id=store.client_id, active=True).order_by("sku"):
        quantity = published.get(item.pk, 0)
        out[sku_for(store, item)] = (item, max(0, int(quantity)))
    return out


def _remember(store: ShopifyStore, item: Item, at: AtShopify, known: int | None) -> None:
    ShopifyInventoryItem.objects.update_or_create(
        store=store,
        item=item,
        defaults={
            "sku": at.sku,
            "inventory_item_id": at.inventory_item_id,
            "known_quantity": known,
            "pushed_at": timezone.now(),
        },
    )


def sync_stock(store: ShopifyStore, progress: Progress = _quiet) -> Synced:
    """Publish every SKU's quantity to Shopify once (go-live, after a reinstall, "sync now")."""
    _require_location(store)
    # Our numbers first: a client whose stock never moved since its channel rule has no rows yet.
    availability.republish(client_id=store.client_id, cause="shopify_stock_sync")
    ours = _ours(store)
    result = Synced(skus=len(ours))
    with client_for(store) as api:
        theirs = read_quantities(store, api, progress)
        todo: list[tuple[Item, AtShopify, int]] = []
        for sku, (item, quantity) in ours.items():
            at = theirs.get(sku)
            if at is None:
                result.missing.append(sku)
            elif at.available is None:
                result.not_stocked.append(sku)
            elif at.available == quantity:
                result.already += 1
                _remember(store, item, at, quantity)
            else:
                todo.append((item, at, quantity))
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            _set_batch(store, api, batch)
            result.calls += 1
            for item, at, quantity in batch:
                _remember(store, item, at, quantity)
                result.changed.append(at.sku)
            progress(f"set {len(result.changed)} of {len(todo)} quantities")
    log.info("shopify: %s stock sync: %s", store.shop_domain, result.message)
    return result


def _set_batch(
    store: ShopifyStore, api: AdminClient, batch: list[tuple[Item, AtShopify, int]]
) -> None:
    """One inventorySetQuantities; a stale compare re-reads the batch's items and retries once."""
    compare = {at.sku: at.available for _item, at, _q in batch}
    for attempt in (1, 2):
        quantities = [
            {
                "inventoryItemId": at.inventory_item_id,
                "locationId": store.location_id,
                "quantity": quantity,
                "changeFromQuantity": compare[at.sku],
            }
            for _item, at, quantity in batch
        ]
        digest = hashlib.sha256(json.dumps(quantities, sort_keys=True).encode()).hexdigest()
        try:
            api.mutate(
                L.SET_MANY,
                {
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "referenceDocumentUri": f"gid://touchline-wms/StockSync/{store.pk}",
                        "quantities": quantities,
                    },
                    "key": f"tl-sync-{store.pk}-{digest[:40]}",
                },
                field="inventorySetQuantities",
            )
            return
        except GraphQLRefused as refused:
            if "CHANGE_FROM_QUANTITY_STALE" not in refused.codes or attempt == 2:
                raise
            fresh = read_quantities(store, api)
            compare = {sku: (fresh[sku].available if sku in fresh else None) for sku in compare}


# --- reconciliation ---------------------------------------------------------------------------


def _evidence(store: ShopifyStore, item: Item, shopify: int, ours: int) -> dict[str, Any]:
    """What a person needs to judge the mismatch: the item's latest touches and publications."""
    touches = Touch.objects.filter(item_id=item.pk).order_by("-created_at", "-pk")[:25]
    events = AvailabilityEvent.objects.filter(item_id=item.pk, channel=CHANNEL).order_by(
        "-created_at", "-pk"
    )[:10]
    known = ShopifyInventoryItem.objects.filter(store=store, item=item).first()
    return {
        "shopify_quantity": shopify,
        "our_quantity": ours,
        "last_set_quantity": known.known_quantity if known else None,
        "last_set_at": known.pushed_at.isoformat() if known and known.pushed_at else None,
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


def reconcile(store: ShopifyStore, progress: Progress = _quiet) -> Reconciled:
    """Shopify's available at our location against our ATP for every SKU both know; beyond the
    store's tolerance an exception (one open per SKU) with the touch history as evidence."""
    _require_location(store)
    ours = _ours(store)
    with client_for(store) as api:
        theirs = read_quantities(store, api, progress)
    tolerance = store.reconcile_tolerance
    result = Reconciled()
    now = timezone.now()
    for sku, (item, quantity) in ours.items():
        at = theirs.get(sku)
        if at is None or at.available is None:
            continue
        delta = at.available - quantity
        beyond = abs(delta) > tolerance
        with transaction.atomic():
            result.lines.append(
                ShopifyReconciliationLine.objects.create(
                    store=store,
                    item=item,
                    sku=sku,
                    shopify_quantity=at.available,
                    our_quantity=quantity,
                    delta=delta,
                    beyond_tolerance=beyond,
                    at=now,
                )
            )
            ShopifyInventoryItem.objects.filter(store=store, item=item).update(
                known_quantity=at.available
            )
            if not beyond:
                continue
            if ShopifyException.objects.filter(
                store=store, kind="quantity_mismatch", sku=sku, resolved_at=None
            ).exists():
                continue
            ShopifyException.objects.create(
                store=store,
                kind="quantity_mismatch",
                sku=sku,
                item=item,
                detail=(
                    f"Shopify shows {at.available} × {sku} available at our location, we publish "
                    f"{quantity} (Δ {delta:+d}, tolerance ±{tolerance}). Check the touches; "
                    "'sync stock now' sets Shopify to our number."
                ),
                evidence=_evidence(store, item, at.available, quantity),
                owner=OWNER,
                policy=f"reconcile_tolerance={tolerance}",
            )
            result.opened.append(sku)
    progress(result.message)
    return result

"""What we push to Shopify, called by the outbox handler (outbound.py): a shipment as one
fulfillment with tracking per fulfillment order, and inventory quantities by compare-and-set.

    create_fulfillment(store, event_id)                → fulfillment id (outbox: order_shipped)
    push_availability(store, item_id, quantity, key)   → quantity set (outbox: availability)

What Shopify asks of us is in inbound.py; both talk to Shopify only through client.py.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from channels_app.shopify import documents as D
from channels_app.shopify import mapping
from channels_app.shopify.client import AdminClient, client_for
from channels_app.shopify.errors import GraphQLRefused, TransportError
from channels_app.shopify.models import (
    FulfillmentOrderState,
    ShopifyFulfillmentOrder,
    ShopifyInventoryItem,
    ShopifyStore,
)
from channels_app.shopify.skus import sku_for
from wms.catalog.models import Item
from wms.orders.models import Event

log = logging.getLogger(__name__)


def create_fulfillment(store: ShopifyStore, *, event_id: int) -> str:
    """fulfillmentCreate with tracking for what shipped; once per fulfillment order.

    fulfillmentCreate takes no idempotency key, so a retry (a timeout, a worker killed after the
    call) first reads the fulfillment order's fulfillments: one carrying our tracking number means
    the earlier call was applied, and nothing is sent again.
    """
    event = Event.objects.select_related("order").get(pk=event_id)
    order = event.order
    if order is None:
        raise TransportError(f"Event {event_id} names no order; nothing to fulfil.", permanent=True)
    row = ShopifyFulfillmentOrder.objects.get(store=store, order=order)
    numbers = [str(p["tracking"]) for p in event.payload.get("parcels", [])]
    carrier = str(event.payload.get("carrier", ""))
    shipped = {
        line_id: n
        for line_id, n in order.lines.values_list("channel_line_id", "shipped")
        if line_id
    }
    with client_for(store) as api:
        existing = (
            api.execute(
                D.FULFILLMENTS_OF,
                {"id": row.fulfillment_order_id},
                operation="FulfillmentsOf",
                cost=5,
            ).data.get("fulfillmentOrder")
            or {}
        )
        for f in (existing.get("fulfillments") or {}).get("nodes", []):
            if any(t.get("number") in numbers for t in f.get("trackingInfo") or []):
                _fulfilled(row, f, carrier, numbers)
                return str(f["id"])
        payload = api.mutate(
            D.FULFILL,
            {
                "fulfillment": mapping.fulfillment_input(
                    fulfillment_order_id=row.fulfillment_order_id,
                    shipped=shipped,
                    carrier=carrier,
                    numbers=numbers,
                )
            },
            field="fulfillmentCreate",
        )
    _fulfilled(row, payload["fulfillment"], carrier, numbers)
    return str(payload["fulfillment"]["id"])


def _fulfilled(
    row: ShopifyFulfillmentOrder, fulfillment: dict[str, Any], carrier: str, numbers: list[str]
) -> None:
    # Shopify's name for the fulfillment ("#1001.1") is what fetch_tracking_numbers is asked by.
    ShopifyFulfillmentOrder.objects.filter(pk=row.pk).update(
        state=FulfillmentOrderState.FULFILLED,
        fulfillment_id=str(fulfillment["id"]),
        fulfillment_name=str(fulfillment.get("name") or ""),
        tracking=[{"company": carrier, "number": n} for n in numbers],
        updated_at=timezone.now(),
    )


def inventory_item(store: ShopifyStore, api: AdminClient, item: Item) -> ShopifyInventoryItem:
    known = ShopifyInventoryItem.objects.filter(store=store, item=item).first()
    if known is not None:
        return known
    sku = sku_for(store, item)
    nodes = api.execute(
        D.INVENTORY_ITEM_BY_SKU, {"query": f"sku:'{sku}'"}, operation="InventoryItemBySku", cost=5
    ).data["inventoryItems"]["nodes"]
    matching = [n for n in nodes if n.get("sku") == sku]
    if len(matching) != 1:
        raise TransportError(
            f"Shopify {store.shop_domain} has {len(matching)} inventory items with SKU {sku}; "
            "it needs exactly one (create the product variant, or fix the duplicate SKU).",
            permanent=True,
        )
    found, _ = ShopifyInventoryItem.objects.get_or_create(
        store=store, item=item, defaults={"sku": sku, "inventory_item_id": matching[0]["id"]}
    )
    return found


def read_available(store: ShopifyStore, api: AdminClient, inventory_item_id: str) -> int | None:
    reply = api.execute(
        D.INVENTORY_LEVEL,
        {"id": inventory_item_id, "locationId": store.location_id},
        operation="AvailableAt",
        cost=5,
    )
    return mapping.available_of(reply.data.get("inventoryItem"))


def push_availability(
    store: ShopifyStore, *, item_id: int, quantity: int, idempotency_key: str, reference: str
) -> int:
    """inventorySetQuantities(available) at our location, compare-and-set, @idempotent.

    The compare value is the quantity we last set or read there. A stale compare (Shopify's
    CHANGE_FROM_QUANTITY_STALE: someone moved the number since) re-reads the current quantity and
    retries once with it. The @idempotent key is the outbox's key for this content plus the
    compare value it is sent with: a redelivery that compares against the same value sends the
    same key (Shopify applies it once), and one that reads anew sends a key of its own (Shopify
    refuses a key reused with different parameters). When Shopify already shows the quantity,
    nothing is written.
    """
    if not store.location_id:
        raise TransportError(
            f"Shopify store {store.shop_domain} has no fulfillment-service location yet; "
            "register the fulfillment service first.",
            permanent=True,
        )
    item = Item.objects.get(pk=item_id)
    with client_for(store) as api:
        inv = inventory_item(store, api, item)
        change_from = inv.known_quantity
        if change_from is None:
            change_from = read_available(store, api, inv.inventory_item_id)
        for attempt in (1, 2):
            if change_from == quantity:
                break  # Shopify shows it already (an earlier call of ours was applied)
            try:
                _set(
                    api,
                    store,
                    inv,
                    quantity,
                    change_from,
                    cas_key(idempotency_key, change_from),
                    reference,
                )
                break
            except GraphQLRefused as refused:
                if "CHANGE_FROM_QUANTITY_STALE" not in refused.codes:
                    raise
                if attempt == 2:
                    # Moving under us (another app writing): not permanent; the outbox's next
                    # attempt reads again.
                    raise TransportError(
                        f"Shopify {store.shop_domain}: {inv.sku} still stale after a re-read "
                        f"(compared against {change_from}); the next attempt reads again.",
                        permanent=False,
                    ) from refused
                fresh = read_available(store, api, inv.inventory_item_id)
                log.info(
                    "shopify: %s %s stale compare (%s, now %s); retrying once",
                    store.shop_domain,
                    inv.sku,
                    change_from,
                    fresh,
                )
                change_from = fresh
    ShopifyInventoryItem.objects.filter(pk=inv.pk).update(
        known_quantity=quantity, pushed_at=timezone.now()
    )
    return quantity


def cas_key(idempotency_key: str, change_from: int | None) -> str:
    return f"{idempotency_key}~from:{'null' if change_from is None else change_from}"


def _set(
    api: AdminClient,
    store: ShopifyStore,
    inv: ShopifyInventoryItem,
    quantity: int,
    change_from: int | None,
    key: str,
    reference: str,
) -> None:
    api.mutate(
        D.SET_INVENTORY,
        {
            "input": mapping.inventory_input(
                inventory_item_id=inv.inventory_item_id,
                location_id=store.location_id,
                quantity=quantity,
                change_from=change_from,
                reference=reference,
            ),
            "key": key,
        },
        field="inventorySetQuantities",
    )

"""A graded return announced to Shopify: the merchant's return is matched by its order and the
reverse fulfillment order's line disposed of (received, and what became of the units).

    announce_disposition(store, event_id)  → outcome   (outbox: return_disposition)

Shopify's model: creating or approving a return makes one reverse fulfillment order per location
that will process it; the fulfillment service disposes of its line items with
reverseFulfillmentOrderDispose (RESTOCKED at a location, PROCESSING_REQUIRED, NOT_RESTOCKED,
MISSING) — https://shopify.dev/docs/apps/build/orders-fulfillment/returns-apps/manage-reverse-fulfillment-orders.
Disposing is what tells the merchant the units arrived; refunds stay the merchant's (returnProcess).

A restock at Shopify moves Shopify's available there by itself, while our availability push sets
the absolute number: whichever arrives second would count the unit twice, so after a RESTOCKED
disposal we push our ATP again (compare-and-set re-reads Shopify's number first).

No return on Shopify's side matching the order and SKU (the buyer sent it back without asking,
or the merchant has not created the return yet): an exception with an owner, and the delivery
ends there (a retry would not find it either).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from channels_app.shopify import live_documents as L
from channels_app.shopify import pushes
from channels_app.shopify.client import AdminClient, client_for
from channels_app.shopify.models import (
    ShopifyException,
    ShopifyFulfillmentOrder,
    ShopifyInventoryItem,
    ShopifyReturnDisposal,
    ShopifyStore,
)
from channels_app.shopify.skus import sku_for
from wms.catalog.models import Item
from wms.inventory.models import ChannelAvailability
from wms.orders.models import Event

log = logging.getLogger(__name__)

KIND = "return_disposition"
OWNER = "customer service"
# Our disposition → Shopify's ReverseFulfillmentOrderDispositionType.
DISPOSITIONS = {
    "restocked": "RESTOCKED",
    "quarantined": "PROCESSING_REQUIRED",
    "disposed": "NOT_RESTOCKED",
}


@dataclass(frozen=True)
class ReverseLine:
    return_id: str
    reverse_order_id: str
    id: str
    sku: str
    open_quantity: int  # totalQuantity − what is disposed already


def announce_disposition(store: ShopifyStore, *, event_id: int) -> str:
    event = Event.objects.select_related("order").get(pk=event_id)
    done = ShopifyReturnDisposal.objects.filter(event=event).first()
    if done is not None:
        return f"already announced ({done})"
    payload = event.payload
    sku_ours = str(payload.get("sku") or "")
    quantity = int(payload.get("quantity") or 0)
    disposition = DISPOSITIONS.get(str(payload.get("disposition") or ""))
    row = (
        ShopifyFulfillmentOrder.objects.filter(store=store, order=event.order).first()
        if event.order is not None
        else None
    )
    item = Item.objects.filter(client_id=store.client_id, sku=sku_ours).first()
    if row is None or item is None or disposition is None or quantity < 1:
        return _unmatched(
            store,
            event,
            item,
            f"Return {payload.get('rma')} ({sku_ours} × {quantity}, {payload.get('disposition')}) "
            "names no Shopify order of this store we know; tell the merchant by hand.",
        )
    sku = sku_for(store, item)
    with client_for(store) as api:
        lines = _open_lines(api, row.shopify_order_id)
        line = next((x for x in lines if x.sku == sku and x.open_quantity >= quantity), None)
        if line is None:
            return _unmatched(
                store,
                event,
                item,
                f"Return {payload.get('rma')}: Shopify order {row.order_name or row.shopify_order_id} "
                f"has no open return line for {quantity} × {sku}. Ask the merchant to create or "
                "approve the return in Shopify, then resolve this and re-send the message.",
                evidence={"open_lines": [x.__dict__ for x in lines]},
            )
        dispose: dict[str, Any] = {
            "reverseFulfillmentOrderLineItemId": line.id,
            "quantity": quantity,
            "dispositionType": disposition,
        }
        if disposition == "RESTOCKED":
            dispose["locationId"] = store.location_id
        api.mutate(L.DISPOSE, {"inputs": [dispose]}, field="reverseFulfillmentOrderDispose")
    ShopifyReturnDisposal.objects.get_or_create(
        event=event,
        defaults={
            "store": store,
            "return_id": line.return_id,
            "reverse_line_item_id": line.id,
            "quantity": quantity,
            "disposition_type": disposition,
        },
    )
    if disposition == "RESTOCKED":
        _push_ours(store, item, event.pk)
    return f"{disposition} {quantity} × {sku} on {line.reverse_order_id}"


def _open_lines(api: AdminClient, order_id: str) -> list[ReverseLine]:
    reply = api.execute(L.RETURNS_OF_ORDER, {"id": order_id}, operation="ReturnsOfOrder", cost=83)
    order = reply.data.get("order") or {}
    lines: list[ReverseLine] = []
    for ret in (order.get("returns") or {}).get("nodes", []):
        if ret.get("status") != "OPEN":
            continue
        for rfo in (ret.get("reverseFulfillmentOrders") or {}).get("nodes", []):
            if rfo.get("status") != "OPEN":
                continue
            after: str | None = None
            while True:
                page = (
                    api.execute(
                        L.REVERSE_ORDER,
                        {"id": rfo["id"], "after": after},
                        operation="ReverseFulfillmentOrderLines",
                        cost=203,
                    ).data.get("reverseFulfillmentOrder")
                    or {}
                ).get("lineItems") or {"nodes": [], "pageInfo": {"hasNextPage": False}}
                for node in page["nodes"]:
                    done = sum(int(d["quantity"]) for d in node.get("dispositions") or [])
                    sku = ((node.get("fulfillmentLineItem") or {}).get("lineItem") or {}).get("sku")
                    lines.append(
                        ReverseLine(
                            return_id=ret["id"],
                            reverse_order_id=rfo["id"],
                            id=node["id"],
                            sku=str(sku or ""),
                            open_quantity=int(node["totalQuantity"]) - done,
                        )
                    )
                if not page["pageInfo"]["hasNextPage"]:
                    break
                after = page["pageInfo"]["endCursor"]
    return lines


def _unmatched(
    store: ShopifyStore,
    event: Event,
    item: Item | None,
    detail: str,
    evidence: dict[str, Any] | None = None,
) -> str:
    with transaction.atomic():
        ShopifyException.objects.create(
            store=store,
            kind="return_unmatched",
            sku=str(event.payload.get("sku") or ""),
            item=item,
            detail=detail,
            evidence={"event": event.pk, "payload": event.payload, **(evidence or {})},
            owner=OWNER,
        )
    log.warning("shopify: %s %s", store.shop_domain, detail)
    return "unmatched"


def _push_ours(store: ShopifyStore, item: Item, event_id: int) -> None:
    # Shopify's restock moved its number behind the one we last set: read it, don't assume it.
    ShopifyInventoryItem.objects.filter(store=store, item=item).update(known_quantity=None)
    quantity = (
        ChannelAvailability.objects.filter(item=item, channel="shopify")
        .values_list("quantity", flat=True)
        .first()
    )
    pushes.push_availability(
        store,
        item_id=item.pk,
        quantity=max(0, int(quantity or 0)),
        idempotency_key=f"tl-return-{event_id}-{timezone.now():%Y%m%dT%H%M%S}",
        reference=f"gid://touchline-wms/ReturnEvent/{event_id}",
    )

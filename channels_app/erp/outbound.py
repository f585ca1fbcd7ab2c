"""What reaches the ERP through the outbox: the router (which events, to which integration) and the
handler (``erp:<integration id>``), plus inventory snapshots queued as events.

The router names ``erp:<id>`` for shipment and receipt confirmations, returns received (and graded)
and dispositioned (restocked, quarantined, disposed), and snapshots, of a client with an active ERP
integration; the handler POSTs each with the outbox's idempotency key, through a shared token
bucket per integration.
The ERP applies a key once; we send it at least once.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from channels_app.erp import mapping
from channels_app.erp.client import RATE_HEADER, client_for
from channels_app.erp.errors import RateLimited, TransportError
from channels_app.erp.models import ErpIntegration
from channels_app.outbox.handlers import Delivery
from channels_app.outbox.ratelimit import TokenBucket
from wms.catalog.models import Client, Item
from wms.inventory.models import StockPosition
from wms.orders.models import Event, ShipmentParcel
from wms.outbox import routing
from wms.outbox.models import OutboxMessage
from wms.outbox.queue import queue_event

SNAPSHOT = "inventory_snapshot"
PATHS = {
    "order_shipped": "/api/v1/shipment-confirmations",
    "receipt_complete": "/api/v1/receipt-confirmations",
    "return_received": "/api/v1/return-receipts",
    "return_disposition": "/api/v1/return-dispositions",
    SNAPSHOT: "/api/v1/inventory-snapshots",
}


def route(fact: routing.Outbound) -> list[str]:
    # Runs in the domain transaction: a kind check first, then at most one indexed lookup.
    if fact.kind not in PATHS:
        return []
    ids = ErpIntegration.objects.filter(client_id=fact.client_id, active=True).values_list(
        "pk", flat=True
    )
    return [f"erp:{pk}" for pk in ids]


def _shipped_lines(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """What left, per SKU and lot, from the shipment's parcels as recorded (never changes)."""
    event_id = payload.get("event")
    if not isinstance(event_id, int):
        return []
    event = Event.objects.filter(pk=event_id).only("order_id").first()
    if event is None or event.order_id is None:
        return []
    totals: dict[tuple[str, str | None], int] = defaultdict(int)
    for contents in ShipmentParcel.objects.filter(shipment__order_id=event.order_id).values_list(
        "contents", flat=True
    ):
        for line in contents:
            totals[(line["sku"], line.get("lot"))] += int(line["quantity"])
    return [{"sku": sku, "lot": lot, "quantity": n} for (sku, lot), n in sorted(totals.items())]


def body_for(delivery: Delivery) -> dict[str, Any]:
    if delivery.kind == "order_shipped":
        return mapping.shipment_confirmation(delivery.payload, _shipped_lines(delivery.payload))
    if delivery.kind == "receipt_complete":
        return mapping.receipt_confirmation(delivery.payload)
    if delivery.kind == "return_received":
        return mapping.return_receipt(delivery.payload)
    if delivery.kind == "return_disposition":
        return mapping.return_disposition(delivery.payload)
    return mapping.inventory_snapshot(delivery.payload)


def bucket(integration: ErpIntegration) -> TokenBucket:
    return TokenBucket(f"erp:{integration.pk}:post", rate=settings.ERP_RATE)


def send(delivery: Delivery) -> None:
    """The outbox handler for ``erp:<id>``."""
    integration = ErpIntegration.objects.filter(pk=int(delivery.target or 0)).first()
    if integration is None or not integration.active:
        raise TransportError(
            f"ERP integration {delivery.target} does not exist or is switched off; correct the "
            "route or switch it on, then retry the message.",
            permanent=True,
        )
    path = PATHS.get(delivery.kind)
    if path is None:
        raise TransportError(f"The ERP takes no {delivery.kind!r} messages.", permanent=True)
    limiter = bucket(integration)
    wait = limiter.take()
    if wait > 0:
        raise RateLimited(f"{integration}: no token for {wait:.2f}s", retry_after=wait)
    with client_for(integration) as erp:
        try:
            reply = erp.call(
                "POST",
                path,
                operation=delivery.kind,
                body=body_for(delivery),
                idempotency_key=delivery.idempotency_key,
            )
        except RateLimited as exc:
            raise RateLimited(str(exc), retry_after=limiter.throttled(exc.retry_after)) from exc
    if reply.rate_limit:
        limiter.observe({RATE_HEADER: reply.rate_limit}, RATE_HEADER)


def snapshot_items(client: Client) -> list[dict[str, Any]]:
    """Per SKU: sellable on hand and available (on hand less reserved) over every warehouse."""
    totals = {
        row["item_id"]: row
        for row in StockPosition.objects.filter(client=client)
        .values("item_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
    }
    items = []
    for pk, sku in Item.objects.filter(client=client).order_by("sku").values_list("pk", "sku"):
        row = totals.get(pk) or {"on_hand": 0, "reserved": 0}
        on_hand, reserved = int(row["on_hand"] or 0), int(row["reserved"] or 0)
        items.append({"sku": sku, "on_hand": on_hand, "available": max(0, on_hand - reserved)})
    return items


@transaction.atomic
def queue_snapshot(client: Client) -> list[OutboxMessage]:
    """Queue the client's inventory snapshot to its ERP(s): an event and its deliveries, committed
    together, delivered by the outbox like every other event."""
    taken_at = timezone.now()
    event = Event.objects.create(
        kind=SNAPSHOT,
        client=client,
        payload={"taken_at": mapping.iso(taken_at), "items": snapshot_items(client)},
    )
    return queue_event(event, channel=None)


def queue_all_snapshots() -> int:
    clients = Client.objects.filter(
        pk__in=ErpIntegration.objects.filter(active=True).values("client_id")
    ).order_by("pk")
    return sum(len(queue_snapshot(client)) for client in clients)

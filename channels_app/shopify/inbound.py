"""What Shopify tells us: fulfillment and cancellation requests, the GET callbacks, webhooks.

Each takes the store and plain values, talks to Shopify only over HTTP (client.py), changes the
WMS only through its services (import_order, cancel_order), and raises ``TransportError`` (the
outbox's) when Shopify could not be reached or refused. Shopify calls happen outside the database
transactions that apply what they returned, so a failed call leaves nothing half-done here: the
fulfillment order is still requested at Shopify, and the next notification (or the poller,
``answer_open_requests`` from tasks.py) takes it.

    answer_notification(store, kind)                   → {"outcomes": …, "exceptions": […]}
    answer_open_requests(store)                        → the same, for both kinds (the poller)
    take_fulfillment_requests(store, kind)             → {fulfillment order id: outcome}
    fetch_stock(store, sku)                            → {sku: quantity}
    fetch_tracking_numbers(store, names)               → {fulfillment name: number}
    handle_webhook(store, topic, webhook_id, payload)  → outcome

The views (views.py) and the poller (tasks.py) reach these through adapter.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from channels_app.shopify import documents as D
from channels_app.shopify import exceptions, mapping
from channels_app.shopify.client import AdminClient, client_for
from channels_app.shopify.errors import TransportError, UnknownShopifySku
from channels_app.shopify.models import (
    CHANNEL,
    FulfillmentOrderState,
    ShopifyFulfillmentOrder,
    ShopifyStore,
)
from channels_app.shopify.skus import item_for_sku, sku_for
from wms.errors import DomainError
from wms.inventory.models import ChannelAvailability
from wms.orders import services
from wms.orders.models import Order, OrderState, ShipmentParcel
from wms.outbox.inbound import record_inbound, seen

log = logging.getLogger(__name__)

OWNER = "channel:shopify"
FS = FulfillmentOrderState

# Notification kinds (the callback body) → the assignment status whose orders they concern.
KINDS = {
    "FULFILLMENT_REQUEST": "FULFILLMENT_REQUESTED",
    "CANCELLATION_REQUEST": "CANCELLATION_REQUESTED",
}
# Page sizes that keep every listing well under Shopify's 1,000-point single-query limit
# (cost.py): 5 fulfillment orders × (1 + 1 + 2 + 50 line items) + 2 = 272 points; a larger
# fulfillment order's further line items 200 at a time (1 + 2 + 200 = 203 points).
ORDERS_PER_PAGE = 5
LINES_WITH_ORDER = 50
LINES_PER_PAGE = 200


# --- fulfillment requests and cancellation requests ------------------------------------------


def _assigned(api: AdminClient, store: ShopifyStore, status: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        variables: dict[str, Any] = {
            "status": status,
            "after": after,
            "first": ORDERS_PER_PAGE,
            "lines": LINES_WITH_ORDER,
        }
        if store.location_id:
            variables["locationIds"] = [store.location_id]
        reply = api.execute(D.ASSIGNED, variables, operation="AssignedFulfillmentOrders")
        page = reply.data["assignedFulfillmentOrders"]
        for node in page["nodes"]:
            _all_lines(api, node)
            nodes.append(node)
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


def _all_lines(api: AdminClient, node: dict[str, Any]) -> None:
    """Page a large fulfillment order's line items into `node` (lineItems(first:, after:))."""
    lines = node["lineItems"]
    info = lines.get("pageInfo") or {}
    while info.get("hasNextPage"):
        reply = api.execute(
            D.FULFILLMENT_ORDER_LINES,
            {"id": node["id"], "after": info["endCursor"], "lines": LINES_PER_PAGE},
            operation="FulfillmentOrderLines",
        )
        more = (reply.data.get("fulfillmentOrder") or {}).get("lineItems")
        if not more:
            # Never answer a request from part of its lines: accepting would promise too little.
            raise TransportError(
                f"Shopify {api.shop_domain}: fulfillment order {node['id']} listed line items "
                f"after {info['endCursor']} but did not return them; nothing was answered.",
                permanent=True,
            )
        lines["nodes"].extend(more.get("nodes") or [])
        info = more.get("pageInfo") or {}
    lines["pageInfo"] = {"hasNextPage": False, "endCursor": info.get("endCursor")}


def answer_notification(store: ShopifyStore, kind: str | None = None) -> dict[str, Any]:
    """What a fulfillment-order notification (or the poller) answers Shopify.

    A transient failure is raised (the callback answers 503 and Shopify sends it again; the poller
    tries again). A permanent one — a document or an answer Shopify refuses, a revoked token — is
    recorded as an exception with its owner and the notification is acknowledged: Shopify would
    only resend it forever, and nobody would see why."""
    try:
        outcomes = take_fulfillment_requests(store, kind)
    except TransportError as exc:
        if not exc.permanent:
            raise
        found = exceptions.record_failure(store, exc, kind="fulfillment_requests_unlisted")
        log.error("shopify %s: %s (exception %s)", store.shop_domain, exc, found.pk)
        return {"outcomes": {}, "exceptions": [found.pk], "message": str(exc)}
    exceptions.resolve(store, fulfillment_order_id="")  # listing works again
    raised = [int(v.split(":", 1)[1]) for v in outcomes.values() if v.startswith("exception:")]
    return {"outcomes": outcomes, "exceptions": raised}


def answer_open_requests(store: ShopifyStore) -> dict[str, Any]:
    """The poller: requests whose callback was lost, answered as a notification would answer them.

    Shopify notifies our callbackUrl once per request; a notification that never arrives (our
    server down, a network split, Shopify giving up its retries) would leave the order requested
    at Shopify and unknown here. So beat (tasks.poll_requests) and ``manage.py
    shopify_poll_requests`` ask for what is still assigned to us with assignmentStatus
    FULFILLMENT_REQUESTED (and CANCELLATION_REQUESTED) and answer it (idempotent; permanent
    failures become exceptions with owners). Raises only transient errors."""
    return answer_notification(store, None)


def take_fulfillment_requests(store: ShopifyStore, kind: str | None = None) -> dict[str, str]:
    """Fetch the fulfillment orders assigned to us and answer each request (kind None: both)."""
    statuses = [KINDS[kind]] if kind in KINDS else list(KINDS.values())
    outcomes: dict[str, str] = {}
    with client_for(store) as api:
        for status in statuses:
            listed_at = timezone.now()
            for node in _assigned(api, store, status):
                fo = mapping.fulfillment_order_in(node)
                if status == "FULFILLMENT_REQUESTED":
                    with _answering(fo.id):
                        if ShopifyFulfillmentOrder.objects.filter(
                            store=store,
                            fulfillment_order_id=fo.id,
                            state__in=(FS.ACCEPTED, FS.REJECTED),
                            updated_at__gte=listed_at,
                        ).exists():
                            # A concurrent notification answered it after we listed it: Shopify
                            # would refuse a second answer (and this one's other requests).
                            outcomes[fo.id] = "answered"
                            continue
                        outcomes[fo.id] = _answered(store, fo.id, _fulfillment_request, api, fo)
                else:
                    outcomes[fo.id] = _answered(store, fo.id, _cancellation_request, api, fo)
    return outcomes


def _answered(store: ShopifyStore, fo_id: str, answer: Any, *args: Any) -> str:
    """One request answered; a permanent refusal becomes an exception and the others go on."""
    try:
        outcome = str(answer(store, *args))
    except TransportError as exc:
        if not exc.permanent:
            raise
        found = exceptions.record_failure(
            store, exc, kind="request_not_answered", fulfillment_order_id=fo_id
        )
        return f"exception:{found.pk}"
    exceptions.resolve(store, fulfillment_order_id=fo_id)
    return outcome


@contextmanager
def _answering(fulfillment_order_id: str) -> Iterator[None]:
    """One answer at a time per fulfillment order: Shopify notifies once per request, and each
    notification lists every open request, so concurrent notifications list the same ones. A
    session-level advisory lock, taken outside any transaction and held across the answer."""
    if connection.vendor != "postgresql":  # SQLite (make run) takes one writer at a time anyway
        yield
        return
    key = f"shopify:fulfillment_request:{fulfillment_order_id}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [key])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])


def _fulfillment_request(
    store: ShopifyStore, api: AdminClient, fo: mapping.FulfillmentOrderIn
) -> str:
    """Import and reserve, then accept; or reject with why (unknown SKU, address, no stock)."""
    accept, reason, message = _import(store, fo)
    if accept:
        api.mutate(
            D.ACCEPT,
            {"id": fo.id, "message": message[:255]},
            field="fulfillmentOrderAcceptFulfillmentRequest",
        )
        state = FS.ACCEPTED
    else:
        api.mutate(
            D.REJECT,
            {"id": fo.id, "reason": reason, "message": message[:255]},
            field="fulfillmentOrderRejectFulfillmentRequest",
        )
        state = FS.REJECTED
    ShopifyFulfillmentOrder.objects.filter(store=store, fulfillment_order_id=fo.id).update(
        state=state, decision=message, updated_at=timezone.now()
    )
    return str(state)


def _import(store: ShopifyStore, fo: mapping.FulfillmentOrderIn) -> tuple[bool, str, str]:
    """(accept?, Shopify rejection reason, message). Records the fulfillment order either way."""
    row_fields = {
        "shopify_order_id": fo.order_id,
        "order_name": fo.order_name,
        "lines": [
            {
                "id": x.id,
                "sku": x.sku,
                "quantity": x.quantity,
                "inventory_item_id": x.inventory_item_id,
            }
            for x in fo.lines
        ],
    }
    try:
        lines = [
            services.LineIn(item_for_sku(store, x.sku), x.quantity, channel_line_id=x.id)
            for x in fo.lines
        ]
    except UnknownShopifySku as exc:
        _record(store, fo, row_fields, None)
        return False, "INVALID_SKU", exc.message
    if not fo.ship_to:
        _record(store, fo, row_fields, None)
        return False, "INCORRECT_ADDRESS", "The fulfillment order has no destination address."
    try:
        with transaction.atomic():
            imported = services.import_order(
                client=store.client,
                channel=CHANNEL,
                external_id=fo.id,
                ship_to=fo.ship_to,
                service=store.default_service,
                lines=lines,
            )
            _record(store, fo, row_fields, imported.order)
    except DomainError as exc:
        _record(store, fo, row_fields, None)
        reason = "INCORRECT_ADDRESS" if exc.field == "ship_to" else "INELIGIBLE_PRODUCT"
        return False, reason, exc.message
    order = Order.objects.get(pk=imported.order.pk)
    decision = order.decisions.order_by("at", "pk").last()
    why = decision.reason if decision is not None else ""
    if (
        order.state == OrderState.EXCEPTION
        and decision is not None
        and decision.outcome == "refused"
    ):
        # Nothing reservable and the client's policy allows no backorder: say no now, so Shopify
        # can route the order elsewhere, and let the WMS order go.
        message = f"Rejected by policy allow_backorder=False: {why}"
        services.cancel_order(order=order, reason=message, requested_by=OWNER)
        return False, "INVENTORY_OUT_OF_STOCK", message
    if order.state == OrderState.CANCELLED:
        return False, "OTHER", f"Order {fo.order_name or fo.id} was cancelled in the WMS."
    if order.state == OrderState.BACKORDERED:
        return True, "", f"Accepted; backordered by policy allow_backorder=True: {why}"
    return True, "", f"Accepted and reserved: {why}" if why else "Accepted."


def _record(
    store: ShopifyStore,
    fo: mapping.FulfillmentOrderIn,
    fields: dict[str, Any],
    order: Order | None,
) -> None:
    row, created = ShopifyFulfillmentOrder.objects.get_or_create(
        store=store, fulfillment_order_id=fo.id, defaults={**fields, "order": order}
    )
    if not created and order is not None and row.order_id is None:
        ShopifyFulfillmentOrder.objects.filter(pk=row.pk).update(order=order)


def _cancellation_request(
    store: ShopifyStore, api: AdminClient, fo: mapping.FulfillmentOrderIn
) -> str:
    """Judge the request by the client's policy (cancel_order), then accept or reject it."""
    row = (
        ShopifyFulfillmentOrder.objects.filter(store=store, fulfillment_order_id=fo.id)
        .select_related("order")
        .first()
    )
    if row is None or row.order is None:
        accept, message = True, "Nothing of this fulfillment order is held in the warehouse."
    else:
        decision = services.cancel_order(
            order=row.order, reason="Shopify cancellation request", requested_by=OWNER
        )
        accept, message = decision.outcome in ("applied", "already"), decision.message
    if accept:
        api.mutate(
            D.ACCEPT_CANCELLATION,
            {"id": fo.id, "message": message[:255]},
            field="fulfillmentOrderAcceptCancellationRequest",
        )
        state = FS.CANCELLATION_ACCEPTED
    else:
        api.mutate(
            D.REJECT_CANCELLATION,
            {"id": fo.id, "message": message[:255]},
            field="fulfillmentOrderRejectCancellationRequest",
        )
        state = FS.CANCELLATION_REJECTED
    if row is not None:
        ShopifyFulfillmentOrder.objects.filter(pk=row.pk).update(
            state=state, decision=message, updated_at=timezone.now()
        )
    return str(state)


# --- callbacks Shopify makes to us ---------------------------------------------------------------


def fetch_stock(store: ShopifyStore, sku: str | None = None) -> dict[str, int]:
    """What we publish to channel shopify (ATP after buffers, caps and shares), per Shopify SKU."""
    rows = ChannelAvailability.objects.filter(
        client_id=store.client_id, channel=CHANNEL
    ).select_related("item")
    stock = {sku_for(store, r.item): max(0, int(r.quantity)) for r in rows}
    if sku:
        return {sku: stock.get(sku, 0)}
    return stock


def fetch_tracking_numbers(store: ShopifyStore, names: list[str]) -> dict[str, str]:
    """{fulfillment name: tracking number} for the names Shopify asks about ("#1001.1").

    Shopify asks by the fulfillment's name (Shopify's own client of this callback documents
    ``order_names`` as "The fulfillment names we require tracking numbers for (i.e. #1001.1)"),
    and reads one tracking number per name. We store the name fulfillmentCreate answered with
    (``fulfillment_name``) and answer from it exactly, the first parcel's number; a name that is
    not one of our fulfillments (another location's, or one we never created) is left out, and
    Shopify then keeps what it has."""
    rows = ShopifyFulfillmentOrder.objects.filter(
        store=store, fulfillment_name__in=[n for n in names if n], order__isnull=False
    ).order_by("pk")
    found: dict[str, str] = {}
    for row in rows:
        numbers = _tracking_of(row)
        if numbers:
            found.setdefault(row.fulfillment_name, numbers[0])
    return found


def _tracking_of(row: ShopifyFulfillmentOrder) -> list[str]:
    numbers = [str(t.get("number")) for t in row.tracking or [] if t.get("number")]
    if numbers or row.order_id is None:
        return numbers
    return [
        n
        for n in ShipmentParcel.objects.filter(shipment__order_id=row.order_id)
        .order_by("pk")
        .values_list("tracking_number", flat=True)
        if n
    ]


# --- webhooks ------------------------------------------------------------------------------------


def handle_webhook(
    store: ShopifyStore, *, topic: str, webhook_id: str, payload: dict[str, Any]
) -> str:
    """Apply a verified webhook once per X-Shopify-Webhook-Id (the outbox's inbound dedupe)."""
    source = f"shopify:{store.pk}:webhook"
    if seen(source=source, external_id=webhook_id):
        return "duplicate"
    if topic.startswith("fulfillment_orders/"):
        # A nudge: what is requested is read from Shopify (the same as a callback), which is
        # idempotent, so the id is recorded after the work.
        if store.active:
            answer_notification(store)
        return "applied" if record_inbound(source=source, external_id=webhook_id) else "duplicate"
    with transaction.atomic():
        if not record_inbound(source=source, external_id=webhook_id):
            return "duplicate"
        if topic == "orders/cancelled":
            return _order_cancelled(store, payload)
        if topic == "app/uninstalled":
            ShopifyStore.objects.filter(pk=store.pk).update(
                active=False, uninstalled_at=timezone.now()
            )
            return "store deactivated"
        # orders/create: noted; the order is imported when its fulfillment request arrives.
        return "noted"


def _order_cancelled(store: ShopifyStore, payload: dict[str, Any]) -> str:
    order_gid = str(payload.get("admin_graphql_api_id") or "")
    if not order_gid and payload.get("id"):
        order_gid = f"gid://shopify/Order/{payload['id']}"
    outcomes = []
    for row in ShopifyFulfillmentOrder.objects.filter(
        store=store, shopify_order_id=order_gid, order__isnull=False
    ).select_related("order"):
        assert row.order is not None
        decision = services.cancel_order(
            order=row.order,
            reason=f"Shopify order cancelled ({payload.get('cancel_reason') or 'no reason given'})",
            requested_by=OWNER,
        )
        outcomes.append(decision.outcome)
    return ",".join(outcomes) or "no order held"

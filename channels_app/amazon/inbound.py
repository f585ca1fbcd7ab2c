"""What Amazon tells us: its orders into the WMS (getOrders poll + ORDER_CHANGE notifications),
and which of our items an Amazon SKU names. Ship confirmations (outbound) are in shipments.py.

Every domain change goes through the wms order services (import_order, cancel_order,
change_address), so the client's authority policy judges a cancel or address change and the
decision lands on the order's history. Amazon calls happen before the database transaction that
applies what they returned; a failed call changes nothing here and the outbox retries it.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_app.amazon import mapping, tokens, wire
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.errors import TransportError, UnknownAmazonSku
from channels_app.amazon.models import AmazonException, AmazonIntegration, AmazonOrder
from wms.catalog.models import Identifier, IdentifierKind, Item
from wms.errors import DomainError
from wms.orders import services
from wms.orders.models import CarrierService, Order
from wms.outbox.inbound import record_inbound, seen

OWNER = "channel:amazon"
NEVER_APPLIED = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # a row claimed, not yet applied


def notification_source(integration: AmazonIntegration) -> str:
    """Where an ORDER_CHANGE notification's id is recorded (wms_inbound_message, the outbox's
    one inbound dedupe)."""
    return f"amazon:{integration.pk}:ORDER_CHANGE"


@dataclass
class ImportResult:
    outcomes: dict[str, str] = field(default_factory=dict)  # AmazonOrderId → what happened
    pages: int = 0
    synced_through: dt.datetime | None = None
    rate_limit: float | None = None
    more: bool = False  # stopped at its time budget; the saved paging says where to go on

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes.values() if o == outcome)


def item_for_msku(integration: AmazonIntegration, msku: str) -> Item:
    """The item an Amazon MSKU names: its amazon channel SKU, else our own SKU."""
    found = (
        Identifier.objects.filter(
            client_id=integration.client_id,
            kind=IdentifierKind.CHANNEL_SKU,
            channel="amazon",
            value=msku,
        )
        .select_related("item")
        .first()
    )
    if found is not None:
        return found.item
    item = Item.objects.filter(client_id=integration.client_id, sku=msku).first()
    if item is None:
        raise UnknownAmazonSku(
            f"Amazon SKU {msku} matches no item of this client: add it to the item master "
            "(or as its Amazon channel SKU), then the order imports on the next poll."
        )
    return item


def msku_for(integration: AmazonIntegration, item: Item) -> str:
    value = (
        Identifier.objects.filter(item=item, kind=IdentifierKind.CHANNEL_SKU, channel="amazon")
        .values_list("value", flat=True)
        .first()
    )
    return value or item.sku


def _service(integration: AmazonIntegration, category: str) -> CarrierService:
    code = integration.service_map.get(category)
    if code:
        found = CarrierService.objects.filter(code=code).first()
        if found is not None:
            return found
    return integration.default_service


def _all_items(
    api: SpApiClient, amazon_order_id: str, patience: float = 0.0
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        reply = api.call(
            "GET",
            f"/orders/v0/orders/{amazon_order_id}/orderItems",
            operation="getOrderItems",
            params={"NextToken": token},
            patience=patience,
        )
        payload = reply.body["payload"]
        items.extend(payload["OrderItems"])
        token = payload.get("NextToken")
        if not token:
            return items


def _apply(
    integration: AmazonIntegration,
    api: SpApiClient,
    order: dict[str, Any],
    *,
    notification_id: str | None = None,
    patience: float = 0.0,
) -> str:
    """Bring one Amazon order's latest state into the WMS; says what it did."""
    amazon_id = order["AmazonOrderId"]
    last_update = mapping.parse_time(order["LastUpdateDate"])
    row = AmazonOrder.objects.filter(integration=integration, amazon_order_id=amazon_id).first()
    if row is not None and row.last_update_date >= last_update:
        return "unchanged"
    if order["OrderStatus"] in mapping.NOT_YET:
        return "pending"  # imported once payment clears and Amazon releases the address
    items = _all_items(api, amazon_id, patience) if row is None or row.order_id is None else []
    incoming = mapping.order_in(order, items)
    with transaction.atomic():
        if notification_id is not None and not record_inbound(
            source=notification_source(integration), external_id=notification_id
        ):
            return "duplicate"  # a concurrent delivery of the same notification applied it
        # Claim the order's row before deciding: a concurrent poll or notification for the same
        # order waits on this insert until we commit, then finds it applied. (Without the claim
        # both imported it, and the second failed on the unique constraint, aborting its poll.)
        AmazonOrder.objects.bulk_create(
            [
                AmazonOrder(
                    integration=integration,
                    amazon_order_id=amazon_id,
                    status="",
                    last_update_date=NEVER_APPLIED,
                )
            ],
            ignore_conflicts=True,
        )
        row = AmazonOrder.objects.select_for_update().get(
            integration=integration, amazon_order_id=amazon_id
        )
        if row.last_update_date >= last_update:
            return "unchanged"  # a concurrent poll or notification got here first
        outcome = _decide(integration, row, incoming)
        row.status = incoming.status
        row.last_update_date = last_update
        row.save()
    return outcome


def _decide(
    integration: AmazonIntegration, row: AmazonOrder, incoming: mapping.AmazonOrderIn
) -> str:
    wms_order = Order.objects.filter(pk=row.order_id).first() if row.order_id else None
    if incoming.status == "Canceled":
        if wms_order is None:
            return "cancelled_before_import"
        decision = services.cancel_order(
            order=wms_order, reason="Cancelled on Amazon", requested_by=OWNER
        )
        return f"cancel_{decision.outcome}"
    if wms_order is None:
        if incoming.status not in mapping.OPEN or incoming.ship_to is None:
            return "ignored"
        imported = services.import_order(
            client=integration.client,
            channel="amazon",
            external_id=incoming.amazon_order_id,
            ship_to=incoming.ship_to,
            service=_service(integration, incoming.service_category),
            lines=[
                services.LineIn(
                    item=item_for_msku(integration, line.msku),
                    quantity=line.quantity,
                    channel_line_id=line.order_item_id,
                )
                for line in incoming.lines
            ],
            ship_by=incoming.ship_by,
            deliver_by=incoming.deliver_by,
        )
        row.order = imported.order
        return "imported" if imported.created else "already_imported"
    if incoming.ship_to is not None:
        ours = {
            f: getattr(wms_order, f"ship_to_{f}")
            for f in ("name", "line1", "line2", "city", "region", "postal_code", "country")
        }
        if not mapping.same_address(ours, incoming.ship_to):
            decision = services.change_address(
                order=wms_order, ship_to=incoming.ship_to, requested_by=OWNER
            )
            return f"address_{decision.outcome}"
    return "updated"


def import_orders(
    integration: AmazonIntegration,
    since: dt.datetime | None = None,
    *,
    api: SpApiClient | None = None,
    budget: float | None = None,
) -> ImportResult:
    """Poll getOrders by LastUpdatedAfter, every page, and apply each order; moves the cursor on.

    The window being paged (its LastUpdatedAfter, the NextToken of the page to fetch next, the
    newest LastUpdateDate applied) is saved after every page, so a poll that fails or is throttled
    half-way through a backlog resumes at its page on the next try instead of at page 1. A
    NextToken Amazon no longer accepts (they expire) restarts the same window from its start:
    orders already applied are recognised by their AmazonOrderId and LastUpdateDate and cost
    nothing, so no order is lost and none is imported twice. ``since`` starts a new window.

    ``budget`` (seconds) bounds one call: past it the poll stops before its next order, leaves
    the paging saved, and says ``more`` — a backlog of thousands at Amazon's rate takes hours,
    and a Celery task should not hold a worker (or the poll lock) that long.
    """
    deadline = None if budget is None else time.monotonic() + budget
    paging = dict(integration.orders_paging or {}) if since is None else {}
    if paging.get("after"):
        window = _Window.load(paging)
    else:
        start = since or integration.orders_synced_through or timezone.now() - dt.timedelta(days=1)
        window = _Window(after=start, newest=start)
        _save_paging(integration, window)
    result = ImportResult()
    patience = settings.AMAZON_POLL_PATIENCE
    with api or client_for(integration) as client:
        restarted = False
        while True:
            params: dict[str, Any] = {"MarketplaceIds": integration.marketplace_ids}
            if window.token:
                params["NextToken"] = window.token
            else:
                params |= {
                    "LastUpdatedAfter": mapping.iso(window.after),
                    "FulfillmentChannels": ["MFN"],
                }
            try:
                reply = client.call(
                    "GET",
                    "/orders/v0/orders",
                    operation="getOrders",
                    params=params,
                    patience=patience,
                    pii=tokens.ORDER_PII,
                )
            except TransportError as exc:
                if window.token and exc.status == 400 and not restarted:
                    # Amazon no longer takes this NextToken (expired): page the window again.
                    restarted = True
                    window.token = None
                    _save_paging(integration, window)
                    continue
                raise
            result.pages += 1
            restarted = restarted and not window.token  # a token taken again: may restart again
            payload = reply.body["payload"]
            for order in payload["Orders"]:
                if deadline is not None and time.monotonic() > deadline:
                    # The saved paging still points at this page: the orders of it applied so
                    # far are recognised and skipped when the next call fetches it again.
                    result.more = True
                    result.rate_limit = client.last_rate_limit
                    return result
                updated = mapping.parse_time(order["LastUpdateDate"])
                try:
                    result.outcomes[order["AmazonOrderId"]] = _apply(
                        integration, client, order, patience=patience
                    )
                except DomainError as exc:
                    result.outcomes[order["AmazonOrderId"]] = f"refused: {exc.message}"
                    _import_refused(integration, order["AmazonOrderId"], exc.message)
                    window.held_back = min(window.held_back or updated, updated)
                window.newest = max(window.newest, updated)
            window.token = payload.get("NextToken")
            if not window.token:
                break
            _save_paging(integration, window)
        result.rate_limit = client.last_rate_limit
    newest = window.newest
    if window.held_back is not None:
        # A refused order is polled again (after the item master is fixed): the cursor waits for it.
        newest = min(newest, window.held_back - dt.timedelta(microseconds=1))
    # Only forward: a slow poll finishing after a newer one must not move the cursor back.
    AmazonIntegration.objects.filter(pk=integration.pk).exclude(
        orders_synced_through__gte=newest
    ).update(orders_synced_through=newest)
    AmazonIntegration.objects.filter(pk=integration.pk).update(orders_paging={})
    integration.orders_paging = {}
    result.synced_through = newest
    return result


@dataclass
class _Window:
    """One getOrders window being paged, as saved in ``AmazonIntegration.orders_paging``."""

    after: dt.datetime
    newest: dt.datetime
    token: str | None = None
    held_back: dt.datetime | None = None

    @classmethod
    def load(cls, saved: dict[str, Any]) -> _Window:
        held = saved.get("held_back")
        return cls(
            after=mapping.parse_time(saved["after"]),
            newest=mapping.parse_time(saved["newest"]),
            token=saved.get("token") or None,
            held_back=mapping.parse_time(held) if held else None,
        )

    def dump(self) -> dict[str, Any]:
        return {
            "after": self.after.isoformat(),
            "newest": self.newest.isoformat(),
            "token": self.token or "",
            "held_back": self.held_back.isoformat() if self.held_back else None,
            "saved_at": timezone.now().isoformat(),
        }


def _save_paging(integration: AmazonIntegration, window: _Window) -> None:
    saved = window.dump()
    AmazonIntegration.objects.filter(pk=integration.pk).update(orders_paging=saved)
    integration.orders_paging = saved


def _import_refused(integration: AmazonIntegration, amazon_order_id: str, message: str) -> None:
    open_one = AmazonException.objects.filter(
        integration=integration,
        kind="order_refused",
        evidence__amazon_order_id=amazon_order_id,
        resolved_at=None,
    )
    if not open_one.exists():
        AmazonException.objects.create(
            integration=integration,
            kind="order_refused",
            evidence={"amazon_order_id": amazon_order_id},
            detail=f"Amazon order {amazon_order_id} could not be imported: {message}",
            owner="client services",
        )


def handle_notification(
    integration: AmazonIntegration,
    payload: dict[str, Any],
    *,
    api: SpApiClient | None = None,
) -> str:
    """One ORDER_CHANGE notification: dedupe by id, ignore it if out of date, else re-fetch.

    The notification only says *that* the order changed; the order as Amazon has it now is
    fetched and applied, so a late or reordered notification can never roll an order back.
    Its id is recorded in the transaction that applies it (``record_inbound``): a failure rolls
    the record back with the change, and the redelivered notification is handled again.
    """
    if settings.AMAZON_VALIDATE_WIRE:
        wire.validate_document("order_change_notification", payload)
    change = mapping.order_change(payload)
    source = notification_source(integration)
    if seen(source=source, external_id=change.notification_id):
        return "duplicate"  # a repeat costs no Amazon call
    row = AmazonOrder.objects.filter(
        integration=integration, amazon_order_id=change.amazon_order_id
    ).first()
    if row is not None and row.last_update_date >= change.changed_at:
        record_inbound(source=source, external_id=change.notification_id)
        return "out_of_date"
    with api or client_for(integration) as client:
        reply = client.call(
            "GET",
            f"/orders/v0/orders/{change.amazon_order_id}",
            operation="getOrder",
            pii=tokens.ORDER_PII,
        )
        outcome = _apply(
            integration, client, reply.body["payload"], notification_id=change.notification_id
        )
    if outcome in ("unchanged", "pending"):
        record_inbound(source=source, external_id=change.notification_id)
    return outcome

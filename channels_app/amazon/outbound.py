"""Amazon as an outbox destination (``amazon:<integration id>``): who must hear what, and the
handler the delivery worker calls.

Routed to Amazon:
- availability of channel ``amazon`` for a client with an active integration — one coalesced row
  per listing (wms/outbox/queue.py), sent as ``patchListingsItem``;
- ``order_shipped`` of an order imported from that integration — ``confirmShipment`` with the
  carrier, tracking and shipped order items.
Amazon has no call for the other order events (accepted, delivered: it learns delivery from the
carrier; a cancel is Amazon's own request to us), so they are not routed.

The router runs inside the scan's or order verb's transaction: one indexed lookup, and none at
all for a fact of another channel. The handler loads what it needs, calls the adapter with the
message's idempotency key, and lets every SP-API request take a token from the seller's bucket
for that operation (``throttle.SellerThrottle``); ``TransportError``/``RateLimited`` go to the
worker as they are (channels_app/errors.py), a ``DomainError`` becomes a permanent one with its
message (a person must fix the item master or the integration, then retry the message).
"""

from __future__ import annotations

import logging

from channels_app.amazon import adapter
from channels_app.amazon.client import SpApiClient, client_for
from channels_app.amazon.models import AmazonIntegration, AmazonOrder
from channels_app.amazon.throttle import SellerThrottle
from channels_app.errors import TransportError
from channels_app.outbox.handlers import Delivery
from wms.catalog.models import Item
from wms.errors import DomainError
from wms.orders.models import Event, Shipment
from wms.outbox import routing

log = logging.getLogger(__name__)

HANDLER = "amazon"
CHANNEL = "amazon"
SHIPPED = "order_shipped"


def destination(integration_id: int) -> str:
    return f"{HANDLER}:{integration_id}"


def route(fact: routing.Outbound) -> list[str]:
    if fact.channel != CHANNEL:
        return []
    if fact.kind == routing.AVAILABILITY:
        integrations = AmazonIntegration.objects.filter(client_id=fact.client_id, active=True)
        return [destination(pk) for pk in integrations.values_list("pk", flat=True)]
    if fact.kind == SHIPPED and fact.order_id is not None:
        orders = AmazonOrder.objects.filter(order_id=fact.order_id, integration__active=True)
        return [destination(pk) for pk in orders.values_list("integration_id", flat=True)]
    return []


def _integration(target: str) -> AmazonIntegration:
    integration = (
        AmazonIntegration.objects.filter(pk=int(target)).first() if target.isdigit() else None
    )
    if integration is None or not integration.active:
        raise TransportError(
            f"Amazon integration {target} does not exist or is inactive; activate it in the back "
            "office (Amazon integrations) and retry the message.",
            permanent=True,
        )
    return integration


def send(delivery: Delivery) -> None:
    integration = _integration(delivery.target)
    throttle = SellerThrottle(integration.seller_id)
    try:
        with client_for(integration, throttle=throttle) as api:
            if delivery.kind == routing.AVAILABILITY:
                _availability(integration, delivery, api)
            elif delivery.kind == SHIPPED:
                _shipment(integration, delivery, api)
            else:
                raise TransportError(
                    f"Amazon has no call for {delivery.kind!r}; correct the route.", permanent=True
                )
    except DomainError as exc:
        raise TransportError(exc.message, permanent=True) from exc


def _availability(integration: AmazonIntegration, delivery: Delivery, api: SpApiClient) -> None:
    item = Item.objects.only("sku").get(pk=delivery.payload["item_id"])
    pushed = adapter.push_availability(
        integration,
        [(item.sku, int(delivery.payload["quantity"]))],
        delivery.idempotency_key,
        api=api,
    )
    # A listing Amazon refuses (unknown SKU) is an AmazonException for client services, opened
    # by the adapter; retrying the same quantity would be refused again.
    if pushed.rejected:
        log.warning("amazon: %s refused: %s", item.sku, pushed.rejected)


def _shipment(integration: AmazonIntegration, delivery: Delivery, api: SpApiClient) -> None:
    event = Event.objects.only("order_id", "payload").get(pk=delivery.payload["event"])
    # The shipment this event announced, by its cartons' tracking numbers: an order that leaves
    # in several shipments confirms each one's cartons only.
    tracking = [p.get("tracking") for p in event.payload.get("parcels", []) if p.get("tracking")]
    shipment = None
    if event.order_id is not None:
        shipments = Shipment.objects.filter(order_id=event.order_id).select_related(
            "order", "service"
        )
        mine = shipments.filter(parcels__tracking_number__in=tracking) if tracking else shipments
        shipment = mine.order_by("-pk").first() or shipments.order_by("-pk").first()
    if shipment is None:
        raise TransportError(
            f"Order {delivery.payload.get('order')} has no shipment to confirm.", permanent=True
        )
    done = adapter.confirm_shipment(
        integration,
        shipment,
        delivery.idempotency_key,
        api=api,
    )
    log.info("amazon: %s", done.message)

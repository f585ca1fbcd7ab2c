"""The outbox router and handler for Shopify stores (destination ``shopify:<store id>``).

The router runs inside the domain transaction (one indexed lookup, and only for the facts Shopify
must hear): an ``order_shipped`` or a ``return_disposition`` (returns.py) of an order that came from
one of our stores' fulfillment orders, and availability of channel shopify for a client with an
active, registered store. The
handler is called at least once per content, always with the same idempotency key.
"""

from __future__ import annotations

from channels_app.outbox.handlers import Delivery
from channels_app.shopify import adapter, returns
from channels_app.shopify.errors import TransportError
from channels_app.shopify.models import ShopifyFulfillmentOrder, ShopifyStore
from wms.outbox import routing

HANDLER = "shopify"
SHIPPED = "order_shipped"


def route(fact: routing.Outbound) -> list[str]:
    if fact.channel != adapter.CHANNEL:
        return []
    if fact.kind == SHIPPED and fact.order_id is not None:
        stores = list(
            ShopifyFulfillmentOrder.objects.filter(
                order_id=fact.order_id, store__active=True
            ).values_list("store_id", flat=True)
        )
    elif fact.kind == returns.KIND and fact.order_id is not None:
        # A graded return of an order one of our stores asked us to fulfil (returns.py).
        stores = list(
            ShopifyFulfillmentOrder.objects.filter(
                order_id=fact.order_id, store__active=True
            ).values_list("store_id", flat=True)
        )
    elif fact.kind == routing.AVAILABILITY:
        stores = list(
            ShopifyStore.objects.filter(client_id=fact.client_id, active=True)
            .exclude(location_id="")
            .values_list("pk", flat=True)
        )
    else:
        return []
    return [f"{HANDLER}:{pk}" for pk in stores]


def send(delivery: Delivery) -> None:
    store = ShopifyStore.objects.filter(pk=int(delivery.target)).first()
    if store is None or not store.active:
        raise TransportError(
            f"Shopify store {delivery.target} is gone or uninstalled; nothing can be delivered to "
            "it. Reinstall the app (the store is reactivated) and retry the message.",
            permanent=True,
        )
    if delivery.kind == SHIPPED:
        adapter.create_fulfillment(store, event_id=int(delivery.payload["event"]))
    elif delivery.kind == routing.AVAILABILITY:
        payload = delivery.payload
        adapter.push_availability(
            store,
            item_id=int(payload["item_id"]),
            quantity=int(payload["quantity"]),
            idempotency_key=delivery.idempotency_key,
            reference=f"gid://touchline-wms/AvailabilityEvent/{payload['availability_event']}",
        )
    elif delivery.kind == returns.KIND:
        adapter.announce_disposition(store, event_id=int(delivery.payload["event"]))
    else:
        raise TransportError(
            f"The Shopify handler does not send {delivery.kind!r}; correct the router.",
            permanent=True,
        )

"""Connecting a store: our fulfillment service (registered, or registered again) and the webhooks.

    register_service(store)    → Registered   (create, update, or create again after a reinstall)
    register_fulfillment_service(store) → store (the same, the store back with its ids)
    register_and_sync(store)   → (Registered, Synced)   registration publishes every SKU once
    subscribe_webhooks(store)  → Subscribed   (lists what exists first; creates only what is missing)
    go_live(store)             → WentLive     all three, in that order
    registered_stores()        → [store]      active and registered (what beat polls, reconciles)

Both are safe to run any number of times. The back office (admin actions), the management command
``shopify_store`` and the rehearsal call these, never Shopify directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse

from channels_app.shopify import documents as D
from channels_app.shopify import live_documents as L
from channels_app.shopify.client import AdminClient, client_for
from channels_app.shopify.models import ShopifyInventoryItem, ShopifyStore

# The topics the app needs (inbound.handle_webhook): an order cancelled at Shopify is a request we
# judge; an uninstall stops deliveries; fulfillment-order events nudge the fulfillment-request
# import when a callback was lost.
TOPICS = (
    "APP_UNINSTALLED",
    "ORDERS_CANCELLED",
    "FULFILLMENT_ORDERS_FULFILLMENT_REQUEST_SUBMITTED",
    "FULFILLMENT_ORDERS_CANCELLATION_REQUEST_SUBMITTED",
)


Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass
class Registered:
    action: str  # "created", "recreated" (ours was deleted), "adopted", "updated", "unchanged"
    service_id: str
    location_id: str
    message: str


@dataclass
class Subscribed:
    uri: str
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        made = ", ".join(self.created) or "none"
        return f"Webhooks to {self.uri}: created {made}; {len(self.existing)} already subscribed."


def callback_url(store: ShopifyStore) -> str:
    """Shopify appends /fulfillment_order_notification, /fetch_stock, /fetch_tracking_numbers."""
    return f"{settings.SHOPIFY_CALLBACK_BASE_URL.rstrip('/')}/channels/shopify/callbacks/{store.pk}"


def webhook_uri() -> str:
    return f"{settings.SHOPIFY_CALLBACK_BASE_URL.rstrip('/')}{reverse('shopify:webhooks')}"


def _service_fields(service: dict[str, Any]) -> tuple[str, str]:
    return str(service["id"]), str((service.get("location") or {}).get("id") or "")


def register_service(store: ShopifyStore) -> Registered:
    """Our fulfillment service at Shopify, with today's name and callback URL.

    A stored id Shopify still knows is updated (fulfillmentServiceUpdate) when its name or callback
    URL changed. A stored id Shopify no longer knows (the app was uninstalled: Shopify deletes what
    the app created) is forgotten, and a service of ours found by name is adopted; otherwise one is
    created (fulfillmentServiceCreate), with a new location. A new location holds none of our
    stock yet: the caller runs the go-live stock sync (stock.sync_stock) after a new location.
    """
    url = callback_url(store)
    with client_for(store) as api:
        known = _known(api, store)
        if known is None:
            known = _by_name(api, store)
            if known is not None:
                # Ours by name, but not by our record (a registration whose answer was lost).
                action = "adopted"
            else:
                payload = api.mutate(
                    D.REGISTER,
                    {"name": store.service_name, "callbackUrl": url},
                    field="fulfillmentServiceCreate",
                )
                known = payload["fulfillmentService"]
                action = "recreated" if store.fulfillment_service_id else "created"
        else:
            action = "unchanged"
        assert known is not None
        if known.get("callbackUrl") != url or known.get("serviceName") != store.service_name:
            payload = api.mutate(
                L.UPDATE_SERVICE,
                {"id": known["id"], "name": store.service_name, "callbackUrl": url},
                field="fulfillmentServiceUpdate",
            )
            known = payload["fulfillmentService"]
            action = "updated" if action == "unchanged" else action
    service_id, location_id = _service_fields(known)
    if location_id != store.location_id:
        # Another location: what Shopify believed at the old one says nothing about this one.
        ShopifyInventoryItem.objects.filter(store=store).update(known_quantity=None)
    ShopifyStore.objects.filter(pk=store.pk).update(
        fulfillment_service_id=service_id,
        location_id=location_id,
        active=True,
        uninstalled_at=None,
    )
    store.refresh_from_db()
    return Registered(
        action=action,
        service_id=service_id,
        location_id=location_id,
        message=(
            f"Fulfillment service {store.service_name!r} {action} at {store.shop_domain} "
            f"({service_id}, location {location_id}); callbacks to {url}."
        ),
    )


def registered_stores() -> list[ShopifyStore]:
    """Active stores our fulfillment service is registered with (a location to be assigned to)."""
    return list(
        ShopifyStore.objects.filter(active=True)
        .exclude(location_id="")
        .select_related("client")
        .order_by("pk")
    )


def register_fulfillment_service(store: ShopifyStore) -> ShopifyStore:
    """``register_service`` for callers that want the store back with its ids (refreshed)."""
    register_service(store)
    return store


def _known(api: AdminClient, store: ShopifyStore) -> dict[str, Any] | None:
    if not store.fulfillment_service_id:
        return None
    reply = api.execute(
        L.SERVICE, {"id": store.fulfillment_service_id}, operation="OurFulfillmentService", cost=2
    )
    found = reply.data.get("fulfillmentService")
    return found if isinstance(found, dict) else None


def _by_name(api: AdminClient, store: ShopifyStore) -> dict[str, Any] | None:
    reply = api.execute(L.SERVICES, {}, operation="ShopFulfillmentServices", cost=10)
    for service in (reply.data.get("shop") or {}).get("fulfillmentServices") or []:
        if service.get("serviceName") == store.service_name:
            return dict(service)
    return None


def subscribe_webhooks(store: ShopifyStore) -> Subscribed:
    """webhookSubscriptionCreate for each topic the app needs that is not subscribed to our URI."""
    uri = webhook_uri()
    result = Subscribed(uri=uri)
    with client_for(store) as api:
        have = {(s["topic"], s["uri"]) for s in _subscriptions(api)}
        for topic in TOPICS:
            if (topic, uri) in have:
                result.existing.append(topic)
                continue
            api.mutate(L.SUBSCRIBE, {"topic": topic, "uri": uri}, field="webhookSubscriptionCreate")
            result.created.append(topic)
    ShopifyStore.objects.filter(pk=store.pk).update(uninstalled_at=None)
    return result


def _subscriptions(api: AdminClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after: str | None = None
    while True:
        reply = api.execute(L.WEBHOOKS, {"after": after}, operation="WebhookSubscriptions", cost=52)
        page = reply.data["webhookSubscriptions"]
        found.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


@dataclass
class WentLive:
    registered: Registered
    subscribed: Subscribed
    synced: Any  # stock.Synced

    @property
    def message(self) -> str:
        return " ".join((self.registered.message, self.subscribed.message, self.synced.message))


def register_and_sync(store: ShopifyStore, progress: Progress = _quiet) -> tuple[Registered, Any]:
    """Register (or register again), then publish every SKU's quantity once: a new location holds
    nothing until we set it, and a SKU whose stock never moves would otherwise stay at 0."""
    from channels_app.shopify import stock

    registered = register_service(store)
    progress(registered.message)
    store.refresh_from_db()
    synced = stock.sync_stock(store, progress)
    progress(f"Stock sync: {synced.message}")
    return registered, synced


def go_live(store: ShopifyStore, progress: Progress = _quiet) -> WentLive:
    """Everything a store needs to take orders: the service, the webhooks, every SKU's quantity."""
    registered, synced = register_and_sync(store, progress)
    subscribed = subscribe_webhooks(store)
    progress(subscribed.message)
    return WentLive(registered, subscribed, synced)

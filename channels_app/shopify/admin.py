"""Back office: Shopify stores (connect, sync, reconcile), the fulfillment orders we answered,
and the exceptions a person must act on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from channels_app.errors import TransportError
from channels_app.shopify import adapter
from channels_app.shopify.errors import ShopifyNotConfigured
from channels_app.shopify.models import (
    ShopifyException,
    ShopifyFulfillmentOrder,
    ShopifyInventoryItem,
    ShopifyReconciliationLine,
    ShopifyStore,
)


@admin.register(ShopifyStore)
class ShopifyStoreAdmin(admin.ModelAdmin[ShopifyStore]):
    list_display = (
        "shop_domain",
        "client",
        "api_version",
        "location_id",
        "reconcile_tolerance",
        "active",
    )
    list_filter = ("active",)
    # A store becomes active through "Go live" / "Register" (which publish every SKU's quantity
    # once) and inactive through Shopify's app/uninstalled webhook, never by a ticked box.
    readonly_fields = ("active", "fulfillment_service_id", "location_id", "uninstalled_at")
    actions = ["go_live", "register", "subscribe_webhooks", "sync_stock", "reconcile"]

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[ShopifyStore],
        what: str,
        call: Callable[[ShopifyStore, Callable[[str], None]], Any],
    ) -> None:
        """Run `call` per store; its progress and its result (or why it failed) as messages."""
        for store in queryset.order_by("pk"):
            steps: list[str] = []
            try:
                result = call(store, steps.append)
            except (TransportError, ShopifyNotConfigured) as exc:
                self.message_user(
                    request, f"{what} {store.shop_domain} failed: {exc}", messages.ERROR
                )
                continue
            done = " → ".join(steps[-3:])
            self.message_user(
                request,
                f"{what} {store.shop_domain}: {result}" + (f" (steps: {done})" if done else ""),
                messages.SUCCESS,
            )

    @admin.action(description="Go live: register, sync every SKU, subscribe webhooks")
    def go_live(self, request: HttpRequest, queryset: QuerySet[ShopifyStore]) -> None:
        self._each(request, queryset, "Go live", lambda s, p: adapter.go_live(s, p).message)

    @admin.action(description="Register / re-register the fulfillment service (then sync stock)")
    def register(self, request: HttpRequest, queryset: QuerySet[ShopifyStore]) -> None:
        def run(store: ShopifyStore, progress: Callable[[str], None]) -> str:
            registered, synced = adapter.register_and_sync(store, progress)
            return f"{registered.message} Stock: {synced.message}"

        self._each(request, queryset, "Register", run)

    @admin.action(description="Subscribe the webhooks the app needs")
    def subscribe_webhooks(self, request: HttpRequest, queryset: QuerySet[ShopifyStore]) -> None:
        self._each(
            request, queryset, "Webhooks", lambda s, _p: adapter.subscribe_webhooks(s).message
        )

    @admin.action(description="Sync stock now (every SKU's quantity)")
    def sync_stock(self, request: HttpRequest, queryset: QuerySet[ShopifyStore]) -> None:
        self._each(request, queryset, "Stock sync", lambda s, p: adapter.sync_stock(s, p).message)

    @admin.action(description="Reconcile now (Shopify's quantities against our ATP)")
    def reconcile(self, request: HttpRequest, queryset: QuerySet[ShopifyStore]) -> None:
        self._each(request, queryset, "Reconcile", lambda s, p: adapter.reconcile(s, p).message)


@admin.register(ShopifyException)
class ShopifyExceptionAdmin(admin.ModelAdmin[ShopifyException]):
    """What went wrong with Shopify, with its owner (exceptions.py, stock.py, returns.py)."""

    list_display = (
        "kind",
        "store",
        "fulfillment_order_id",
        "sku",
        "owner",
        "seen_at",
        "resolved_at",
    )
    list_filter = ("kind", "owner", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("fulfillment_order_id", "sku", "detail")
    readonly_fields = (
        "store",
        "kind",
        "fulfillment_order_id",
        "sku",
        "item",
        "detail",
        "codes",
        "evidence",
        "policy",
        "owner",
        "created_at",
        "seen_at",
    )
    actions = ["resolve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Mark resolved (the difference is explained or corrected)")
    def resolve(self, request: HttpRequest, queryset: QuerySet[ShopifyException]) -> None:
        n = queryset.filter(resolved_at=None).update(resolved_at=timezone.now())
        self.message_user(request, f"{n} exception(s) resolved.")


@admin.register(ShopifyReconciliationLine)
class ShopifyReconciliationLineAdmin(admin.ModelAdmin[ShopifyReconciliationLine]):
    list_display = ("sku", "store", "shopify_quantity", "our_quantity", "delta", "at")
    list_filter = ("beyond_tolerance",)
    search_fields = ("sku",)
    readonly_fields = (
        "store",
        "item",
        "sku",
        "shopify_quantity",
        "our_quantity",
        "delta",
        "beyond_tolerance",
        "at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ShopifyFulfillmentOrder)
class ShopifyFulfillmentOrderAdmin(admin.ModelAdmin[ShopifyFulfillmentOrder]):
    list_display = ("fulfillment_order_id", "order_name", "order", "state", "updated_at")
    list_filter = ("state",)
    search_fields = ("fulfillment_order_id", "order_name", "shopify_order_id")
    # The fulfillment-request flow (inbound.py) writes these rows; the back office reads them.
    readonly_fields = (
        "store",
        "fulfillment_order_id",
        "shopify_order_id",
        "order_name",
        "order",
        "lines",
        "state",
        "decision",
        "fulfillment_id",
        "tracking",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ShopifyInventoryItem)
class ShopifyInventoryItemAdmin(admin.ModelAdmin[ShopifyInventoryItem]):
    list_display = ("sku", "item", "inventory_item_id", "known_quantity", "pushed_at")
    search_fields = ("sku",)
    # What Shopify last heard from us: written by the inventory push only.
    readonly_fields = ("store", "item", "sku", "inventory_item_id", "known_quantity", "pushed_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

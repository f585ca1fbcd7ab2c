"""Back office: Shopify stores and the fulfillment orders we answered."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from channels_app.shopify.models import (
    ShopifyException,
    ShopifyFulfillmentOrder,
    ShopifyInventoryItem,
    ShopifyStore,
)


@admin.register(ShopifyStore)
class ShopifyStoreAdmin(admin.ModelAdmin[ShopifyStore]):
    list_display = ("shop_domain", "client", "api_version", "location_id", "active")
    list_filter = ("active",)
    readonly_fields = ("fulfillment_service_id", "location_id", "uninstalled_at")


@admin.register(ShopifyFulfillmentOrder)
class ShopifyFulfillmentOrderAdmin(admin.ModelAdmin[ShopifyFulfillmentOrder]):
    list_display = ("fulfillment_order_id", "order_name", "order", "state", "updated_at")
    list_filter = ("state",)
    search_fields = ("fulfillment_order_id", "order_name", "shopify_order_id")
    # The fulfillment-request flow (adapter) writes these rows; the back office reads them.
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


@admin.register(ShopifyException)
class ShopifyExceptionAdmin(admin.ModelAdmin[ShopifyException]):
    """What went wrong answering Shopify, with its owner (channels_app/shopify/exceptions.py)."""

    list_display = ("kind", "store", "fulfillment_order_id", "owner", "seen_at", "resolved_at")
    list_filter = ("kind", "owner", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("fulfillment_order_id", "detail")
    readonly_fields = (
        "store",
        "kind",
        "fulfillment_order_id",
        "detail",
        "codes",
        "owner",
        "created_at",
        "seen_at",
        "resolved_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

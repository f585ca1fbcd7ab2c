"""Back office: Amazon integrations, their listings (held or not) and exceptions to act on."""

from __future__ import annotations

from django.contrib import admin

from channels_app.amazon.models import AmazonException, AmazonIntegration, AmazonOrder, Listing


@admin.register(AmazonIntegration)
class AmazonIntegrationAdmin(admin.ModelAdmin[AmazonIntegration]):
    list_display = ("seller_id", "client", "secrets_name", "reconcile_tolerance", "active")
    list_filter = ("active",)


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin[Listing]):
    list_display = ("msku", "item", "pushed_quantity", "amazon_quantity", "delta", "held")
    list_filter = ("held",)
    search_fields = ("msku",)
    readonly_fields = ("held", "held_reason")  # released through listings.release_listing


@admin.register(AmazonException)
class AmazonExceptionAdmin(admin.ModelAdmin[AmazonException]):
    list_display = ("kind", "msku", "owner", "created_at", "resolved_at")
    list_filter = ("kind", "resolved_at")
    readonly_fields = ("kind", "msku", "item", "detail", "evidence", "policy", "created_at")


@admin.register(AmazonOrder)
class AmazonOrderAdmin(admin.ModelAdmin[AmazonOrder]):
    list_display = ("amazon_order_id", "status", "last_update_date", "shipment_confirmed_at")
    search_fields = ("amazon_order_id",)
    readonly_fields = ("last_update_date", "shipment_confirmed_at", "confirmed_tracking")

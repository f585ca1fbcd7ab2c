"""Back office: Amazon integrations, their listings (held or not) and exceptions to act on."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from channels_app.amazon import listings
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
    # What was pushed, what Amazon reports and the hold are written by the listings sync;
    # a hold is released through listings.release_listing (the action below).
    readonly_fields = (
        "pushed_quantity",
        "pushed_at",
        "amazon_quantity",
        "delta",
        "reconciled_at",
        "held",
        "held_reason",
    )
    actions = ["release_selected"]

    @admin.action(description="Release the hold (the mismatch is explained)")
    def release_selected(self, request: HttpRequest, queryset: QuerySet[Listing]) -> None:
        held = list(queryset.filter(held=True))
        for listing in held:
            listings.release_listing(listing=listing)
        self.message_user(request, f"{len(held)} listing(s) released.")


@admin.register(AmazonException)
class AmazonExceptionAdmin(admin.ModelAdmin[AmazonException]):
    list_display = ("kind", "msku", "owner", "created_at", "resolved_at")
    list_filter = ("kind", "resolved_at")
    readonly_fields = ("kind", "msku", "item", "detail", "evidence", "policy", "created_at")


@admin.register(AmazonOrder)
class AmazonOrderAdmin(admin.ModelAdmin[AmazonOrder]):
    list_display = ("amazon_order_id", "status", "last_update_date", "shipment_confirmed_at")
    search_fields = ("amazon_order_id",)
    # Written by the order import and the shipment confirmation, never typed.
    readonly_fields = (
        "integration",
        "amazon_order_id",
        "order",
        "status",
        "last_update_date",
        "shipment_confirmed_at",
        "confirmed_tracking",
        "confirmation_key",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

"""Back office: Amazon integrations, their listings (held or not) and exceptions to act on."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from channels_app.amazon import listings, returns
from channels_app.amazon.errors import AmazonNotConfigured, TransportError
from channels_app.amazon.models import (
    AmazonException,
    AmazonIntegration,
    AmazonOrder,
    AmazonPackage,
    AmazonReturn,
    Listing,
)


@admin.register(AmazonIntegration)
class AmazonIntegrationAdmin(admin.ModelAdmin[AmazonIntegration]):
    list_display = ("seller_id", "client", "secrets_name", "reconcile_tolerance", "active")
    list_filter = ("active",)
    actions = ["pull_returns_now"]

    @admin.action(description="Pull Amazon returns now (returns report, matched to RMAs)")
    def pull_returns_now(self, request: HttpRequest, queryset: QuerySet[AmazonIntegration]) -> None:
        for integration in queryset.filter(active=True):
            try:
                # Ask for the report, then look twice: a quick report is read at once; a slow one
                # is left to the beat's returns pull, and the message says so.
                pulled = returns.advance(integration)
                for _ in range(2):
                    if pulled is None or pulled.status not in returns.OPEN:
                        break
                    pulled = returns.advance(integration, request=False)
            except (TransportError, AmazonNotConfigured) as exc:
                self.message_user(request, f"{integration.seller_id}: {exc}", messages.ERROR)
                continue
            if pulled is not None:
                self.message_user(request, f"{integration.seller_id}: {pulled.message}")


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


@admin.register(AmazonPackage)
class AmazonPackageAdmin(admin.ModelAdmin[AmazonPackage]):
    """What each carton told Amazon (confirmShipment), one package per carton."""

    list_display = (
        "amazon_order_id",
        "package_reference_id",
        "carrier_code",
        "shipping_method",
        "tracking_number",
        "confirmed_at",
    )
    search_fields = ("amazon_order_id", "tracking_number")
    readonly_fields = (
        "integration",
        "amazon_order_id",
        "shipment_parcel",
        "package_reference_id",
        "carrier_code",
        "carrier_name",
        "shipping_method",
        "tracking_number",
        "order_items",
        "confirmed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AmazonReturn)
class AmazonReturnAdmin(admin.ModelAdmin[AmazonReturn]):
    """Lines of Amazon's returns report and the RMA each matched (returns.py)."""

    list_display = ("amazon_rma_id", "amazon_order_id", "msku", "quantity", "status", "ret")
    list_filter = ("status",)
    search_fields = ("amazon_rma_id", "amazon_order_id", "msku")
    readonly_fields = (
        "integration",
        "amazon_order_id",
        "amazon_rma_id",
        "merchant_rma_id",
        "msku",
        "quantity",
        "status",
        "reason",
        "tracking_id",
        "requested_at",
        "ret",
        "matched_at",
        "row",
        "first_seen_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

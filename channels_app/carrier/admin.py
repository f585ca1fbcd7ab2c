"""Back office: carrier accounts, bought labels (with the "no carrier scan" filter) and events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from channels_app.carrier.models import CarrierAccount, CarrierLabel, TrackingEvent


@admin.register(CarrierAccount)
class CarrierAccountAdmin(admin.ModelAdmin[CarrierAccount]):
    list_display = ("name", "carrier", "secrets_name", "active")
    filter_horizontal = ("services",)


class TrackingEventInline(admin.TabularInline[TrackingEvent, CarrierLabel]):
    model = TrackingEvent
    extra = 0
    can_delete = False
    fields = ("occurred_at", "kind", "location", "description", "event_id", "shipment")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class NoCarrierScan(admin.SimpleListFilter):
    title = "carrier scan"
    parameter_name = "scan"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        hours = settings.CARRIER_NO_SCAN_HOURS
        return [("none", f"None after {hours:g} hours"), ("scanned", "Scanned")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "none":
            cutoff = timezone.now() - dt.timedelta(hours=settings.CARRIER_NO_SCAN_HOURS)
            return queryset.filter(
                state="active", first_scan_at__isnull=True, bought_at__lte=cutoff
            )
        if self.value() == "scanned":
            return queryset.filter(first_scan_at__isnull=False)
        return queryset


@admin.register(CarrierLabel)
class CarrierLabelAdmin(admin.ModelAdmin[CarrierLabel]):
    list_display = (
        "tracking_number",
        "account",
        "carrier_service",
        "order",
        "client",
        "state",
        "bought_at",
        "first_scan_at",
        "delivered_at",
    )
    list_filter = (NoCarrierScan, "state", "account", "client")
    search_fields = ("tracking_number", "order__external_id")
    inlines = [TrackingEventInline]
    exclude = ("label_pdf",)
    readonly_fields = (
        "account",
        "parcel",
        "order",
        "client",
        "service",
        "carrier_service",
        "tracking_number",
        "amount",
        "currency",
        "label_zpl",
        "print_job",
        "idempotency_key",
        "state",
        "bought_at",
        "voided_at",
        "first_scan_at",
        "delivered_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bought through outbound.buy_label, never typed


@admin.register(TrackingEvent)
class TrackingEventAdmin(admin.ModelAdmin[TrackingEvent]):
    list_display = ("label", "kind", "occurred_at", "location", "received_at")
    list_filter = ("kind",)
    search_fields = ("label__tracking_number", "event_id")
    readonly_fields = (
        "label",
        "shipment",
        "event_id",
        "kind",
        "occurred_at",
        "location",
        "description",
        "payload",
        "received_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # carrier events arrive through the tracking webhook/poll, never typed

"""Back office: carrier accounts, bought labels (with the "no carrier scan" filter) and events."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from channels_app.carrier import outbound
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

    # "Buy missing label": a button above the list (change_list.html), not a row action — the
    # cartons it is for have no label row to select.
    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(require_POST(self.buy_missing_labels))
        return [
            path("buy-missing/", view, name="carrier_carrierlabel_buy_missing"),
            *super().get_urls(),
        ]

    def buy_missing_labels(self, request: HttpRequest) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        lines = outbound.buy_missing_labels(actor=request.user)  # type: ignore[arg-type]
        if not lines:
            self.message_user(request, "No closed carton is missing its carrier label.")
        for line in lines:
            level = messages.WARNING if "not bought" in line else messages.SUCCESS
            self.message_user(request, line, level)
        return HttpResponseRedirect(reverse("admin:carrier_carrierlabel_changelist"))


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

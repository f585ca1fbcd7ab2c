from __future__ import annotations

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from compliance.models import Printer, PrintJob, SsccSeries


@admin.register(Printer)
class PrinterAdmin(admin.ModelAdmin[Printer]):
    list_display = ("station", "name", "kind", "host", "port", "dpi", "active")
    list_filter = ("kind", "active")


@admin.register(SsccSeries)
class SsccSeriesAdmin(admin.ModelAdmin[SsccSeries]):
    list_display = ("company_prefix", "extension_digit", "client", "next_serial")
    readonly_fields = ("next_serial",)  # only moves forward, by issuing: a serial is never reused


@admin.register(PrintJob)
class PrintJobAdmin(admin.ModelAdmin[PrintJob]):
    """The audit of every label printed; jobs are created by printing, never here."""

    list_display = (
        "created_at",
        "label",
        "printer",
        "state",
        "requested_by",
        "container",
        "order",
        "sscc",
        "reprint_of",
    )
    list_filter = ("state", "label", "printer")
    search_fields = ("sscc", "container__barcode", "order__external_id")
    exclude = ("content",)
    readonly_fields = [f.name for f in PrintJob._meta.fields if f.name != "content"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

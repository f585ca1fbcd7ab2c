from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html

from compliance import station, station_desk
from compliance.models import Chargeback, ComplianceEvent, Printer, PrintJob, RuleSet, SsccSeries
from compliance.views import job_content
from wms.accounts.models import User
from wms.errors import DomainError


@admin.register(Printer)
class PrinterAdmin(admin.ModelAdmin[Printer]):
    """Printers per station; a test print shows whether one answers (red at the label station
    when it does not)."""

    list_display = ("station", "name", "kind", "host", "port", "dpi", "active", "answering")
    list_filter = ("kind", "active")
    actions = ["test_print"]

    @admin.display(description="State")
    def answering(self, obj: Printer) -> str:
        health = station_desk.health(obj)
        colour = {"ok": "#0b6e4f", "bad": "#b3261e"}.get(health.tone, "#8a5a00")
        return format_html('<span style="color:{}">{}</span>', colour, health.text)

    @admin.action(description="Test print on the selected printers")
    def test_print(self, request: HttpRequest, queryset: QuerySet[Printer]) -> None:
        user = request.user
        assert isinstance(user, User)
        for printer in queryset:
            try:
                job = station_desk.test_print(printer=printer, actor=user)
            except DomainError as exc:
                self.message_user(request, f"{printer}: {exc.message}", messages.ERROR)
                continue
            where = (
                "download it from the print jobs"
                if printer.kind == "pdf"
                else "it is being sent; the State column turns red if the printer does not answer"
            )
            self.message_user(request, f"{printer}: test label #{job.pk} queued — {where}.")


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
        "reason",
        "downloaded_by",
        "view",
    )
    list_filter = ("state", "label", "printer")
    search_fields = ("sscc", "container__barcode", "order__external_id")
    exclude = ("content",)
    readonly_fields = [f.name for f in PrintJob._meta.fields if f.name != "content"]

    actions = ["download_to_print", "reprint_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description="Label")
    def view(self, obj: PrintJob) -> str:
        # A look changes nothing; taking the label to print is the action below (a recorded POST).
        url = reverse("label-download", args=[obj.pk])
        return format_html('<a href="{}">view</a>', url)

    @admin.action(description="Download the selected label to print (records who and when)")
    def download_to_print(
        self, request: HttpRequest, queryset: QuerySet[PrintJob]
    ) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one label to download.", messages.WARNING)
            return None
        user = request.user
        assert isinstance(user, User)
        try:
            job = station.record_download(job=queryset.get(), user=user)
        except DomainError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        return job_content(job)

    @admin.action(description="Reprint the selected labels")
    def reprint_selected(self, request: HttpRequest, queryset: QuerySet[PrintJob]) -> None:
        user = request.user
        assert isinstance(user, User)
        for job in queryset:
            station.reprint(job=job, actor=user)
        self.message_user(request, f"{queryset.count()} label(s) sent again.")


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin[RuleSet]):
    """A partner's routing guide, as data: enforced at the pack, close and ship scans."""

    list_display = (
        "code",
        "name",
        "kind",
        "channel",
        "sscc_required",
        "mixed_sku_cartons",
        "asn_deadline_minutes",
        "active",
    )
    list_filter = ("kind", "channel", "active")
    filter_horizontal = ("clients",)


@admin.register(ComplianceEvent)
class ComplianceEventAdmin(admin.ModelAdmin[ComplianceEvent]):
    list_display = ("created_at", "kind", "rule_set", "shipment", "order", "owner", "detail")
    list_filter = ("kind", "rule_set")
    readonly_fields = [f.name for f in ComplianceEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Chargeback)
class ChargebackAdmin(admin.ModelAdmin[Chargeback]):
    list_display = (
        "reference",
        "rule_set",
        "client",
        "category",
        "amount",
        "currency",
        "order",
        "received_at",
    )
    list_filter = ("category", "rule_set", "client")
    search_fields = ("reference", "order__external_id")
    # Recorded through chargebacks.record_chargeback (POST /api/chargebacks/), which checks the
    # category, amount, currency, client and the claim number once per rule set: read here.
    readonly_fields = [f.name for f in Chargeback._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

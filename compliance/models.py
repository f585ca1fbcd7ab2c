"""Label printing: SSCC series (serials never reused), printers per station, and the print queue,
which is also the audit of who printed what, when, for which carton, shipment, order or item."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone

prefix_validator = RegexValidator(r"^[0-9]{7,10}$", "A GS1 company prefix is 7 to 10 digits.")


class SsccSeries(models.Model):
    """Serial references under one GS1 company prefix. Each SSCC is issued once (a counter that
    only moves forward under a row lock), as GS1 asks: never reuse an SSCC within 12 months."""

    company_prefix = models.CharField(max_length=10, unique=True, validators=[prefix_validator])
    extension_digit = models.PositiveSmallIntegerField(default=0)
    client = models.ForeignKey(
        "wms.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sscc_series",
        help_text="The brand whose prefix this is; empty for the 3PL's own prefix.",
    )
    next_serial = models.BigIntegerField(default=1)

    class Meta:
        db_table = "compliance_sscc_series"
        verbose_name_plural = "SSCC series"

    def __str__(self) -> str:
        return self.company_prefix


class PrinterKind(models.TextChoices):
    PDF = "pdf", "PDF (download / office printer)"
    ZPL = "zpl", "Zebra thermal (raw ZPL on TCP 9100)"


class Printer(models.Model):
    station = models.CharField(max_length=40, help_text="e.g. PACK-01 or LABEL-DESK")
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=10, choices=PrinterKind.choices)
    host = models.CharField(max_length=255, blank=True, help_text="Network printers only.")
    port = models.PositiveIntegerField(default=9100)
    dpi = models.PositiveIntegerField(default=203)
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "compliance_printer"
        constraints = [
            models.UniqueConstraint(fields=["station", "name"], name="printer_unique_per_station")
        ]

    def __str__(self) -> str:
        return f"{self.station}/{self.name}"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent to the printer"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"


class PrintJob(models.Model):
    """One label (or sheet) printed: the queue entry and its audit trail. Never deleted."""

    printer = models.ForeignKey(Printer, on_delete=models.PROTECT, related_name="jobs")
    label = models.CharField(max_length=40, help_text="Label kind, e.g. sscc_carton, fnsku.")
    content_type = models.CharField(max_length=40, help_text="application/pdf or application/zpl")
    content = models.BinaryField()
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reprint_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reprints"
    )
    # What the label is for: the evidence trail a chargeback dispute needs.
    container = models.ForeignKey(
        "wms.Container", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.ForeignKey(
        "wms.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shipment = models.ForeignKey(
        "wms.Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    item = models.ForeignKey(
        "wms.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sscc = models.CharField(max_length=18, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "compliance_print_job"
        indexes = [models.Index(fields=["printer", "state", "created_at"], name="print_queue")]

    def __str__(self) -> str:
        return f"{self.label} #{self.pk} ({self.state})"

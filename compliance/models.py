"""Label printing: SSCC series (serials never reused), printers per station, and the print queue,
which is also the audit of who printed what, when, for which carton, shipment, order or item."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone

from wms.catalog.models import Channel

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
    SENDING = "sending", "Being sent to the printer"
    SENT = "sent", "Sent to the printer"
    READY = "ready", "Ready to download"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded by a reprint"


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
    reason = models.CharField(
        max_length=200, blank=True, help_text="Why a label was printed again (torn, smudged…)."
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
    # What the label names when no record above says it (a location's code, an FBA box ID).
    subject = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # A ZPL sender's claim (its lease): set while the label is on its way to the printer.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Who took a PDF label at the desk to print it (the download is a recorded action).
    downloaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "compliance_print_job"
        indexes = [models.Index(fields=["printer", "state", "created_at"], name="print_queue")]

    def __str__(self) -> str:
        return f"{self.label} #{self.pk} ({self.state})"


class PartnerKind(models.TextChoices):
    AMAZON_FBA = "amazon_fba", "Amazon FBA"
    AMAZON_VENDOR = "amazon_vendor", "Amazon Vendor"
    RETAILER = "retailer", "B2B retailer"


class RuleSet(models.Model):
    """A trading partner's routing guide as data: what its cartons, labels and ASNs must satisfy.

    It applies to orders of `channel` for the listed clients (all clients when none are listed).
    Every limit is optional: an empty field means the partner sets no such rule.
    """

    code = models.CharField(max_length=40, unique=True, help_text="e.g. WALMART-RG-2026")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    channel = models.CharField(
        max_length=20, choices=Channel.choices, help_text="Orders of this channel follow the rules."
    )
    clients = models.ManyToManyField("wms.Client", blank=True, related_name="+")
    max_carton_weight_g = models.PositiveIntegerField(null=True, blank=True)
    max_carton_length_mm = models.PositiveIntegerField(null=True, blank=True)
    max_carton_width_mm = models.PositiveIntegerField(null=True, blank=True)
    max_carton_height_mm = models.PositiveIntegerField(null=True, blank=True)
    max_pallet_height_mm = models.PositiveIntegerField(null=True, blank=True)
    sscc_required = models.BooleanField(default=False, help_text="Every carton carries an SSCC.")
    carton_labels = models.JSONField(
        default=list,
        blank=True,
        help_text='Label kinds printed for every carton, e.g. ["sscc_carton"].',
    )
    pallet_labels = models.JSONField(default=list, blank=True)
    mixed_sku_cartons = models.BooleanField(
        default=True, help_text="May one carton hold several SKUs?"
    )
    asn_deadline_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The ASN must be sent within this many minutes of shipping.",
    )
    min_shelf_life_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Lots must have at least this many days left when shipped."
    )
    uom_must_match_po = models.BooleanField(
        default=False, help_text="Case-ordered lines ship in whole cases."
    )
    active = models.BooleanField(default=True)
    # Deadlines bind shipments made from here on, not years of history.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "compliance_rule_set"

    def __str__(self) -> str:
        return self.code


class ComplianceEvent(models.Model):
    """Something that happened against a partner's rules (a late ASN…), with its evidence."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=40)
    detail = models.TextField()
    owner = models.CharField(max_length=80, blank=True)
    order = models.ForeignKey(
        "wms.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shipment = models.ForeignKey(
        "wms.Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "compliance_event"
        constraints = [
            # One late-ASN event per shipment, however often the check runs.
            models.UniqueConstraint(fields=["shipment", "kind"], name="one_event_per_shipment_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.shipment_id or self.order_id}"


class ChargebackCategory(models.TextChoices):
    ASN_TIMING = "asn_timing", "ASN timing"
    ASN_ACCURACY = "asn_accuracy", "ASN accuracy"
    LABEL = "label", "Label"
    CARTON = "carton", "Carton"
    ROUTING = "routing", "Routing"
    ON_TIME = "on_time", "On-time shipment"


class Chargeback(models.Model):
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="chargebacks")
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, choices=ChargebackCategory.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    reference = models.CharField(
        max_length=80, help_text="The partner's debit memo or claim number."
    )
    order = models.ForeignKey(
        "wms.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    shipment = models.ForeignKey(
        "wms.Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)

    class Meta:
        db_table = "compliance_chargeback"
        constraints = [
            # A partner's claim number is entered once, however it is capitalised.
            models.UniqueConstraint(
                F("rule_set"), Upper("reference"), name="chargeback_reference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.category} {self.amount} {self.currency}"


class PalletMeasure(models.Model):
    """A built pallet's measured height and weight, taken before it ships (routing guides cap both)."""

    container = models.OneToOneField(
        "wms.Container", on_delete=models.PROTECT, related_name="measure"
    )
    height_mm = models.PositiveIntegerField()
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    measured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    measured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "compliance_pallet_measure"

    def __str__(self) -> str:
        return f"{self.container_id}: {self.height_mm} mm"

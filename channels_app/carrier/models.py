"""Carrier accounts, the labels bought from them, and every tracking event they reported.

Secrets are not stored: ``secrets_name`` names the environment variables that hold them
(``CARRIER_<NAME>_API_KEY``, ``CARRIER_<NAME>_WEBHOOK_SECRET``), as for Amazon (README).
"""

from __future__ import annotations

import os

from django.db import models
from django.db.models import Q
from django.utils import timezone

from channels_app.carrier.errors import CarrierNotConfigured
from wms.catalog.models import code_validator


def default_channels() -> list[str]:
    return ["shopify", "api", "manual"]


class CarrierAccount(models.Model):
    """One carrier account the 3PL ships with. Its ``name`` is the webhook's path segment."""

    name = models.SlugField(max_length=40, unique=True, help_text="e.g. simcarrier")
    carrier = models.CharField(max_length=40, help_text="Shown on shipments, e.g. SIMX.")
    secrets_name = models.CharField(
        max_length=40,
        validators=[code_validator],
        help_text="Secrets come from CARRIER_<name>_API_KEY and CARRIER_<name>_WEBHOOK_SECRET.",
    )
    services = models.ManyToManyField(
        "wms.CarrierService",
        related_name="+",
        help_text="Our services this account sells labels for.",
    )
    service_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='Our service code → the carrier\'s, e.g. {"SIMX_GROUND": "GROUND"}; '
        "unmapped codes are sent as they are.",
    )
    channels = models.JSONField(
        default=default_channels,
        help_text="Order channels whose cartons get this carrier's label at close (D2C).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "carrier_account"

    def __str__(self) -> str:
        return self.name

    def secret(self, what: str) -> str:
        name = f"CARRIER_{self.secrets_name.upper()}_{what}"
        value = os.environ.get(name, "")
        if not value:
            raise CarrierNotConfigured(
                f"Carrier account {self.name}: {name} is not set in the environment; add it to "
                "the deployment's secrets and restart."
            )
        return value

    def carrier_service(self, code: str) -> str:
        return str(self.service_map.get(code) or code)


class LabelState(models.TextChoices):
    ACTIVE = "active", "Active"
    VOIDED = "voided", "Voided"


class CarrierLabel(models.Model):
    """A label bought for one parcel: what the carton carries, and what the carrier tracks."""

    account = models.ForeignKey(CarrierAccount, on_delete=models.PROTECT, related_name="labels")
    parcel = models.ForeignKey("wms.Parcel", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("wms.Order", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("wms.CarrierService", on_delete=models.PROTECT, related_name="+")
    carrier_service = models.CharField(max_length=40)
    tracking_number = models.CharField(max_length=60, unique=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    label_pdf = models.BinaryField(help_text="4×6 PDF as the carrier issued it.")
    label_zpl = models.TextField(help_text="4×6 ZPL as the carrier issued it.")
    print_job = models.ForeignKey(
        "compliance.PrintJob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The print at the pack station (the print audit).",
    )
    idempotency_key = models.CharField(max_length=120)
    state = models.CharField(max_length=10, choices=LabelState.choices, default=LabelState.ACTIVE)
    bought_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    first_scan_at = models.DateTimeField(
        null=True, blank=True, help_text="The carrier's first physical scan (picked up or later)."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "carrier_label"
        constraints = [
            models.UniqueConstraint(
                fields=["parcel"], condition=Q(state="active"), name="one_active_label_per_parcel"
            )
        ]
        indexes = [
            models.Index(
                fields=["bought_at"],
                condition=Q(state="active", first_scan_at__isnull=True),
                name="label_awaiting_scan",
            )
        ]

    def __str__(self) -> str:
        return self.tracking_number


class TrackingKind(models.TextChoices):
    LABEL_CREATED = "label_created", "Label created"
    PICKED_UP = "picked_up", "Picked up"
    IN_TRANSIT = "in_transit", "In transit"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Exception"


# A physical scan by the carrier: the parcel is in its hands (everything but label_created).
SCANS = (
    TrackingKind.PICKED_UP,
    TrackingKind.IN_TRANSIT,
    TrackingKind.DELIVERED,
    TrackingKind.EXCEPTION,
)


class TrackingEvent(models.Model):
    """One event the carrier reported for a label, as it reported it. Never edited."""

    label = models.ForeignKey(CarrierLabel, on_delete=models.PROTECT, related_name="events")
    shipment = models.ForeignKey(
        "wms.Shipment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    event_id = models.CharField(max_length=100, help_text="The carrier's id for the event.")
    kind = models.CharField(max_length=20, choices=TrackingKind.choices)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=120, blank=True)
    description = models.CharField(max_length=300, blank=True)
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "carrier_tracking_event"
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["label", "event_id"], name="tracking_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.label_id} {self.kind}"

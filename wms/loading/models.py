"""Loads: a trailer or ship lane filled with closed cartons for one carrier (docs/floor.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class LoadState(models.TextChoices):
    OPEN = "open", "Loading"
    CLOSED = "closed", "Closed and shipped"


class Load(models.Model):
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="loads")
    location = models.ForeignKey(
        "wms.Location",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Ship lane or dock door.",
    )
    reference = models.CharField(
        max_length=60,
        help_text="Trailer, BOL or PRO number; the tracking of cartons without their own.",
    )
    carrier = models.CharField(
        max_length=40, blank=True, help_text="Set by the first carton loaded."
    )
    state = models.CharField(max_length=10, choices=LoadState.choices, default=LoadState.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_load"
        constraints = [
            # One open load per lane: the floor scans the lane to find it.
            models.UniqueConstraint(
                fields=["location"], condition=models.Q(state="open"), name="one_open_load_per_lane"
            )
        ]

    def __str__(self) -> str:
        return f"load {self.reference} at {self.location_id}"


class LoadParcel(models.Model):
    load = models.ForeignKey(Load, on_delete=models.PROTECT, related_name="parcels")
    parcel = models.OneToOneField(
        "wms.Parcel", on_delete=models.PROTECT, related_name="load_parcel"
    )
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_load_parcel"

    def __str__(self) -> str:
        return f"parcel {self.parcel_id} on load {self.load_id}"

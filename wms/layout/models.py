"""Warehouses, their locations (physical and virtual) and containers (license plates)."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

from wms.catalog.models import code_validator


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            f"'{value}' is not an IANA time zone; use a name such as America/New_York."
        )


class Warehouse(models.Model):
    code = models.CharField(max_length=10, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="State or province.")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US", help_text="ISO 3166-1 alpha-2.")
    orders_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="Allocation capacity; empty = no limit."
    )
    lines_per_day = models.PositiveIntegerField(
        null=True, blank=True, help_text="Allocation capacity; empty = no limit."
    )
    count_approval_units = models.PositiveIntegerField(
        default=10,
        help_text="A cycle-count variance of more units than this waits for a supervisor.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "wms_warehouse"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class LocationType(models.TextChoices):
    DOCK = "dock", "Dock"
    STAGING = "staging", "Staging"
    STORAGE = "storage", "Storage"
    PICK_FACE = "pick_face", "Pick face"
    PACK_STATION = "pack_station", "Pack station"
    SHIP_LANE = "ship_lane", "Ship lane"
    QUARANTINE = "quarantine", "Quarantine"
    RETURNS = "returns", "Returns"
    # Virtual locations: stock enters from and leaves to these, so every touch is a transfer.
    SUPPLIER = "supplier", "Supplier (virtual)"
    CUSTOMER = "customer", "Customer (virtual)"
    ADJUSTMENT = "adjustment", "Adjustment (virtual)"
    SCRAP = "scrap", "Scrap (virtual)"


VIRTUAL_TYPES = (
    LocationType.SUPPLIER,
    LocationType.CUSTOMER,
    LocationType.ADJUSTMENT,
    LocationType.SCRAP,
)


class Location(models.Model):
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    code = models.CharField(max_length=40, help_text="Human name, e.g. A-01-02-1.")
    barcode = models.CharField(max_length=60, help_text="What the location label scans as.")
    type = models.CharField(max_length=20, choices=LocationType.choices)
    sellable = models.BooleanField(
        default=False, help_text="Available stock here counts toward what channels may sell."
    )
    is_virtual = models.GeneratedField(
        expression=models.Q(type__in=[t.value for t in VIRTUAL_TYPES]),  # type: ignore[arg-type]
        output_field=models.BooleanField(),
        db_persist=True,
    )
    sequence = models.PositiveIntegerField(default=0, help_text="Position on the pick path.")
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "wms_location"
        ordering = ["warehouse_id", "sequence", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "barcode"], name="location_barcode_unique"
            ),
            models.UniqueConstraint(fields=["warehouse", "code"], name="location_code_unique"),
            models.CheckConstraint(
                name="virtual_location_not_sellable",
                condition=~models.Q(type__in=[t.value for t in VIRTUAL_TYPES])
                | models.Q(sellable=False),
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ContainerType(models.TextChoices):
    PALLET = "pallet", "Pallet"
    TOTE = "tote", "Tote"
    CARTON = "carton", "Carton"


class Container(models.Model):
    """A license plate: stock inside it moves with it. Only pallets hold other containers."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="containers")
    barcode = models.CharField(max_length=40, unique=True, help_text="License plate number.")
    type = models.CharField(max_length=10, choices=ContainerType.choices)
    sscc = models.CharField("SSCC", max_length=18, unique=True, null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Kept in step by the ledger whenever the container moves; empty once shipped.
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="containers"
    )
    active = models.BooleanField(default=True)
    # A closed (weighed, labelled) carton: nothing goes in or out until it ships as a unit.
    sealed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "wms_container"
        ordering = ["barcode"]

    def __str__(self) -> str:
        return self.barcode

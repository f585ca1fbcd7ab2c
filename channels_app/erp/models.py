"""ERP integrations per client, which system owns each item field, and every refused change.

Secrets and endpoints come from the environment (``ERP_<NAME>_URL``, ``ERP_<NAME>_TOKEN``), never
the database (README, "Configuration").
"""

from __future__ import annotations

import os

from django.db import models
from django.utils import timezone

from channels_app.erp.errors import ErpNotConfigured
from wms.catalog.models import code_validator


class ErpIntegration(models.Model):
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    secrets_name = models.CharField(
        max_length=40,
        unique=True,
        validators=[code_validator],
        help_text="Endpoint and token come from ERP_<name>_URL and ERP_<name>_TOKEN.",
    )
    active = models.BooleanField(default=True)
    items_synced_through = models.DateTimeField(
        null=True, blank=True, help_text="The ERP's updated_at of the newest item applied."
    )

    class Meta:
        db_table = "erp_integration"

    def __str__(self) -> str:
        return f"ERP {self.secrets_name}"

    @property
    def destination(self) -> str:
        return f"erp:{self.pk}"

    def setting(self, what: str) -> str:
        name = f"ERP_{self.secrets_name.upper()}_{what}"
        value = os.environ.get(name, "")
        if not value:
            raise ErpNotConfigured(
                f"{self}: {name} is not set in the environment; add it to the deployment's "
                "configuration and restart."
            )
        return value


class ItemField(models.TextChoices):
    DESCRIPTION = "description", "Description"
    HAZMAT = "hazmat", "Hazmat flag"
    UN_NUMBER = "un_number", "UN number"
    ACTIVE = "active", "Active"
    DIMENSIONS = "dimensions", "Pack level dimensions"
    WEIGHTS = "weights", "Pack level weights"
    PACK_QUANTITIES = "pack_quantities", "Units per pack level"
    IDENTIFIERS = "identifiers", "Identifiers (GTIN, ASIN, channel SKUs…)"
    BASE_UNIT = "base_unit", "Base unit of stock"
    TRACKS_LOTS = "tracks_lots", "Lot tracking"
    TRACKS_EXPIRY = "tracks_expiry", "Expiry tracking"
    TRACKS_SERIALS = "tracks_serials", "Serial tracking"


class Owner(models.TextChoices):
    ERP = "erp", "The client's ERP"
    WMS = "wms", "The WMS"


# DESIGN §4: the ERP owns product definitions; how stock is counted and recorded is the WMS's.
DEFAULT_OWNERS: dict[str, str] = {
    ItemField.DESCRIPTION: Owner.ERP,
    ItemField.HAZMAT: Owner.ERP,
    ItemField.UN_NUMBER: Owner.ERP,
    ItemField.ACTIVE: Owner.ERP,
    ItemField.DIMENSIONS: Owner.ERP,
    ItemField.WEIGHTS: Owner.ERP,
    ItemField.PACK_QUANTITIES: Owner.ERP,
    ItemField.IDENTIFIERS: Owner.ERP,
    ItemField.BASE_UNIT: Owner.WMS,
    ItemField.TRACKS_LOTS: Owner.WMS,
    ItemField.TRACKS_EXPIRY: Owner.WMS,
    ItemField.TRACKS_SERIALS: Owner.WMS,
}


class ErpFieldOwner(models.Model):
    """Per client and item field: whose change wins. Written with the defaults on first use."""

    client = models.ForeignKey("wms.Client", on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=30, choices=ItemField.choices)
    owner = models.CharField(max_length=10, choices=Owner.choices)

    class Meta:
        db_table = "erp_field_owner"
        ordering = ["client_id", "field"]
        constraints = [
            models.UniqueConstraint(fields=["client", "field"], name="one_owner_per_item_field")
        ]

    def __str__(self) -> str:
        return f"{self.field}: {self.owner}"


class ErpRefusal(models.Model):
    """A change from the ERP that was not applied, and why. Kept for the integration engineer."""

    integration = models.ForeignKey(ErpIntegration, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "wms.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sku = models.CharField(max_length=64)
    field = models.CharField(max_length=30)
    ours = models.TextField(blank=True, help_text="Our value, kept.")
    theirs = models.TextField(blank=True, help_text="The ERP's value, refused.")
    reason = models.TextField()
    policy = models.CharField(max_length=80, blank=True)
    erp_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "erp_refusal"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.sku}.{self.field} refused"

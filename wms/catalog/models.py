"""Clients (brands) and their item master: items, pack levels, identifiers, lots."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

code_validator = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]*$", "Use capital letters, digits, '-' and '_' (e.g. NWO or PHL1)."
)


class Client(models.Model):
    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "wms_client"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Channel(models.TextChoices):
    AMAZON = "amazon", "Amazon"
    SHOPIFY = "shopify", "Shopify"
    EDI = "edi", "EDI / B2B"
    API = "api", "API"
    MANUAL = "manual", "Manual"


class BaseUnit(models.TextChoices):
    EACH = "each", "Each"
    PAIR = "pair", "Pair"
    SET = "set", "Set"
    PACK = "pack", "Pack"


class Item(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="items")
    sku = models.CharField("SKU", max_length=64)
    description = models.CharField(max_length=300)
    base_unit = models.CharField(max_length=10, choices=BaseUnit.choices, default=BaseUnit.EACH)
    tracks_lots = models.BooleanField(default=False)
    tracks_expiry = models.BooleanField(default=False)
    tracks_serials = models.BooleanField(default=False)
    hazmat = models.BooleanField(default=False)
    un_number = models.CharField(
        "UN number", max_length=6, blank=True, help_text="For hazmat items, e.g. UN1266."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "wms_item"
        ordering = ["client_id", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["client", "sku"], name="item_sku_unique_per_client"),
            # Expiry is recorded per lot, so an expiry-tracked item must be lot-tracked.
            models.CheckConstraint(
                name="expiry_needs_lots",
                condition=models.Q(tracks_expiry=False) | models.Q(tracks_lots=True),
            ),
        ]

    def __str__(self) -> str:
        return self.sku


class PackLevelKind(models.TextChoices):
    EACH = "each", "Each"
    INNER = "inner", "Inner pack"
    CASE = "case", "Case"


class PackLevel(models.Model):
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="pack_levels")
    level = models.CharField(max_length=10, choices=PackLevelKind.choices)
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], help_text="Base units in one of these."
    )
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    weight_g = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        db_table = "wms_pack_level"
        ordering = ["item_id", "quantity"]
        constraints = [
            models.UniqueConstraint(fields=["item", "level"], name="one_pack_level_per_kind"),
            models.CheckConstraint(
                name="pack_quantity_positive", condition=models.Q(quantity__gt=0)
            ),
            models.CheckConstraint(
                name="each_is_one_unit",
                condition=~models.Q(level="each") | models.Q(quantity=1),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.sku} {self.level} ×{self.quantity}"


class IdentifierKind(models.TextChoices):
    GTIN = "gtin", "UPC / EAN / GTIN"
    ASIN = "asin", "ASIN"
    FNSKU = "fnsku", "FNSKU"
    CHANNEL_SKU = "channel_sku", "Channel SKU"
    OTHER = "other", "Other barcode"


class Identifier(models.Model):
    """A code that names an item (at one pack level) within its client.

    `normalized` is the lookup key: GTINs are stored as GTIN-14 so a UPC-A, an EAN-13 and a GTIN-14
    of the same product collide; channel SKUs are namespaced by channel and never resolve a scan.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="identifiers")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="identifiers")
    pack_level = models.ForeignKey(
        PackLevel, on_delete=models.PROTECT, null=True, blank=True, related_name="identifiers"
    )
    kind = models.CharField(max_length=20, choices=IdentifierKind.choices)
    channel = models.CharField(max_length=30, blank=True, help_text="For channel SKUs only.")
    value = models.CharField(max_length=80)
    normalized = models.CharField(max_length=120, editable=False)

    class Meta:
        db_table = "wms_identifier"
        ordering = ["item_id", "kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "normalized"], name="identifier_unique_per_client"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class Lot(models.Model):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="lots")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="lots")
    code = models.CharField(max_length=40)
    expiry_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "wms_lot"
        ordering = ["item_id", "expiry_date", "code"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="lot_unique_per_item")]

    def __str__(self) -> str:
        return f"{self.code} (exp {self.expiry_date})" if self.expiry_date else self.code

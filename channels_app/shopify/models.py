"""A Shopify store per client, and what the adapter remembers between calls.

Secrets are not stored here (like the Amazon package): ``secrets_name`` names the environment
variables ``SHOPIFY_<NAME>_ACCESS_TOKEN`` (the app's Admin API token for the store) and
``SHOPIFY_<NAME>_WEBHOOK_SECRET`` (the app's client secret, which signs webhooks and callbacks).
"""

from __future__ import annotations

import os

from django.db import models
from django.utils import timezone

from channels_app.shopify.errors import ShopifyNotConfigured
from channels_app.shopify.wire import API_VERSION
from wms.catalog.models import code_validator

# The channel name Shopify's orders, channel SKUs and published availability carry in the wms.
CHANNEL = "shopify"


class ShopifyStore(models.Model):
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    shop_domain = models.CharField(
        max_length=120, unique=True, help_text="e.g. northwind.myshopify.com"
    )
    api_version = models.CharField(max_length=10, default=API_VERSION)
    secrets_name = models.CharField(
        max_length=40,
        validators=[code_validator],
        help_text="Secrets come from SHOPIFY_<name>_ACCESS_TOKEN and SHOPIFY_<name>_WEBHOOK_SECRET.",
    )
    service_name = models.CharField(
        max_length=60, default="Touchline WMS", help_text="Our fulfillment service's name."
    )
    fulfillment_service_id = models.CharField(
        max_length=80, blank=True, help_text="gid of our FulfillmentService (set on registration)."
    )
    location_id = models.CharField(
        max_length=80, blank=True, help_text="gid of the location Shopify made for our stock."
    )
    default_service = models.ForeignKey(
        "wms.CarrierService", on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(default=True)
    reconcile_tolerance = models.PositiveIntegerField(
        default=0,
        help_text="Units Shopify may differ from our ATP before reconciliation opens an exception.",
    )
    uninstalled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shopify_store"

    def __str__(self) -> str:
        return self.shop_domain

    @property
    def destination(self) -> str:
        return f"shopify:{self.pk}"

    def secret(self, what: str) -> str:
        name = f"SHOPIFY_{self.secrets_name}_{what}"
        value = os.environ.get(name, "")
        if not value:
            raise ShopifyNotConfigured(
                f"Set the environment variable {name} for Shopify store {self.shop_domain} "
                "(from the Partner Dashboard / the store's app settings)."
            )
        return value


class FulfillmentOrderState(models.TextChoices):
    ACCEPTED = "accepted", "Fulfillment request accepted"
    REJECTED = "rejected", "Fulfillment request rejected"
    CANCELLATION_ACCEPTED = "cancellation_accepted", "Cancellation accepted"
    CANCELLATION_REJECTED = "cancellation_rejected", "Cancellation rejected"
    FULFILLED = "fulfilled", "Fulfilled"


class ShopifyFulfillmentOrder(models.Model):
    """A fulfillment order Shopify asked us to fulfil: one wms order, its lines by Shopify id."""

    store = models.ForeignKey(ShopifyStore, on_delete=models.PROTECT, related_name="+")
    fulfillment_order_id = models.CharField(max_length=80)
    shopify_order_id = models.CharField(max_length=80)
    order_name = models.CharField(max_length=40, blank=True)
    order = models.OneToOneField(
        "wms.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lines = models.JSONField(
        default=list, help_text='[{"id": FO line gid, "sku", "quantity", "inventory_item_id"}]'
    )
    state = models.CharField(max_length=30, choices=FulfillmentOrderState.choices, blank=True)
    decision = models.TextField(blank=True, help_text="What we told Shopify, and why.")
    fulfillment_id = models.CharField(max_length=80, blank=True)
    fulfillment_name = models.CharField(
        max_length=60,
        blank=True,
        help_text='Shopify\'s name for our fulfillment ("#1001.1"), as fulfillmentCreate answered.',
    )
    tracking = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "shopify_fulfillment_order"
        constraints = [
            models.UniqueConstraint(
                fields=["store", "fulfillment_order_id"], name="one_row_per_fulfillment_order"
            )
        ]
        indexes = [models.Index(fields=["shopify_order_id"], name="shopify_fo_by_order")]

    def __str__(self) -> str:
        return self.fulfillment_order_id


class ShopifyInventoryItem(models.Model):
    """One of our items as a Shopify inventory item, and the quantity we last set or read there.

    ``known_quantity`` is the compare value of the next ``inventorySetQuantities``
    (``changeFromQuantity``); None until first read.
    """

    store = models.ForeignKey(ShopifyStore, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    inventory_item_id = models.CharField(max_length=80)
    known_quantity = models.IntegerField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shopify_inventory_item"
        constraints = [
            models.UniqueConstraint(fields=["store", "item"], name="one_inventory_item_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.sku} ({self.inventory_item_id})"


# --- exceptions, go-live, reconciliation and returns (inbound.py, registration.py, stock.py,
# returns.py) ------------------------------------------------------------------------------------


class ShopifyException(models.Model):
    """Something a person must act on that went wrong with Shopify: a fulfillment request we could
    not answer, a refused document or mutation, a quantity mismatch, a return we could not match.
    Recorded once per open problem; resolved, never deleted."""

    store = models.ForeignKey(ShopifyStore, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        max_length=40,
        help_text="fulfillment_request_failed, quantity_mismatch, return_unmatched, …",
    )
    fulfillment_order_id = models.CharField(max_length=80, blank=True)
    sku = models.CharField(max_length=64, blank=True)
    item = models.ForeignKey(
        "wms.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.TextField()
    codes = models.JSONField(default=list, blank=True, help_text="Shopify's error codes, if any.")
    evidence = models.JSONField(default=dict, blank=True)
    owner = models.CharField(max_length=80)
    policy = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, help_text="Last time it happened again.")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "shopify_exception"
        indexes = [models.Index(fields=["store", "kind", "resolved_at"], name="shopify_open_exc")]

    def __str__(self) -> str:
        return f"{self.kind} {self.fulfillment_order_id or self.sku}"


class ShopifyReconciliationLine(models.Model):
    """One SKU in one reconciliation run: Shopify's available at our location against our ATP."""

    store = models.ForeignKey(ShopifyStore, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    sku = models.CharField(max_length=64)
    shopify_quantity = models.IntegerField()
    our_quantity = models.IntegerField()
    delta = models.IntegerField(help_text="Shopify's quantity − ours.")
    beyond_tolerance = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "shopify_reconciliation_line"
        indexes = [models.Index(fields=["store", "sku", "at"], name="shopify_recon_by_sku")]

    def __str__(self) -> str:
        return f"{self.sku} Δ{self.delta}"


class ShopifyReturnDisposal(models.Model):
    """A return disposition we announced to Shopify (reverseFulfillmentOrderDispose), once per
    WMS event: a redelivery of the same event finds it here and sends nothing again."""

    store = models.ForeignKey(ShopifyStore, on_delete=models.PROTECT, related_name="+")
    event = models.OneToOneField("wms.Event", on_delete=models.PROTECT, related_name="+")
    return_id = models.CharField(max_length=80)
    reverse_line_item_id = models.CharField(max_length=80)
    quantity = models.PositiveIntegerField()
    disposition_type = models.CharField(max_length=30)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "shopify_return_disposal"

    def __str__(self) -> str:
        return f"{self.disposition_type} {self.quantity} on {self.reverse_line_item_id}"

"""Amazon integration per client, and what the adapter remembers between calls.

Secrets are not stored here: ``secrets_name`` names the environment variables that hold them
(``AMAZON_<NAME>_LWA_CLIENT_SECRET``, ``AMAZON_<NAME>_REFRESH_TOKEN``). A refresh token is a
long-lived credential to a brand's seller account; kept out of the database it is out of every
backup, dump and admin page, and needs no encryption key to manage (README, "Configuration").
"""

from __future__ import annotations

import os

from django.db import models
from django.utils import timezone

from channels_app.amazon.errors import AmazonNotConfigured
from wms.catalog.models import code_validator


class AmazonIntegration(models.Model):
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    seller_id = models.CharField(max_length=40, help_text="Merchant token, e.g. A3TH9S8BH6GOGM.")
    marketplace_ids = models.JSONField(default=list, help_text='e.g. ["ATVPDKIKX0DER"]')
    lwa_client_id = models.CharField("LWA client id", max_length=120)
    secrets_name = models.CharField(
        max_length=40,
        validators=[code_validator],
        help_text="Secrets come from AMAZON_<name>_LWA_CLIENT_SECRET and AMAZON_<name>_REFRESH_TOKEN.",
    )
    default_service = models.ForeignKey(
        "wms.CarrierService", on_delete=models.PROTECT, related_name="+"
    )
    service_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='Amazon ShipmentServiceLevelCategory → carrier service code, e.g. {"NextDay": "UPS_NDA"}.',
    )
    reconcile_tolerance = models.PositiveIntegerField(
        default=0,
        help_text="Units Amazon's quantity may differ from ours before the listing is held.",
    )
    ship_from_phone = models.CharField(
        max_length=30, blank=True, help_text="Phone on FBA inbound plans' source address."
    )
    orders_synced_through = models.DateTimeField(
        null=True, blank=True, help_text="LastUpdatedAfter of the next order poll."
    )
    orders_paging = models.JSONField(
        default=dict,
        blank=True,
        help_text="The getOrders window being paged (after, NextToken, newest seen), saved after "
        "every page so a retried poll resumes where the last one stopped.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        db_table = "amazon_integration"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "seller_id"], name="one_integration_per_seller"
            )
        ]

    def __str__(self) -> str:
        return f"Amazon {self.seller_id} ({self.client_id})"

    @property
    def marketplace_id(self) -> str:
        return str(self.marketplace_ids[0])

    def secret(self, what: str) -> str:
        name = f"AMAZON_{self.secrets_name}_{what}"
        value = os.environ.get(name, "")
        if not value:
            raise AmazonNotConfigured(
                f"Set the environment variable {name} for Amazon seller {self.seller_id} "
                "(from Seller Central → Apps and Services → Develop Apps)."
            )
        return value


class AmazonOrder(models.Model):
    """What we last saw of one Amazon order, and whether its shipment was confirmed."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    amazon_order_id = models.CharField(max_length=40)
    order = models.OneToOneField(
        "wms.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=30)
    last_update_date = models.DateTimeField(help_text="Amazon's LastUpdateDate when last applied.")
    shipment_confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_tracking = models.CharField(max_length=60, blank=True)
    confirmation_key = models.CharField(max_length=120, blank=True)

    class Meta:
        db_table = "amazon_order"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "amazon_order_id"], name="one_row_per_amazon_order"
            )
        ]

    def __str__(self) -> str:
        return self.amazon_order_id


class Listing(models.Model):
    """One of our items as an Amazon listing (MSKU): what we pushed, what Amazon says, held or not."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    msku = models.CharField("MSKU", max_length=64)
    product_type = models.CharField(max_length=60, default="PRODUCT")
    pushed_quantity = models.IntegerField(null=True, blank=True)
    pushed_at = models.DateTimeField(null=True, blank=True)
    amazon_quantity = models.IntegerField(null=True, blank=True)
    delta = models.IntegerField(null=True, blank=True, help_text="Amazon's quantity − ours.")
    reconciled_at = models.DateTimeField(null=True, blank=True)
    held = models.BooleanField(
        default=False, help_text="Published as 0 until a person resolves the exception."
    )
    held_reason = models.TextField(blank=True)
    # What Amazon's fulfillment centers hold (getInventorySummaries), shown beside our numbers.
    fba_fulfillable = models.IntegerField("FBA fulfillable", null=True, blank=True)
    fba_inbound = models.IntegerField(
        "FBA inbound", null=True, blank=True, help_text="Working + shipped inbound units."
    )
    fba_reserved = models.IntegerField("FBA reserved", null=True, blank=True)
    fba_unfulfillable = models.IntegerField("FBA unfulfillable", null=True, blank=True)
    fba_checked_at = models.DateTimeField("FBA checked", null=True, blank=True)

    class Meta:
        db_table = "amazon_listing"
        constraints = [
            models.UniqueConstraint(fields=["integration", "msku"], name="one_listing_per_msku")
        ]

    def __str__(self) -> str:
        return self.msku


class ReconciliationLine(models.Model):
    """One SKU in one reconciliation run: Amazon's quantity against our published ATP."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    msku = models.CharField(max_length=64)
    amazon_quantity = models.IntegerField()
    our_quantity = models.IntegerField()
    delta = models.IntegerField()
    beyond_tolerance = models.BooleanField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "amazon_reconciliation_line"
        indexes = [models.Index(fields=["integration", "msku", "at"], name="recon_by_msku")]

    def __str__(self) -> str:
        return f"{self.msku} Δ{self.delta}"


class AmazonException(models.Model):
    """Something a person must act on that Amazon told us (no order to hang it on). Never deleted."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40, help_text="quantity_mismatch, feed_error, …")
    msku = models.CharField(max_length=64, blank=True)
    item = models.ForeignKey(
        "wms.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.TextField()
    evidence = models.JSONField(default=dict, blank=True)
    owner = models.CharField(max_length=80)
    policy = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "amazon_exception"

    def __str__(self) -> str:
        return f"{self.kind} {self.msku}"


class FeedSubmission(models.Model):
    """A JSON_LISTINGS_FEED sent for bulk availability, until its processing report is read."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=120)
    feed_id = models.CharField(max_length=60)
    document_id = models.CharField(max_length=200)
    messages = models.JSONField(default=dict, help_text="messageId → [msku, quantity].")
    status = models.CharField(max_length=20, default="IN_QUEUE")
    report = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "amazon_feed_submission"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "idempotency_key"], name="one_feed_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.feed_id


class InboundPlan(models.Model):
    """An FBA inbound plan for the packed cartons of one replenishment order, step by step."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("wms.Order", on_delete=models.PROTECT, related_name="+")
    inbound_plan_id = models.CharField(max_length=60, blank=True)
    packing_option_id = models.CharField(max_length=60, blank=True)
    placement_option_id = models.CharField(max_length=60, blank=True)
    shipment_ids = models.JSONField(default=list, blank=True)
    boxes = models.JSONField(default=list, blank=True, help_text="What setPackingInformation sent.")
    labels = models.JSONField(default=list, blank=True, help_text="FNSKU item label downloads.")
    transportation = models.JSONField(
        default=dict, blank=True, help_text="shipmentId → the transportation option confirmed."
    )
    confirmation_ids = models.JSONField(
        default=list, blank=True, help_text="Amazon's shipment ids on the labels (FBA…)."
    )
    box_labels = models.JSONField(default=list, blank=True, help_text="Box label downloads.")
    step = models.CharField(max_length=30, default="new")
    problem = models.TextField(blank=True, help_text="Why the last attempt stopped, if it did.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "amazon_inbound_plan"

    def __str__(self) -> str:
        return self.inbound_plan_id or f"plan for order {self.order_id}"


class FbaShipment(models.Model):
    """One shipment Amazon placed an inbound plan's boxes in (a plan may split into several), as
    getShipment answered it: the confirmation ID its box labels carry and where it goes."""

    plan = models.ForeignKey(InboundPlan, on_delete=models.PROTECT, related_name="shipments")
    shipment_id = models.CharField(max_length=38, unique=True, help_text="Amazon's shipmentId.")
    confirmation_id = models.CharField(
        max_length=40, blank=True, db_index=True, help_text="On the box labels (FBA…)."
    )
    warehouse_id = models.CharField(max_length=20, blank=True, help_text="Destination FC.")
    destination = models.JSONField(default=dict, blank=True, help_text="Amazon's FC address.")
    status = models.CharField(max_length=30, blank=True)

    class Meta:
        db_table = "amazon_fba_shipment"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.confirmation_id or self.shipment_id


class FbaBox(models.Model):
    """Which packed carton Amazon put in which shipment, and its number there (box n of m)."""

    shipment = models.ForeignKey(FbaShipment, on_delete=models.PROTECT, related_name="boxes")
    parcel = models.OneToOneField("wms.Parcel", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    package_id = models.CharField(max_length=38, help_text="Amazon's packageId.")

    class Meta:
        db_table = "amazon_fba_box"
        ordering = ["shipment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "number"], name="fba_box_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.shipment} box {self.number}"


class AmazonPackage(models.Model):
    """One carton confirmed to Amazon as one package: its own packageReferenceId and tracking.

    Amazon takes one package per confirmShipment call; the same packageReferenceId sent again
    edits that package instead of adding one, so a retry re-sends the row's reference."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    amazon_order_id = models.CharField(max_length=40)
    shipment_parcel = models.OneToOneField(
        "wms.ShipmentParcel", on_delete=models.PROTECT, related_name="+"
    )
    package_reference_id = models.CharField(max_length=20)
    carrier_code = models.CharField(max_length=40)
    carrier_name = models.CharField(max_length=60, blank=True)
    shipping_method = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=60)
    order_items = models.JSONField(default=list, help_text="[{orderItemId, quantity}] as sent.")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "amazon_package"

    def __str__(self) -> str:
        return f"{self.amazon_order_id} #{self.package_reference_id}"


class ReturnsReport(models.Model):
    """One returns report asked of Amazon (Reports API), until its document is read."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    report_id = models.CharField(max_length=60)
    report_type = models.CharField(max_length=80)
    data_start = models.DateTimeField()
    data_end = models.DateTimeField()
    status = models.CharField(max_length=20, default="IN_QUEUE")
    rows = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "amazon_returns_report"

    def __str__(self) -> str:
        return self.report_id


class AmazonReturn(models.Model):
    """One line of Amazon's returns report (an Amazon RMA for one SKU), and the RMA it matched."""

    integration = models.ForeignKey(AmazonIntegration, on_delete=models.PROTECT, related_name="+")
    amazon_order_id = models.CharField(max_length=40)
    amazon_rma_id = models.CharField(max_length=60)
    merchant_rma_id = models.CharField(max_length=80, blank=True)
    msku = models.CharField("MSKU", max_length=64)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=60, blank=True, help_text="Return request status.")
    reason = models.CharField(max_length=120, blank=True)
    tracking_id = models.CharField(max_length=60, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    ret = models.ForeignKey(
        "wms.Return", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    row = models.JSONField(default=dict, help_text="The report's line as Amazon sent it.")
    first_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "amazon_return"
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "amazon_rma_id", "msku"], name="one_row_per_amazon_rma_sku"
            )
        ]

    def __str__(self) -> str:
        return f"{self.amazon_rma_id} {self.msku}"

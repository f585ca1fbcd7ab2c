"""The ledger: scans, their touches (append-only) and the balances derived from them.

Read docs/ledger.md first. Only wms/inventory/ledger.py writes these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from wms.catalog.models import Channel


class StockStatus(models.TextChoices):
    AVAILABLE = "available", "Available"
    QUARANTINE = "quarantine", "Quarantine"
    DAMAGED = "damaged", "Damaged"


class TouchKind(models.TextChoices):
    RECEIVE = "receive", "Receive"
    STOW = "stow", "Stow"
    MOVE = "move", "Move"
    PICK = "pick", "Pick"
    PACK = "pack", "Pack"
    SHIP = "ship", "Ship"
    QUARANTINE = "quarantine", "Quarantine"
    RELEASE = "release", "Release"
    RELABEL = "relabel", "Relabel"
    ADJUST = "adjust", "Adjust"
    COUNT = "count", "Count"
    RETURN = "return", "Return"
    DISPOSE = "dispose", "Dispose"


class Scan(models.Model):
    """One operator action, keyed by the id its device generated. Idempotency gate for touches."""

    id = models.UUIDField(primary_key=True, help_text="Device-generated scan id.")
    kind = models.CharField(max_length=20, choices=TouchKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=80, blank=True)
    fingerprint = models.CharField(max_length=64, help_text="Hash of the request, to refuse reuse.")
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_scan"

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class Touch(models.Model):
    """One scanned movement of stock from one bucket to another. Never updated, never deleted."""

    scan = models.ForeignKey(Scan, on_delete=models.PROTECT, related_name="touches")
    kind = models.CharField(max_length=20, choices=TouchKind.choices)
    # Every index is paid on every insert into the busiest table: client and item are covered by
    # the (client, created_at) and (item, created_at) indexes below, so they get none of their own.
    client = models.ForeignKey(
        "wms.Client", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    item = models.ForeignKey(
        "wms.Item", on_delete=models.PROTECT, related_name="touches", db_index=False
    )
    lot = models.ForeignKey("wms.Lot", on_delete=models.PROTECT, null=True, related_name="+")
    serial = models.CharField(max_length=80, blank=True)
    quantity = models.PositiveIntegerField()
    from_location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    from_container = models.ForeignKey(
        "wms.Container", on_delete=models.PROTECT, null=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=StockStatus.choices)
    to_location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    to_container = models.ForeignKey(
        "wms.Container", on_delete=models.PROTECT, null=True, related_name="+"
    )
    to_status = models.CharField(max_length=20, choices=StockStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    device = models.CharField(max_length=80, blank=True)
    reference = models.CharField(
        max_length=120, blank=True, help_text="Order (channel:order id), ASN or PO."
    )
    reason_code = models.CharField(max_length=40, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_touch"
        verbose_name_plural = "touches"
        constraints = [
            models.CheckConstraint(
                name="touch_quantity_positive", condition=models.Q(quantity__gt=0)
            ),
        ]
        indexes = [
            models.Index(fields=["client", "created_at"], name="touch_client_time"),
            models.Index(fields=["item", "created_at"], name="touch_item_time"),
            models.Index(fields=["reference"], name="touch_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity}×{self.item_id}"


class Balance(models.Model):
    """Quantity in one bucket: (item, lot, location, container, status). Derived from touches."""

    # Covered by (client, item) and by the bucket key (item first): no single-column indexes.
    client = models.ForeignKey(
        "wms.Client", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    item = models.ForeignKey(
        "wms.Item", on_delete=models.PROTECT, related_name="balances", db_index=False
    )
    lot = models.ForeignKey("wms.Lot", on_delete=models.PROTECT, null=True, related_name="+")
    location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="balances")
    container = models.ForeignKey(
        "wms.Container", on_delete=models.PROTECT, null=True, related_name="balances"
    )
    status = models.CharField(max_length=20, choices=StockStatus.choices)
    # 64-bit: a virtual bucket (supplier, customer) accumulates every unit that ever passed through.
    quantity = models.BigIntegerField(default=0)
    # Copied from the location so the CHECK below can see it (a CHECK cannot join).
    is_virtual = models.BooleanField()

    class Meta:
        db_table = "wms_balance"
        constraints = [
            # One row per bucket. lot and container may be empty; COALESCE makes "empty" one key.
            models.UniqueConstraint(
                F("item"),
                Coalesce(F("lot"), Value(0)),
                F("location"),
                Coalesce(F("container"), Value(0)),
                F("status"),
                name="balance_one_row_per_bucket",
            ),
            models.CheckConstraint(
                name="physical_balance_not_negative",
                condition=models.Q(quantity__gte=0) | models.Q(is_virtual=True),
            ),
        ]
        indexes = [models.Index(fields=["client", "item"], name="balance_client_item")]

    def __str__(self) -> str:
        return (
            f"{self.item_id}@{self.location_id}/{self.container_id}/{self.status}={self.quantity}"
        )


class StockPosition(models.Model):
    """Sellable on-hand and reserved units of one item at one warehouse (docs/orders.md).

    `on_hand` is derived from balances by the ledger in the same transaction and proven by
    verify_ledger; `reserved` is changed only by wms/inventory/reservations.py and by picks.
    """

    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        "wms.Item", on_delete=models.PROTECT, related_name="positions", db_index=False
    )
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    on_hand = models.BigIntegerField(default=0)
    reserved = models.BigIntegerField(default=0)

    class Meta:
        db_table = "wms_stock_position"
        constraints = [
            models.UniqueConstraint(fields=["item", "warehouse"], name="one_position_per_node"),
            models.CheckConstraint(name="on_hand_not_negative", condition=models.Q(on_hand__gte=0)),
            models.CheckConstraint(
                name="reserved_not_negative", condition=models.Q(reserved__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.item_id}@{self.warehouse_id}: {self.on_hand} on hand, {self.reserved} reserved"
        )


class ChannelRule(models.Model):
    """How much of a client's stock one channel may sell, and from which warehouses."""

    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="channel_rules")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    buffer = models.PositiveIntegerField(
        default=0, help_text="Units per item and warehouse held back from this channel."
    )
    cap = models.PositiveIntegerField(
        null=True, blank=True, help_text="Never publish more than this per item."
    )
    share_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Publish only this share of available-to-promise.",
    )
    warehouses = models.ManyToManyField(
        "wms.Warehouse",
        blank=True,
        related_name="+",
        help_text="Warehouses that feed this channel; none selected = every active warehouse.",
    )

    class Meta:
        db_table = "wms_channel_rule"
        constraints = [
            models.UniqueConstraint(fields=["client", "channel"], name="one_rule_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.channel}"


class ChannelAvailability(models.Model):
    """The quantity last published to a channel for an item (what the channel believes)."""

    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+", db_index=False)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    quantity = models.BigIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_channel_availability"
        constraints = [
            models.UniqueConstraint(fields=["item", "channel"], name="one_availability_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} on {self.channel}: {self.quantity}"


class AvailabilityEvent(models.Model):
    """Append-only: a channel's available quantity for an item changed. Consumed by integrations."""

    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    quantity = models.BigIntegerField()
    previous = models.BigIntegerField(null=True)
    cause = models.CharField(
        max_length=120, help_text="What changed it: a touch kind, or the order that reserved."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_availability_event"
        indexes = [models.Index(fields=["client", "channel", "id"], name="availability_feed")]

    def __str__(self) -> str:
        return f"{self.item_id} on {self.channel}: {self.previous} → {self.quantity}"


class ApprovalState(models.TextChoices):
    PENDING = "pending", "Waiting for a supervisor"
    APPROVED = "approved", "Approved and recorded"
    REJECTED = "rejected", "Rejected: count again"


class CountApproval(models.Model):
    """A blind count whose confirmed variance is beyond the warehouse's threshold (docs/floor.md).

    Nothing moves until a supervisor approves; the count touch is then recorded against the stock
    as it is at approval, with the supervisor as its actor.
    """

    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "wms.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    container = models.ForeignKey(
        "wms.Container", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=StockStatus.choices, default=StockStatus.AVAILABLE
    )
    counted = models.PositiveIntegerField()
    system = models.BigIntegerField(help_text="What the ledger held when the count was confirmed.")
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        max_length=20, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    scan = models.ForeignKey(
        Scan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "wms_count_approval"
        indexes = [models.Index(fields=["warehouse", "state"], name="count_approval_queue")]

    def __str__(self) -> str:
        return (
            f"count {self.counted} (system {self.system}) of {self.item_id} at {self.location_id}"
        )

    @property
    def variance(self) -> int:
        return self.counted - self.system

"""Orders from every channel, the authority policy that judges their conflicts, allocation decisions,
and the outbound work (waves, pick tasks, parcels, shipments). See docs/orders.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from wms.catalog.models import Channel


class ServiceLevel(models.TextChoices):
    NEXT_DAY = "next_day", "Next day"
    EXPEDITED = "expedited", "Expedited"
    STANDARD = "standard", "Standard"
    ECONOMY = "economy", "Economy"


SERVICE_RANK = {
    ServiceLevel.NEXT_DAY: 0,
    ServiceLevel.EXPEDITED: 1,
    ServiceLevel.STANDARD: 2,
    ServiceLevel.ECONOMY: 3,
}


class CarrierService(models.Model):
    code = models.CharField(max_length=40, unique=True, help_text="e.g. UPS_GROUND")
    carrier = models.CharField(max_length=40)
    name = models.CharField(max_length=100)
    level = models.CharField(
        max_length=20, choices=ServiceLevel.choices, default=ServiceLevel.STANDARD
    )

    class Meta:
        db_table = "wms_carrier_service"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Cutoff(models.Model):
    """The local time by which an order must be shipped to leave today with this service."""

    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.CASCADE, related_name="cutoffs")
    service = models.ForeignKey(CarrierService, on_delete=models.CASCADE, related_name="cutoffs")
    local_time = models.TimeField(help_text="In the warehouse's time zone.")

    class Meta:
        db_table = "wms_cutoff"
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "service"], name="one_cutoff_per_service")
        ]

    def __str__(self) -> str:
        return f"{self.warehouse} {self.service} {self.local_time:%H:%M}"


class Allocation(models.TextChoices):
    WMS = "wms", "The WMS chooses the node"
    UPSTREAM = "upstream", "An upstream order system assigns the node"


class CancelAfterPick(models.TextChoices):
    UNWIND = "unwind", "Unwind: put picked units back (restock task)"
    COMPLETE_AND_FLAG = "complete_and_flag", "Ship anyway and flag it"
    TREAT_AS_RETURN = "treat_as_return", "Ship, and expect it back as a return"


class AddressAfterLabel(models.TextChoices):
    REPRINT = "reprint", "Accept and reprint the label"
    REJECT = "reject", "Reject the change"
    HOLD = "hold", "Hold the order for a decision"


class ShortPick(models.TextChoices):
    REALLOCATE = "reallocate", "Pick the rest from other stock in the warehouse"
    BACKORDER = "backorder", "Backorder the rest"
    EXCEPTION = "exception", "Stop the order as an exception"


class AuthorityPolicy(models.Model):
    """Per client: who decides, and how each conflict of DESIGN §4 is settled."""

    client = models.OneToOneField("wms.Client", on_delete=models.CASCADE, related_name="policy")
    allocation = models.CharField(max_length=20, choices=Allocation.choices, default=Allocation.WMS)
    allow_split = models.BooleanField(default=False, help_text="Ship one order from several nodes.")
    allow_backorder = models.BooleanField(default=True)
    allow_partial_shipment = models.BooleanField(default=False)
    allow_substitution = models.BooleanField(default=False)
    cancel_after_pick = models.CharField(
        max_length=20, choices=CancelAfterPick.choices, default=CancelAfterPick.UNWIND
    )
    address_after_label = models.CharField(
        max_length=20, choices=AddressAfterLabel.choices, default=AddressAfterLabel.HOLD
    )
    short_pick = models.CharField(
        max_length=20, choices=ShortPick.choices, default=ShortPick.REALLOCATE
    )
    safety_buffer = models.PositiveIntegerField(
        default=0, help_text="Units per item and warehouse never promised to any channel."
    )

    class Meta:
        db_table = "wms_authority_policy"
        verbose_name_plural = "authority policies"

    def __str__(self) -> str:
        return f"policy of {self.client_id}"


class OrderState(models.TextChoices):
    RECEIVED = "received", "Received"
    RESERVED = "reserved", "Reserved"
    BACKORDERED = "backordered", "Backordered"
    RELEASED = "released", "Released to the floor"
    PICKING = "picking", "Picking"
    PICKED = "picked", "Picked"
    PACKED = "packed", "Packed"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"
    ON_HOLD = "on_hold", "On hold"
    EXCEPTION = "exception", "Exception"


class Order(models.Model):
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="orders")
    channel = models.CharField(max_length=20, choices=Channel.choices)
    external_id = models.CharField(max_length=80, help_text="The channel's order id.")
    state = models.CharField(max_length=20, choices=OrderState.choices, default=OrderState.RECEIVED)
    ship_to_name = models.CharField(max_length=200)
    ship_to_line1 = models.CharField(max_length=200)
    ship_to_line2 = models.CharField(max_length=200, blank=True)
    ship_to_city = models.CharField(max_length=100)
    ship_to_region = models.CharField(
        max_length=100, blank=True, help_text="State or province: its ISO 3166-2 code (OR, ON)."
    )
    ship_to_postal_code = models.CharField(max_length=20)
    ship_to_country = models.CharField(max_length=2, default="US")
    ship_to_phone = models.CharField(
        max_length=40, blank=True, help_text="The buyer's phone, for the carrier."
    )
    ship_to_email = models.EmailField(blank=True, help_text="The buyer's e-mail, for the carrier.")
    service = models.ForeignKey(CarrierService, on_delete=models.PROTECT, related_name="+")
    ship_by = models.DateTimeField(null=True, blank=True, help_text="The channel's promise.")
    deliver_by = models.DateTimeField(null=True, blank=True)
    requested_warehouse = models.ForeignKey(
        "wms.Warehouse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The node an upstream order system assigned.",
    )
    warehouse = models.ForeignKey(
        "wms.Warehouse", on_delete=models.PROTECT, null=True, blank=True, related_name="orders"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Earlier of ship-by and the node's cutoff: orders pick work.",
    )
    held_from = models.CharField(max_length=20, blank=True, help_text="State to resume after hold.")
    label_printed_at = models.DateTimeField(null=True, blank=True)
    flags = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_order"
        constraints = [
            models.UniqueConstraint(
                fields=["client", "channel", "external_id"], name="order_external_id_unique"
            )
        ]
        indexes = [
            models.Index(fields=["warehouse", "state", "due_at"], name="order_work_queue"),
            models.Index(fields=["client", "state"], name="order_client_state"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"

    @property
    def touch_reference(self) -> str:
        """How the ledger names this order: an order id is unique only per client and channel."""
        return f"{self.channel}:{self.external_id}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(help_text="In base units (eaches).")
    channel_line_id = models.CharField(max_length=80, blank=True)
    unit_of_measure = models.CharField(
        max_length=10, default="each", help_text="As ordered on the PO: each or case."
    )
    picked = models.PositiveIntegerField(default=0)
    packed = models.PositiveIntegerField(default=0)
    shipped = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "wms_order_line"
        ordering = ["order_id", "pk"]
        constraints = [
            models.CheckConstraint(
                name="line_quantity_positive", condition=models.Q(quantity__gt=0)
            ),
            models.CheckConstraint(
                name="line_progress_bounded",
                condition=models.Q(picked__lte=models.F("quantity"))
                & models.Q(packed__lte=models.F("picked"))
                & models.Q(shipped__lte=models.F("packed")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.item_id}×{self.quantity}"


class Reservation(models.Model):
    """Units of a position held for an order line. `quantity` is what is still held (not yet picked)."""

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="reservations")
    position = models.ForeignKey(
        "wms.StockPosition", on_delete=models.PROTECT, related_name="reservations"
    )
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    picked = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_reservation"

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.line_id} at {self.warehouse_id}"


class OrderEvent(models.Model):
    """Every transition and decision about an order: when, who or which system, why, by what policy."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40, help_text="transition, decision, flag…")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner = models.CharField(
        max_length=80, help_text="Who owns the next step: wms, a channel, a person."
    )
    reason = models.TextField()
    policy = models.CharField(max_length=80, blank=True)
    reference = models.CharField(max_length=80, blank=True)

    class Meta:
        db_table = "wms_order_event"
        ordering = ["order_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.from_state}→{self.to_state}"


class AllocationDecision(models.Model):
    """Why this node: each candidate's evaluation and the choice."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="decisions")
    at = models.DateTimeField(default=timezone.now)
    mode = models.CharField(max_length=20, choices=Allocation.choices)
    outcome = models.CharField(max_length=20, help_text="allocated, split, backordered, refused")
    warehouses = models.JSONField(default=list, help_text="Codes of the chosen nodes.")
    reason = models.TextField()
    candidates = models.JSONField(default=list)

    class Meta:
        db_table = "wms_allocation_decision"
        ordering = ["order_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.outcome} {self.warehouses}"


class Wave(models.Model):
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="waves")
    created_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        db_table = "wms_wave"

    def __str__(self) -> str:
        return f"wave {self.pk} at {self.warehouse_id}"


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    SHORT = "short", "Short"
    CANCELLED = "cancelled", "Cancelled"


class PickTask(models.Model):
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="tasks")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="pick_tasks")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="pick_tasks")
    reservation = models.ForeignKey(Reservation, on_delete=models.PROTECT, related_name="tasks")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "wms.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    from_container = models.ForeignKey(
        "wms.Container", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tote = models.ForeignKey(
        "wms.Container", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    picked = models.PositiveIntegerField(default=0)
    sequence = models.PositiveIntegerField(help_text="Position on the pick path.")
    state = models.CharField(max_length=20, choices=TaskState.choices, default=TaskState.OPEN)
    # Who is walking to it: two pickers are never sent to the same task (fulfilment.next_task).
    picker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_pick_task"
        ordering = ["wave_id", "sequence", "pk"]

    def __str__(self) -> str:
        return f"pick {self.quantity}×{self.item_id} at {self.location_id} ({self.state})"


class Parcel(models.Model):
    """A carton packed for an order: its container, what it weighs and measures."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="parcels")
    container = models.OneToOneField(
        "wms.Container", on_delete=models.PROTECT, related_name="parcel"
    )
    weight_g = models.PositiveIntegerField(null=True, blank=True)
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_parcel"

    def __str__(self) -> str:
        return f"parcel {self.container_id} of order {self.order_id}"


class Shipment(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    carrier = models.CharField(max_length=40)
    service = models.ForeignKey(CarrierService, on_delete=models.PROTECT, related_name="+")
    shipped_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The advance ship notice the partner expects (EDI 856 / Amazon): when it went, when acknowledged.
    asn_sent_at = models.DateTimeField(null=True, blank=True)
    asn_acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_shipment"

    def __str__(self) -> str:
        return f"shipment {self.pk} of order {self.order_id}"


class ShipmentParcel(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="parcels")
    parcel = models.OneToOneField(Parcel, on_delete=models.PROTECT, related_name="shipment_parcel")
    tracking_number = models.CharField(max_length=60)
    contents = models.JSONField(default=list, help_text="[{sku, lot, quantity}] as shipped.")

    class Meta:
        db_table = "wms_shipment_parcel"

    def __str__(self) -> str:
        return self.tracking_number


class RestockTask(models.Model):
    """Picked units to put back after an order was cancelled under the `unwind` policy."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="restock_tasks")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "wms.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    container = models.ForeignKey("wms.Container", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    suggested_location = models.ForeignKey(
        "wms.Location", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=20, choices=TaskState.choices, default=TaskState.OPEN)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_restock_task"

    def __str__(self) -> str:
        return f"restock {self.quantity}×{self.item_id} ({self.state})"


class OrderException(models.Model):
    """Something a person must act on, with its owner. Resolved, never deleted."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="exceptions")
    kind = models.CharField(max_length=40)
    detail = models.TextField()
    owner = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_order_exception"

    def __str__(self) -> str:
        return f"{self.kind} on order {self.order_id}"


class Event(models.Model):
    """Something a channel or a brand's system must hear (order accepted, shipped, return received…).

    Written in the same transaction as the change; delivery comes with the outbox (issue 6).
    """

    kind = models.CharField(max_length=40)
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_event"
        indexes = [models.Index(fields=["client", "id"], name="event_feed")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

"""The outbox: what must be delivered where, written in the domain transaction (docs/outbox.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

INTEGRATION_ENGINEER = "integration engineer"


class OutboxState(models.TextChoices):
    PENDING = "pending", "Pending"
    IN_FLIGHT = "in_flight", "In flight"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead (retry limit reached)"


class OutboxMessage(models.Model):
    """One thing to deliver to one destination; availability: one row per listing, updated in place."""

    destination = models.CharField(
        max_length=80, help_text="<handler>:<target>, e.g. amazon:7 or webhook:brand-erp"
    )
    kind = models.CharField(max_length=40)
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(
        "wms.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="deliveries"
    )
    availability = models.ForeignKey(
        "wms.AvailabilityEvent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The newest availability event folded into this row.",
    )
    listing = models.CharField(
        max_length=160, null=True, blank=True, unique=True, help_text="Coalescing key."
    )
    payload = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=1)
    delivered_version = models.PositiveIntegerField(default=0)
    coalesced = models.PositiveIntegerField(
        default=0, help_text="Changes folded into this row instead of becoming calls of their own."
    )
    idempotency_key = models.CharField(max_length=200)
    state = models.CharField(
        max_length=20, choices=OutboxState.choices, default=OutboxState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Calls made for this content.")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_outbox_message"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "destination"],
                condition=Q(event__isnull=False),
                name="one_delivery_per_event_destination",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="outbox_due",
            ),
            models.Index(
                fields=["lease_until"], condition=Q(state="in_flight"), name="outbox_leased"
            ),
            models.Index(fields=["state", "destination"], name="outbox_by_state"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.destination} ({self.state})"

    def key_for(self, version: int) -> str:
        """The idempotency key of one content: a listing's each version has its own."""
        return f"{self.idempotency_key}#{version}" if self.listing else self.idempotency_key


class DeliveryException(models.Model):
    """A message that could not be delivered: a person must act on it. Resolved, never deleted."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.PROTECT, related_name="exceptions")
    order = models.ForeignKey(
        "wms.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40, default="delivery_failed")
    detail = models.TextField()
    owner = models.CharField(max_length=80, default=INTEGRATION_ENGINEER)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_delivery_exception"
        constraints = [
            models.UniqueConstraint(
                fields=["message"],
                condition=Q(resolved_at__isnull=True),
                name="one_open_exception_per_message",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: message {self.message_id}"


class InboundMessage(models.Model):
    """A webhook or notification already taken in, by the sender's id for it (dedupe)."""

    source = models.CharField(max_length=80, help_text="e.g. amazon:7:ORDER_CHANGE")
    external_id = models.CharField(max_length=200)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_inbound_message"
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="inbound_seen_once")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.external_id}"

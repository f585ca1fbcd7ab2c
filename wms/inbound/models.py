"""Stock coming in: expected receipts (ASN / PO) and customer returns."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ReceiptKind(models.TextChoices):
    ASN = "asn", "Advance ship notice"
    PO = "po", "Purchase order"


class ReceiptState(models.TextChoices):
    OPEN = "open", "Open"
    RECEIVING = "receiving", "Receiving"
    COMPLETE = "complete", "Complete"


class ExpectedReceipt(models.Model):
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="receipts")
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ReceiptKind.choices, default=ReceiptKind.ASN)
    reference = models.CharField(max_length=80, help_text="ASN or PO number.")
    supplier = models.CharField(max_length=200, blank=True)
    expected_at = models.DateTimeField(null=True, blank=True)
    over_tolerance_percent = models.PositiveSmallIntegerField(default=0)
    under_tolerance_percent = models.PositiveSmallIntegerField(default=0)
    state = models.CharField(max_length=20, choices=ReceiptState.choices, default=ReceiptState.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_expected_receipt"
        constraints = [
            models.UniqueConstraint(fields=["client", "reference"], name="receipt_reference_unique")
        ]

    def __str__(self) -> str:
        return self.reference


class ExpectedReceiptLine(models.Model):
    receipt = models.ForeignKey(ExpectedReceipt, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    received = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "wms_expected_receipt_line"
        constraints = [
            models.UniqueConstraint(fields=["receipt", "item"], name="one_receipt_line_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.receipt_id}: {self.item_id} {self.received}/{self.quantity}"


class Grade(models.TextChoices):
    SELLABLE = "sellable", "Sellable"
    DAMAGED = "damaged", "Damaged"
    DEFECTIVE = "defective", "Defective"
    DISPOSE = "dispose", "Dispose"


class Disposition(models.TextChoices):
    PENDING = "pending", "Awaiting disposition"
    RESTOCKED = "restocked", "Restocked"
    QUARANTINED = "quarantined", "Quarantined"
    DISPOSED = "disposed", "Disposed"


class Return(models.Model):
    client = models.ForeignKey("wms.Client", on_delete=models.PROTECT, related_name="returns")
    order = models.ForeignKey(
        "wms.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="returns"
    )
    rma = models.CharField(max_length=80)
    warehouse = models.ForeignKey("wms.Warehouse", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "wms_return"
        constraints = [models.UniqueConstraint(fields=["client", "rma"], name="rma_unique")]

    def __str__(self) -> str:
        return self.rma


class ReturnUnit(models.Model):
    """One graded quantity of an item received back, and what became of it."""

    ret = models.ForeignKey(Return, on_delete=models.PROTECT, related_name="units")
    item = models.ForeignKey("wms.Item", on_delete=models.PROTECT, related_name="+")
    lot = models.ForeignKey(
        "wms.Lot", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField()
    grade = models.CharField(max_length=20, choices=Grade.choices)
    location = models.ForeignKey("wms.Location", on_delete=models.PROTECT, related_name="+")
    disposition = models.CharField(
        max_length=20, choices=Disposition.choices, default=Disposition.PENDING
    )
    received_at = models.DateTimeField(default=timezone.now)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "wms_return_unit"

    def __str__(self) -> str:
        return f"{self.ret_id}: {self.quantity}×{self.item_id} {self.grade} ({self.disposition})"

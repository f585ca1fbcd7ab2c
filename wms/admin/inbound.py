"""Back office: expected receipts and returns (read-only: written by receiving and returns)."""

from __future__ import annotations

from django.contrib import admin

from wms.admin._common import ReadOnlyAdmin
from wms.inbound.models import ExpectedReceipt, Return


@admin.register(ExpectedReceipt)
class ExpectedReceiptAdmin(ReadOnlyAdmin):
    list_display = ("reference", "client", "warehouse", "kind", "state", "expected_at")
    list_filter = ("state", "client", "warehouse")


@admin.register(Return)
class ReturnAdmin(ReadOnlyAdmin):
    list_display = ("rma", "client", "order", "warehouse", "created_at")
    list_filter = ("client",)

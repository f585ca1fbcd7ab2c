"""Back office: the ledger (read-only), channel rules and counts waiting for a supervisor."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from wms.accounts.models import User
from wms.admin._common import ReadOnlyAdmin
from wms.errors import DomainError
from wms.inventory import counting
from wms.inventory.availability import republish
from wms.inventory.ledger import ScanContext
from wms.inventory.models import Balance, ChannelRule, CountApproval, Scan, Touch


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "kind",
        "client",
        "item",
        "quantity",
        "from_location",
        "to_location",
        "actor",
        "reference",
    )
    list_filter = ("kind", "client")
    search_fields = ("item__sku", "reference", "scan__id")
    list_select_related = ("client", "item", "from_location", "to_location", "actor")
    show_full_result_count = False


@admin.register(Balance)
class BalanceAdmin(ReadOnlyAdmin):
    list_display = ("item", "lot", "location", "container", "status", "quantity", "client")
    list_filter = ("client", "status", "is_virtual", "location__type")
    search_fields = ("item__sku", "location__code", "container__barcode")
    list_select_related = ("item", "lot", "location", "container", "client")


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "actor", "device", "created_at")
    list_filter = ("kind",)


@admin.register(ChannelRule)
class ChannelRuleAdmin(admin.ModelAdmin[ChannelRule]):
    list_display = ("client", "channel", "buffer", "cap", "share_percent")
    list_filter = ("client", "channel")
    filter_horizontal = ("warehouses",)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The channel's promise changes with its rule: tell it now, not at the next scan.
        republish(client_id=form.instance.client_id)


# --- cycle counts waiting for a supervisor (wms.inventory.counting) --------------------------------


@admin.register(CountApproval)
class CountApprovalAdmin(ReadOnlyAdmin):
    """Counts beyond the threshold. Approve/reject call the counting service, as the RF queue does:
    approval records the count touch with the signed-in supervisor as actor."""

    list_display = (
        "id",
        "counted_at",
        "warehouse",
        "location",
        "item",
        "lot",
        "counted",
        "system",
        "variance",
        "counted_by",
        "state",
        "decided_by",
    )
    list_filter = ("state", "warehouse")
    list_select_related = ("warehouse", "location", "item", "lot", "counted_by", "decided_by")
    actions = ["approve", "reject"]

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_staff)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[CountApproval], *, approve: bool
    ) -> None:
        user = request.user
        if not isinstance(user, User):
            return
        done = 0
        for approval in queryset.select_related("item", "lot", "location", "container"):
            try:
                if approve:
                    ctx = ScanContext(uuid.uuid4(), user, device="back office")
                    counting.approve_count(ctx, approval=approval)
                else:
                    counting.reject_count(approval=approval, actor=user)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"Count {approval.pk}: {exc.message}", messages.ERROR)
        if done:
            verb = "Approved and recorded" if approve else "Rejected"
            self.message_user(request, f"{verb} {done} count(s).", messages.SUCCESS)

    @admin.action(description="Approve: record the count (as you)")
    def approve(self, request: HttpRequest, queryset: QuerySet[CountApproval]) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description="Reject: a new count is due")
    def reject(self, request: HttpRequest, queryset: QuerySet[CountApproval]) -> None:
        self._decide(request, queryset, approve=False)

"""Back office: ERP integrations (import items / send a snapshot now), field owners, refusals."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from channels_app.erp import adapter
from channels_app.erp.errors import TransportError
from channels_app.erp.models import ErpFieldOwner, ErpIntegration, ErpRefusal


@admin.register(ErpIntegration)
class ErpIntegrationAdmin(admin.ModelAdmin[ErpIntegration]):
    list_display = ("secrets_name", "client", "active", "items_synced_through")
    readonly_fields = ("items_synced_through",)
    actions = ["import_items_now", "send_snapshot_now"]

    def save_model(
        self, request: HttpRequest, obj: ErpIntegration, form: object, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        adapter.field_owners(obj.client)  # the client's field owners, editable from here on

    @admin.action(description="Import changed items now")
    def import_items_now(self, request: HttpRequest, queryset: QuerySet[ErpIntegration]) -> None:
        for integration in queryset:
            try:
                result = adapter.import_items(integration)
            except TransportError as exc:
                self.message_user(request, f"{integration}: {exc}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{integration}: {len(result.applied)} item versions read, "
                f"{result.count('created')} created, {result.count('updated')} updated, "
                f"{result.refused} changes refused (see ERP refusals).",
            )

    @admin.action(description="Send an inventory snapshot now")
    def send_snapshot_now(self, request: HttpRequest, queryset: QuerySet[ErpIntegration]) -> None:
        for client_id in sorted(set(queryset.values_list("client_id", flat=True))):
            integration = queryset.filter(client_id=client_id).first()
            assert integration is not None
            queued = adapter.queue_snapshot(integration.client)
            self.message_user(request, f"{integration.client}: snapshot queued ({len(queued)}).")


@admin.register(ErpFieldOwner)
class ErpFieldOwnerAdmin(admin.ModelAdmin[ErpFieldOwner]):
    list_display = ("client", "field", "owner")
    list_editable = ("owner",)
    list_filter = ("client", "owner")


@admin.register(ErpRefusal)
class ErpRefusalAdmin(admin.ModelAdmin[ErpRefusal]):
    list_display = ("created_at", "client", "sku", "field", "ours", "theirs", "erp_version")
    list_filter = ("client", "field")
    search_fields = ("sku",)
    readonly_fields = (
        "integration",
        "client",
        "item",
        "sku",
        "field",
        "ours",
        "theirs",
        "reason",
        "policy",
        "erp_version",
        "created_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
